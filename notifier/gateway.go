package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// Push gateways forward the alerts stream to phones through outside
// services. Each channel (ntfy, webhook, webpush) is a durable JetStream
// consumer named deliver-<channel> on the alerts stream, filtered to the
// recipients that have the channel. A message is acked only after the
// remote service answered 2xx, so an outage of NATS or of the service
// means redelivery with backoff, never loss; the delivery is then recorded
// (MarkDelivered, the ledger's delivered_at).
//
//	ESCUCHA_ALERTS ──deliver-ntfy────► ntfy server ──► phone app (buttons POST /a/<token>)
//	               ──deliver-webhook─► any URL (HMAC-signed JSON)
//	               ──deliver-webpush─► browsers' push services (VAPID) ──► installed /m page

// Defaults of the gateways.
const (
	defaultGatewayMaxAge   = 6 * time.Hour
	defaultGatewayRetryMin = time.Second
	defaultGatewayRetryMax = 5 * time.Minute
	gatewaySendTimeout     = 15 * time.Second
	gatewayAckWait         = 30 * time.Second
	// maxErrBody is how much of an error response is kept in errors.
	maxErrBody = 512
)

// errNothingToSend is returned by a channel that has no target for an
// alert (a recipient without a Web Push subscription): the message is
// acked and no delivery is recorded.
var errNothingToSend = errors.New("no target for this alert")

// Delivered records deliveries; *store.Store implements it.
type Delivered interface {
	// MarkDelivered records the first delivery of an alert. An unknown
	// alert gives an error wrapping escucha.ErrNotFound.
	MarkDelivered(ctx context.Context, alertID string, at time.Time) error
}

// GatewayOptions configures the push gateways.
type GatewayOptions struct {
	// Conn is the NATS connection (Broker.Conn()). Required.
	Conn *nats.Conn
	// Config supplies nats.prefix, nats.duplicate_window, http.public_url,
	// the delivery block and the recipients' channels and languages.
	Config config.Config
	// Store records deliveries. Required.
	Store Delivered
	// Subscriptions lists Web Push subscriptions; nil disables Web Push.
	Subscriptions PushSubscriptions
	// ActionKey signs the links of action buttons (LoadActionKey).
	// Required when a recipient has ntfy or a webhook.
	ActionKey []byte
	// VAPID holds the Web Push keys (LoadVAPIDKeys); required with
	// Subscriptions.
	VAPID VAPIDKeys
	// HTTPClient sends every request (default: a client with a 15s timeout).
	HTTPClient *http.Client
	// Logger receives the gateways' logs as given (default: discarded).
	Logger *slog.Logger
	// Registerer receives the gateways' metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RetryMin and RetryMax bound the redelivery backoff after a failed
	// send (defaults 1s and 5m; the delay doubles with each attempt).
	RetryMin, RetryMax time.Duration
}

// channel is one way out to phones.
type channel interface {
	// name is the channel's name: ntfy, webhook, webpush.
	name() string
	// recipients are the recipients it delivers to; nil means everyone.
	recipients() []string
	// send delivers one alert. retry reports whether a failure is
	// temporary; errNothingToSend means there was nothing to deliver.
	send(ctx context.Context, a escucha.Alert) (retry bool, err error)
}

// Gateways runs the push channels. Create it with NewGateways and start it
// with Run.
type Gateways struct {
	opts     GatewayOptions
	js       jetstream.JetStream
	stream   string
	prefix   string
	channels []channel
	log      *slog.Logger
	m        *gatewayMetrics
}

// NewGateways builds the channels the configuration asks for: ntfy for
// recipients with an ntfy topic, webhook for those with a webhook URL and
// Web Push when Subscriptions is set. It does no I/O.
func NewGateways(opts GatewayOptions) (*Gateways, error) {
	if opts.Conn == nil {
		return nil, errors.New("new gateways: no NATS connection")
	}
	if opts.Store == nil {
		return nil, errors.New("new gateways: no store")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: gatewaySendTimeout}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = defaultGatewayRetryMin
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(defaultGatewayRetryMax, opts.RetryMin)
	}
	prefix := opts.Config.NATS.Prefix
	if prefix == "" {
		prefix = defaultPrefix
	}
	js, err := jetstream.New(opts.Conn)
	if err != nil {
		return nil, fmt.Errorf("new gateways: %w", err)
	}
	stream, _, _ := StreamNames(prefix)
	g := &Gateways{opts: opts, js: js, stream: stream, prefix: prefix, log: opts.Logger, m: newGatewayMetrics(opts.Registerer)}
	var ntfyTo, hookTo []string
	for id, r := range opts.Config.Recipients {
		if r.Ntfy != nil {
			ntfyTo = append(ntfyTo, id)
		}
		if r.Webhook != nil {
			hookTo = append(hookTo, id)
		}
	}
	if (len(ntfyTo) > 0 || len(hookTo) > 0) && len(opts.ActionKey) == 0 {
		return nil, errors.New("new gateways: no action key (LoadActionKey)")
	}
	if len(ntfyTo) > 0 {
		ch, err := newNtfy(opts, ntfyTo)
		if err != nil {
			return nil, fmt.Errorf("new gateways: %w", err)
		}
		g.channels = append(g.channels, ch)
	}
	if len(hookTo) > 0 {
		ch, err := newWebhook(opts, hookTo)
		if err != nil {
			return nil, fmt.Errorf("new gateways: %w", err)
		}
		g.channels = append(g.channels, ch)
	}
	if opts.Subscriptions != nil && !opts.Config.Delivery.Webpush.Disabled {
		ch, err := newWebpush(opts)
		if err != nil {
			return nil, fmt.Errorf("new gateways: %w", err)
		}
		g.channels = append(g.channels, ch)
	}
	return g, nil
}

// Channels returns the names of the channels that run, for logs and tests.
func (g *Gateways) Channels() []string {
	out := make([]string, len(g.channels))
	for i, c := range g.channels {
		out[i] = c.name()
	}
	return out
}

// Run consumes the alerts stream for every channel until ctx ends, then
// returns nil after the sends in flight. It makes sure the streams exist
// and creates or updates each channel's durable consumer, retrying while
// NATS is unreachable.
func (g *Gateways) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, ch := range g.channels {
		wg.Go(func() { g.runChannel(ctx, ch) })
	}
	wg.Wait()
	return nil
}

// consumerName is the durable consumer of a channel.
func consumerName(channel string) string { return "deliver-" + channel }

func (g *Gateways) consumerConfig(ch channel) jetstream.ConsumerConfig {
	cc := jetstream.ConsumerConfig{
		Durable:       consumerName(ch.name()),
		Description:   "escucha push gateway " + ch.name(),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       gatewayAckWait,
		MaxDeliver:    -1,
		MaxAckPending: 256,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if rs := ch.recipients(); rs != nil {
		rs = slices.Sorted(slices.Values(rs))
		for _, r := range rs {
			cc.FilterSubjects = append(cc.FilterSubjects, g.prefix+".alerts."+r)
		}
	} else {
		cc.FilterSubject = g.prefix + ".alerts.>"
	}
	return cc
}

// runChannel keeps one channel's consumer going until ctx ends.
func (g *Gateways) runChannel(ctx context.Context, ch channel) {
	log := g.log.With("channel", ch.name())
	wait := g.opts.RetryMin
	var lastErr string
	for ctx.Err() == nil {
		err := g.consume(ctx, ch, log)
		if ctx.Err() != nil {
			return
		}
		if err != nil && err.Error() != lastErr {
			log.Warn("push gateway consumer failed; retrying", "err", err, "retry_in", wait)
			lastErr = err.Error()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, g.opts.RetryMax)
	}
}

// consume creates the channel's consumer and handles its messages until
// ctx ends or the consumer fails.
func (g *Gateways) consume(ctx context.Context, ch channel, log *slog.Logger) error {
	window := g.opts.Config.NATS.DuplicateWindow
	if window <= 0 {
		window = defaultDuplicateWindow
	}
	if err := ensureStreams(ctx, g.js, g.prefix, window); err != nil {
		return err
	}
	cons, err := g.js.CreateOrUpdateConsumer(ctx, g.stream, g.consumerConfig(ch))
	if err != nil {
		return fmt.Errorf("create consumer %s: %w", consumerName(ch.name()), err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(16))
	if err != nil {
		return fmt.Errorf("consume %s: %w", consumerName(ch.name()), err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	log.Info("push gateway started", "consumer", consumerName(ch.name()))
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			return fmt.Errorf("next message: %w", err)
		}
		g.handle(ctx, ch, msg, log)
	}
}

// handle delivers one message and acks, naks or terminates it.
func (g *Gateways) handle(ctx context.Context, ch channel, msg jetstream.Msg, log *slog.Logger) {
	name := ch.name()
	meta, err := msg.Metadata()
	if err != nil {
		log.Error("alert message without metadata; dropped", "err", err)
		_ = msg.Term()
		return
	}
	var a escucha.Alert
	if err := json.Unmarshal(msg.Data(), &a); err != nil || a.ID == "" {
		log.Error("undecodable alert message; dropped", "subject", msg.Subject(), "seq", meta.Sequence.Stream, "err", err)
		g.m.sends.WithLabelValues(name, "failed").Inc()
		_ = msg.TermWithReason("undecodable alert")
		return
	}
	now := g.opts.Now()
	maxAge := g.opts.Config.Delivery.MaxAge
	if maxAge <= 0 {
		maxAge = defaultGatewayMaxAge
	}
	if now.Sub(meta.Timestamp) > maxAge {
		g.m.sends.WithLabelValues(name, "stale").Inc()
		log.Info("alert too old to push; skipped", "alert_id", a.ID, "age", now.Sub(meta.Timestamp).Round(time.Second), "max_age", maxAge)
		_ = msg.Ack()
		return
	}
	// A send in flight finishes even when shutting down (bounded by the
	// send timeout), so a delivered push is acked and never sent twice.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), gatewaySendTimeout)
	retry, err := ch.send(sctx, a)
	cancel()
	switch {
	case err == nil:
		at := g.opts.Now()
		g.m.sends.WithLabelValues(name, "delivered").Inc()
		g.m.latency.WithLabelValues(name).Observe(at.Sub(meta.Timestamp).Seconds())
		if meta.NumDelivered > 1 {
			log.Info("alert delivered after retries", "alert_id", a.ID, "attempts", meta.NumDelivered)
		} else {
			log.Debug("alert delivered", "alert_id", a.ID)
		}
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		if err := g.opts.Store.MarkDelivered(mctx, a.ID, at); err != nil {
			if errors.Is(err, escucha.ErrNotFound) {
				log.Debug("delivered alert not in the store", "alert_id", a.ID)
			} else {
				log.Error("record delivery", "alert_id", a.ID, "err", err)
			}
		}
		cancel()
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		if err := msg.DoubleAck(actx); err != nil {
			log.Warn("ack delivered alert; it may be pushed again", "alert_id", a.ID, "err", err)
		}
		cancel()
	case errors.Is(err, errNothingToSend):
		g.m.sends.WithLabelValues(name, "skipped").Inc()
		_ = msg.Ack()
	case retry && ctx.Err() == nil:
		delay := g.backoff(meta.NumDelivered)
		var ra *retryAfterError
		if errors.As(err, &ra) && ra.after > delay {
			delay = min(ra.after, g.opts.RetryMax)
		}
		g.m.sends.WithLabelValues(name, "retry").Inc()
		log.Warn("push failed; will retry", "alert_id", a.ID, "attempt", meta.NumDelivered, "retry_in", delay, "err", err)
		_ = msg.NakWithDelay(delay)
	case retry:
		// Shutting down: leave it to be redelivered after the next start.
		_ = msg.Nak()
	default:
		g.m.sends.WithLabelValues(name, "failed").Inc()
		log.Error("push refused; not retried", "alert_id", a.ID, "err", err)
		_ = msg.TermWithReason(truncate(err.Error(), 200))
	}
}

// backoff is the redelivery delay after the attempt-th failed delivery.
func (g *Gateways) backoff(attempt uint64) time.Duration {
	d := g.opts.RetryMin
	for i := uint64(1); i < attempt && d < g.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, g.opts.RetryMax)
}

// retryAfterError is a temporary refusal that says when to come back.
type retryAfterError struct {
	after time.Duration
	err   error
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// checkResponse turns an HTTP answer into the sink result: 2xx is
// success; 408, 425, 429 and 5xx are temporary (with Retry-After when
// given); other statuses are permanent. The body of an error answer is
// quoted, cut to 512 bytes.
func checkResponse(what string, resp *http.Response) (retry bool, err error) {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return false, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBody))
	err = fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, strings.TrimSpace(string(body)))
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly,
		resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			return true, &retryAfterError{after: time.Duration(s) * time.Second, err: err}
		}
		return true, err
	}
	return false, err
}

// postJSON sends body to url with headers and classifies the answer.
// Transport errors are temporary. The URL never reaches the error (it
// may hold a token); what names the target instead.
func postJSON(ctx context.Context, client *http.Client, what, target string, body []byte, headers http.Header) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("%s: build request: %w", what, err)
	}
	for k, vs := range headers {
		req.Header[k] = vs
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "escucha/"+escucha.Version)
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the URL, which may hold a token
		}
		return true, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	return checkResponse(what, resp)
}

// actionLinks returns the signed links of each action on an alert, or
// nil when http.public_url is not set. They expire action_token_ttl after
// the alert was notified (or now, for an alert without notified_at), so
// every retry of a delivery sends the same links.
func actionLinks(opts GatewayOptions, a escucha.Alert) map[escucha.ActionKind]string {
	public := opts.Config.HTTP.PublicURL
	if public == "" {
		return nil
	}
	ttl := opts.Config.Delivery.ActionTokenTTL
	if ttl <= 0 {
		ttl = DefaultActionTokenTTL
	}
	from := a.NotifiedAt
	if from.IsZero() {
		from = opts.Now()
	}
	exp := from.Add(ttl)
	out := make(map[escucha.ActionKind]string, 4)
	for _, k := range []escucha.ActionKind{escucha.ActionAck, escucha.ActionResponded, escucha.ActionResolved, escucha.ActionSnooze} {
		out[k] = ActionURL(public, opts.ActionKey, a.ID, k, exp)
	}
	return out
}

// recipientLang is the language of a recipient's texts.
func recipientLang(cfg config.Config, recipient string) string {
	if l := cfg.Recipients[recipient].Language; knownLanguage(l) {
		return l
	}
	if knownLanguage(cfg.Language) {
		return cfg.Language
	}
	return "es"
}

// gatewayMetrics are the gateways' Prometheus series.
type gatewayMetrics struct {
	sends   *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

func newGatewayMetrics(reg prometheus.Registerer) *gatewayMetrics {
	f := promauto.With(reg)
	return &gatewayMetrics{
		sends: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "escucha", Name: "push_sends_total",
			Help: "Push gateway attempts by channel and result (delivered, retry, failed, skipped, stale).",
		}, []string{"channel", "result"}),
		latency: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "escucha", Name: "push_delivery_latency_seconds",
			Help:    "Time from an alert's publication on NATS to its delivery by a push gateway.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"channel"}),
	}
}
