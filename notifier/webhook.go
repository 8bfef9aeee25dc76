package notifier

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/escucha/escucha"
)

// WebhookPayload is the JSON body POSTed to a recipient's webhook. Alert
// is the message of the NATS contract; ActionURLs are signed links that
// take the action when POSTed to (valid delivery.action_token_ttl).
//
// Headers: Idempotency-Key and X-Escucha-Alert-Id carry the alert id (a
// retry sends the same id); with a secret, X-Escucha-Signature is
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>" and the
// receiver should refuse a t older than a few minutes.
type WebhookPayload struct {
	Type       string                        `json:"type"`
	Alert      escucha.Alert                 `json:"alert"`
	ActionURLs map[escucha.ActionKind]string `json:"action_urls,omitempty"`
}

type webhook struct {
	opts    GatewayOptions
	to      []string
	secrets map[string][]byte
}

func newWebhook(opts GatewayOptions, to []string) (*webhook, error) {
	w := &webhook{opts: opts, to: to, secrets: map[string][]byte{}}
	for _, id := range to {
		t := opts.Config.Recipients[id].Webhook
		if !t.Secret.IsSet() {
			continue
		}
		s, err := t.Secret.Resolve()
		if err != nil {
			return nil, fmt.Errorf("recipients.%s.webhook.secret: %w", id, err)
		}
		if s == "" {
			return nil, fmt.Errorf("recipients.%s.webhook.secret: %s is empty", id, t.Secret)
		}
		w.secrets[id] = []byte(s)
	}
	return w, nil
}

func (w *webhook) name() string         { return "webhook" }
func (w *webhook) recipients() []string { return w.to }

func (w *webhook) send(ctx context.Context, a escucha.Alert) (bool, error) {
	target := w.opts.Config.Recipients[a.Recipient].Webhook
	if target == nil {
		return false, errNothingToSend
	}
	now := w.opts.Now()
	body, err := json.Marshal(WebhookPayload{Type: "alert", Alert: a, ActionURLs: actionLinks(w.opts, a)})
	if err != nil {
		return false, fmt.Errorf("encode webhook payload: %w", err)
	}
	h := http.Header{}
	h.Set("Idempotency-Key", a.ID)
	h.Set("X-Escucha-Alert-Id", a.ID)
	if secret := w.secrets[a.Recipient]; secret != nil {
		h.Set("X-Escucha-Signature", WebhookSignature(secret, now.Unix(), body))
	}
	return postJSON(ctx, w.opts.HTTPClient, "webhook of "+a.Recipient, target.URL, body, h)
}

// WebhookSignature returns the X-Escucha-Signature value of a body sent at
// unix time ts.
func WebhookSignature(secret []byte, ts int64, body []byte) string {
	t := strconv.FormatInt(ts, 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(t + "."))
	m.Write(body)
	return "t=" + t + ",v1=" + hex.EncodeToString(m.Sum(nil))
}
