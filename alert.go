package escucha

import (
	"log/slog"
	"time"
)

// Alert is one notification of one flagged mention for one recipient. Its
// JSON form is the message published on escucha.alerts.<recipient>.
type Alert struct {
	// ID is unique per mention, recipient and escalation step; it is also
	// the JetStream Nats-Msg-Id, so a re-publish is a no-op.
	ID         string   `json:"id"`
	Recipient  string   `json:"recipient"`
	Escalation int      `json:"escalation"`
	Label      Label    `json:"label"`
	Severity   Severity `json:"severity,omitempty"`
	CEO        bool     `json:"ceo"`
	Rules      []string `json:"rules"`
	// Title is a short line for a lock screen, in the configured language.
	Title string `json:"title"`
	// URL links to the review page for this alert.
	URL     string  `json:"url,omitempty"`
	Mention Mention `json:"mention"`
	// CreatedAt is when the alert was committed to the store's outbox.
	CreatedAt time.Time `json:"created_at"`
	// NotifiedAt is when it was published to NATS; zero while pending.
	NotifiedAt time.Time `json:"notified_at,omitzero"`
}

// AlertID builds the deterministic id of the alert for a mention, a
// recipient and an escalation step.
func AlertID(mentionKey, recipient string, escalation int) string {
	return mentionKey + "/" + recipient + "/" + itoa(escalation)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// LogValue implements slog.LogValuer; it never logs the mention text.
func (a Alert) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", a.ID),
		slog.String("recipient", a.Recipient),
		slog.Int("escalation", a.Escalation),
		slog.String("label", string(a.Label)),
		slog.String("severity", string(a.Severity)),
	)
}

// ActionKind is what a person did with an alert.
type ActionKind string

// The actions of the NATS contract.
const (
	ActionAck       ActionKind = "ack"
	ActionResponded ActionKind = "responded"
	ActionResolved  ActionKind = "resolved"
	ActionSnooze    ActionKind = "snooze"
)

// Valid reports whether k is a known action.
func (k ActionKind) Valid() bool {
	switch k {
	case ActionAck, ActionResponded, ActionResolved, ActionSnooze:
		return true
	}
	return false
}

// Action is what a person did with an alert, as sent on
// escucha.actions.<recipient> or taken from the CLI or the review page.
type Action struct {
	AlertID string     `json:"alert_id"`
	Action  ActionKind `json:"action"`
	At      time.Time  `json:"at"`
	Note    string     `json:"note,omitempty"`
	// By is who took the action (a recipient or a web user); filled by
	// escucha from the subject or session, not trusted from the body.
	By string `json:"by,omitempty"`
}

// ActionReply is the answer to an action request.
type ActionReply struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// SplitAlertID parses an id built by AlertID back into the mention key, the
// recipient and the escalation step. The mention key may itself contain
// slashes; the recipient and step are the last two segments.
func SplitAlertID(id string) (mentionKey, recipient string, escalation int, ok bool) {
	i := lastSlash(id)
	if i <= 0 {
		return "", "", 0, false
	}
	step := id[i+1:]
	rest := id[:i]
	j := lastSlash(rest)
	if j <= 0 || j == len(rest)-1 || step == "" {
		return "", "", 0, false
	}
	n := 0
	for _, c := range step {
		if c < '0' || c > '9' || n > 1<<20 {
			return "", "", 0, false
		}
		n = n*10 + int(c-'0')
	}
	return rest[:j], rest[j+1:], n, true
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}
