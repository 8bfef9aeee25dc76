package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// DefaultNtfyURL is the ntfy server used when delivery.ntfy.url is unset.
const DefaultNtfyURL = "https://ntfy.sh"

// ntfyMaxMessage bounds the message text in runes (at most 4,000 bytes):
// ntfy accepts messages of up to 4,096 bytes.
const ntfyMaxMessage = 1000

// NtfyMessage is the JSON body escucha publishes to ntfy (POST to the
// server's root URL, docs.ntfy.sh/publish/#publish-as-json).
type NtfyMessage struct {
	Topic    string       `json:"topic"`
	Title    string       `json:"title"`
	Message  string       `json:"message"`
	Priority int          `json:"priority"`
	Tags     []string     `json:"tags,omitempty"`
	Click    string       `json:"click,omitempty"`
	Actions  []NtfyAction `json:"actions,omitempty"`
}

// NtfyAction is an action button of an ntfy notification: "view" opens a
// URL, "http" sends a request from the phone.
type NtfyAction struct {
	Action string `json:"action"`
	Label  string `json:"label"`
	URL    string `json:"url"`
	Method string `json:"method,omitempty"`
	Body   string `json:"body,omitempty"`
	Clear  bool   `json:"clear,omitempty"`
}

// ntfyPriorities are the default priorities by severity ("none" is a
// suggestion or an alert without severity).
var ntfyPriorities = map[string]int{"critical": 5, "high": 4, "medium": 3, "low": 2, "none": 3}

// ntfyTags are the emoji tags (shown as icons by the ntfy apps) by severity.
var ntfyTags = map[string]string{"critical": "rotating_light", "high": "warning", "medium": "loudspeaker", "low": "information_source", "none": "bulb"}

// ntfyLabels are the texts of the notification, by language.
var ntfyLabels = map[string]map[string]string{
	"es": {"ack": "Visto", "resolved": "Resuelto", "open": "Ver post",
		"complaint": "queja", "suggestion": "sugerencia", "other": "otro",
		"critical": "crítica", "high": "alta", "medium": "media", "low": "baja"},
	"en": {"ack": "Ack", "resolved": "Resolved", "open": "Open post",
		"complaint": "complaint", "suggestion": "suggestion", "other": "other",
		"critical": "critical", "high": "high", "medium": "medium", "low": "low"},
}

type ntfy struct {
	opts  GatewayOptions
	url   string
	token string
	to    []string
}

func newNtfy(opts GatewayOptions, to []string) (*ntfy, error) {
	u := opts.Config.Delivery.Ntfy.URL
	if u == "" {
		u = DefaultNtfyURL
	}
	tok, err := opts.Config.Delivery.Ntfy.Token.Resolve()
	if err != nil {
		return nil, fmt.Errorf("delivery.ntfy.token: %w", err)
	}
	return &ntfy{opts: opts, url: strings.TrimRight(u, "/") + "/", token: tok, to: to}, nil
}

func (n *ntfy) name() string         { return "ntfy" }
func (n *ntfy) recipients() []string { return n.to }

func (n *ntfy) send(ctx context.Context, a escucha.Alert) (bool, error) {
	target := n.opts.Config.Recipients[a.Recipient].Ntfy
	if target == nil {
		return false, errNothingToSend
	}
	msg := NtfyMessageFor(n.opts.Config, target, a, actionLinks(n.opts, a))
	body, err := json.Marshal(msg)
	if err != nil {
		return false, fmt.Errorf("encode ntfy message: %w", err)
	}
	h := http.Header{}
	if n.token != "" {
		h.Set("Authorization", "Bearer "+n.token)
	}
	return postJSON(ctx, n.opts.HTTPClient, "ntfy publish to topic "+target.Topic, n.url, body, h)
}

// NtfyMessageFor builds the ntfy message of an alert for a recipient's
// target: title, the author and text of the mention as the message,
// priority from the severity (critical 5, high 4, medium 3, low 2,
// suggestions 3, or the target's overrides), an emoji tag plus the label,
// severity and "CEO" as tags, a click to the alert's page (or the mobile
// page), and buttons Ack and Resolved posting to the signed links and a
// view button to the post. links may be nil (no http.public_url): then
// there are no http buttons.
func NtfyMessageFor(cfg config.Config, target *config.NtfyTarget, a escucha.Alert, links map[escucha.ActionKind]string) NtfyMessage {
	lang := recipientLang(cfg, a.Recipient)
	l := ntfyLabels[lang]
	sev := string(a.Severity)
	if sev == "" {
		sev = "none"
	}
	prio := ntfyPriorities[sev]
	if p, ok := target.Priorities[sev]; ok {
		prio = p
	}
	tags := []string{ntfyTags[sev]}
	if s := l[string(a.Label)]; s != "" {
		tags = append(tags, s)
	}
	if s := l[string(a.Severity)]; s != "" {
		tags = append(tags, s)
	}
	if a.CEO {
		tags = append(tags, "CEO")
	}
	m := NtfyMessage{
		Topic:    target.Topic,
		Title:    a.Title,
		Message:  ntfyText(a),
		Priority: prio,
		Tags:     tags,
		Click:    a.URL,
	}
	if m.Click == "" && cfg.HTTP.PublicURL != "" {
		m.Click = strings.TrimRight(cfg.HTTP.PublicURL, "/") + "/m/"
	}
	if links != nil {
		m.Actions = append(m.Actions,
			NtfyAction{Action: "http", Label: l["ack"], URL: links[escucha.ActionAck], Method: http.MethodPost, Clear: true},
			NtfyAction{Action: "http", Label: l["resolved"], URL: links[escucha.ActionResolved], Method: http.MethodPost, Clear: true},
		)
	}
	if a.Mention.URL != "" {
		m.Actions = append(m.Actions, NtfyAction{Action: "view", Label: l["open"], URL: a.Mention.URL})
	}
	return m
}

// ntfyText is "@handle (1234): text", cut to fit an ntfy message.
func ntfyText(a escucha.Alert) string {
	var b strings.Builder
	if h := a.Mention.Author.Handle; h != "" {
		b.WriteString("@" + h)
		if f := a.Mention.Author.Followers; f > 0 {
			b.WriteString(" (" + strconv.FormatInt(f, 10) + ")")
		}
		b.WriteString(": ")
	}
	b.WriteString(a.Mention.Text)
	return truncate(b.String(), ntfyMaxMessage)
}
