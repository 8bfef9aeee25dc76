package notifier

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/store"
)

// vapidKeyFile holds the generated VAPID key pair under the data dir.
const vapidKeyFile = "vapid.json"

// webpushMaxBody bounds the notification body in runes.
const webpushMaxBody = 300

// PushSubscriptions is what Web Push needs from the store; *store.Store
// implements it.
type PushSubscriptions interface {
	// PushSubscriptions returns a recipient's subscriptions.
	PushSubscriptions(ctx context.Context, recipient string) ([]store.PushSubscription, error)
	// DeletePushSubscription removes one; an unknown one is not an error.
	DeletePushSubscription(ctx context.Context, recipient, endpoint string) error
}

// VAPIDKeys are the application server keys of Web Push, base64url.
type VAPIDKeys struct {
	Public  string `json:"public_key"`
	Private string `json:"private_key"`
}

// LoadVAPIDKeys returns delivery.webpush.vapid_public_key and
// vapid_private_key when set, otherwise the pair in <data_dir>/vapid.json,
// generated (mode 0600) the first time. Like the action key it is a key
// escucha makes for itself; replacing it makes every browser subscribe
// again.
func LoadVAPIDKeys(cfg config.Config) (VAPIDKeys, error) {
	w := cfg.Delivery.Webpush
	if w.VAPIDPublicKey != "" || w.VAPIDPrivateKey.IsSet() {
		priv, err := w.VAPIDPrivateKey.Resolve()
		if err != nil {
			return VAPIDKeys{}, fmt.Errorf("delivery.webpush.vapid_private_key: %w", err)
		}
		if w.VAPIDPublicKey == "" || priv == "" {
			return VAPIDKeys{}, errors.New("delivery.webpush: set both vapid_public_key and vapid_private_key")
		}
		return VAPIDKeys{Public: w.VAPIDPublicKey, Private: priv}, nil
	}
	if cfg.DataDir == "" {
		return VAPIDKeys{}, errors.New("VAPID keys: data_dir is empty")
	}
	path := filepath.Join(cfg.DataDir, vapidKeyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		var k VAPIDKeys
		if err := json.Unmarshal(data, &k); err != nil || k.Public == "" || k.Private == "" {
			return VAPIDKeys{}, fmt.Errorf("VAPID keys %s are damaged (delete the file; browsers then subscribe again)", path)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return VAPIDKeys{}, fmt.Errorf("read VAPID keys: %w", err)
	}
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("generate VAPID keys: %w", err)
	}
	k := VAPIDKeys{Public: pub, Private: priv}
	data, _ = json.Marshal(k)
	if err := writeKeyFile(path, append(data, '\n')); err != nil {
		return VAPIDKeys{}, fmt.Errorf("write VAPID keys: %w", err)
	}
	return k, nil
}

// WebPushPayload is the JSON a Web Push message carries to the mobile
// page's service worker, which shows it as a notification.
type WebPushPayload struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	// URL opens the mobile page on the alert.
	URL string `json:"url"`
	// Lang is the recipient's language (es or en).
	Lang string `json:"lang"`
}

type webpushChannel struct {
	opts       GatewayOptions
	subscriber string
}

func newWebpush(opts GatewayOptions) (*webpushChannel, error) {
	if opts.VAPID.Public == "" || opts.VAPID.Private == "" {
		return nil, errors.New("web push: no VAPID keys (LoadVAPIDKeys)")
	}
	return &webpushChannel{opts: opts, subscriber: webpushSubscriber(opts.Config)}, nil
}

// webpushSubscriber is the VAPID "sub" claim without the "mailto:" that
// webpush-go adds itself.
func webpushSubscriber(cfg config.Config) string {
	s := cfg.Delivery.Webpush.Subscriber
	if s == "" && strings.HasPrefix(cfg.HTTP.PublicURL, "https://") {
		s = cfg.HTTP.PublicURL
	}
	if s == "" {
		s = "mailto:escucha@localhost"
	}
	return strings.TrimPrefix(s, "mailto:")
}

func (w *webpushChannel) name() string         { return "webpush" }
func (w *webpushChannel) recipients() []string { return nil }

// webpushUrgency maps a severity to the Urgency header.
var webpushUrgency = map[escucha.Severity]webpush.Urgency{
	escucha.SeverityCritical: webpush.UrgencyHigh,
	escucha.SeverityHigh:     webpush.UrgencyHigh,
	escucha.SeverityLow:      webpush.UrgencyLow,
}

// send pushes the alert to every subscription of its recipient. A
// subscription the push service says is gone (404, 410) is deleted. The
// send is retried when any subscription failed temporarily (the service
// worker shows one notification per alert id, so a repeat replaces it);
// it succeeds when at least one browser took it.
func (w *webpushChannel) send(ctx context.Context, a escucha.Alert) (bool, error) {
	subs, err := w.opts.Subscriptions.PushSubscriptions(ctx, a.Recipient)
	if err != nil {
		return true, err
	}
	if len(subs) == 0 {
		return false, errNothingToSend
	}
	payload, err := json.Marshal(WebPushPayloadFor(w.opts.Config, a))
	if err != nil {
		return false, fmt.Errorf("encode web push payload: %w", err)
	}
	ttl := w.opts.Config.Delivery.MaxAge
	if ttl <= 0 {
		ttl = defaultGatewayMaxAge
	}
	urgency, ok := webpushUrgency[a.Severity]
	if !ok {
		urgency = webpush.UrgencyNormal
	}
	topic := sha256.Sum256([]byte(a.ID))
	opts := &webpush.Options{
		HTTPClient:      w.opts.HTTPClient,
		Subscriber:      w.subscriber,
		Topic:           base64.RawURLEncoding.EncodeToString(topic[:24]), // 32 characters
		TTL:             int(ttl.Seconds()),
		Urgency:         urgency,
		VAPIDPublicKey:  w.opts.VAPID.Public,
		VAPIDPrivateKey: w.opts.VAPID.Private,
	}
	var retryErrs, permErrs []error
	delivered := 0
	for _, s := range subs {
		sub := &webpush.Subscription{Endpoint: s.Endpoint, Keys: webpush.Keys{Auth: s.Keys.Auth, P256dh: s.Keys.P256dh}}
		what := "web push to " + endpointHost(s.Endpoint)
		resp, err := webpush.SendNotificationWithContext(ctx, payload, sub, opts)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			retryErrs = append(retryErrs, fmt.Errorf("%s: %w", what, err))
			continue
		}
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
			resp.Body.Close()
			if err := w.opts.Subscriptions.DeletePushSubscription(ctx, s.Recipient, s.Endpoint); err != nil {
				retryErrs = append(retryErrs, err)
			}
			w.opts.Logger.Info("web push subscription expired; removed", "recipient", s.Recipient, "push_service", endpointHost(s.Endpoint))
			continue
		}
		retry, err := checkResponse(what, resp)
		resp.Body.Close()
		switch {
		case err == nil:
			delivered++
		case retry:
			retryErrs = append(retryErrs, err)
		default:
			permErrs = append(permErrs, err)
		}
	}
	switch {
	case len(retryErrs) > 0:
		return true, errors.Join(retryErrs...)
	case delivered > 0:
		if len(permErrs) > 0 {
			w.opts.Logger.Warn("web push refused by some browsers", "alert_id", a.ID, "err", errors.Join(permErrs...))
		}
		return false, nil
	case len(permErrs) > 0:
		return false, errors.Join(permErrs...)
	}
	return false, errNothingToSend
}

// WebPushPayloadFor builds the notification of an alert: its title, the
// author and text, and a link to the mobile page on the alert.
func WebPushPayloadFor(cfg config.Config, a escucha.Alert) WebPushPayload {
	p := WebPushPayload{ID: a.ID, Title: a.Title, Body: truncate(ntfyText(a), webpushMaxBody), Lang: recipientLang(cfg, a.Recipient)}
	if pub := strings.TrimRight(cfg.HTTP.PublicURL, "/"); pub != "" {
		p.URL = pub + "/m/#alert=" + url.QueryEscape(a.ID)
	} else {
		p.URL = "/m/#alert=" + url.QueryEscape(a.ID)
	}
	return p
}

// endpointHost names a push service without the endpoint's secret path.
func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "?"
	}
	return u.Host
}
