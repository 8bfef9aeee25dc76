package config

import (
	"fmt"
	"net/url"
	"strings"
)

// ntfySeverities are the keys of recipients.<id>.ntfy.priorities.
var ntfySeverities = map[string]bool{"none": true, "low": true, "medium": true, "high": true, "critical": true}

// validateDelivery checks the delivery block, the recipients' push
// channels and NATS passwords.
func (c Config) validateDelivery() []error {
	var errs []error
	add := func(key string, value any, err error, hint string) {
		errs = append(errs, &Error{Key: key, Value: value, Err: err, Hint: hint})
	}
	d := c.Delivery
	if d.Ntfy.URL != "" && !httpURL(d.Ntfy.URL) {
		add("delivery.ntfy.url", RedactURL(d.Ntfy.URL), ErrInvalid, "an absolute http(s) URL such as https://ntfy.sh")
	}
	if err := checkSecret(d.Ntfy.Token); err != nil {
		add("delivery.ntfy.token", nil, err, "")
	}
	if err := checkSecret(d.ActionKey); err != nil {
		add("delivery.action_key", nil, err, "")
	}
	if d.ActionTokenTTL < 0 {
		add("delivery.action_token_ttl", d.ActionTokenTTL, ErrInvalid, "a positive duration such as 24h (0 uses 24h)")
	}
	if d.MaxAge < 0 {
		add("delivery.max_age", d.MaxAge, ErrInvalid, "a positive duration such as 6h (0 uses 6h)")
	}
	if d.WebsocketURL != "" {
		if u, err := url.Parse(d.WebsocketURL); err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss") || u.User != nil {
			add("delivery.websocket_url", RedactURL(d.WebsocketURL), ErrInvalid, "a ws:// or wss:// URL without credentials")
		}
	}
	w := d.Webpush
	if err := checkSecret(w.VAPIDPrivateKey); err != nil {
		add("delivery.webpush.vapid_private_key", nil, err, "")
	}
	if (w.VAPIDPublicKey == "") != !w.VAPIDPrivateKey.IsSet() {
		add("delivery.webpush", nil, fmt.Errorf("%w: set both vapid_public_key and vapid_private_key, or neither", ErrInvalid),
			"leave both unset and escucha generates a pair under data_dir")
	}
	if s := w.Subscriber; s != "" && !strings.HasPrefix(s, "mailto:") && !strings.HasPrefix(s, "https://") {
		add("delivery.webpush.subscriber", s, ErrInvalid, "mailto:ops@example.com or an https URL")
	}
	for id, r := range c.Recipients {
		k := "recipients." + id
		if r.Password.IsSet() && checkSecret(r.Password) == nil {
			if pw, err := r.Password.Resolve(); err == nil && pw == "" {
				add(k+".password", nil, ErrRequired, "the secret "+r.Password.String()+" is empty")
			}
		}
		if c.NATS.User != "" && c.NATS.User == id {
			add("nats.user", c.NATS.User, ErrInvalid, "already a recipient id; NATS users of recipients are named after them")
		}
		if n := r.Ntfy; n != nil {
			if !validNtfyTopic(n.Topic) {
				add(k+".ntfy.topic", n.Topic, ErrInvalid, "1 to 64 letters, digits, - and _")
			}
			for sev, p := range n.Priorities {
				if !ntfySeverities[sev] {
					add(k+".ntfy.priorities."+sev, sev, ErrInvalid, "use none, low, medium, high or critical")
				} else if p < 1 || p > 5 {
					add(k+".ntfy.priorities."+sev, p, ErrInvalid, "an ntfy priority from 1 (min) to 5 (max)")
				}
			}
		}
		if wh := r.Webhook; wh != nil {
			if !httpURL(wh.URL) {
				add(k+".webhook.url", RedactURL(wh.URL), ErrInvalid, "an absolute http(s) URL")
			}
			if err := checkSecret(wh.Secret); err != nil {
				add(k+".webhook.secret", nil, err, "")
			}
		}
	}
	return errs
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// validNtfyTopic: ntfy topics allow the same characters as a NATS token.
func validNtfyTopic(s string) bool { return validToken(s) }
