package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/store"
)

// Defaults of a Notifier; the timings are fields of the Notifier so tests
// can shorten them.
const (
	defaultPrefix          = "escucha"
	defaultDuplicateWindow = 24 * time.Hour
	defaultTick            = time.Second
	defaultRetryMin        = 100 * time.Millisecond
	defaultRetryMax        = 5 * time.Second
	publishTimeout         = 5 * time.Second
	storeTimeout           = 10 * time.Second
	batchSize              = 100
)

// Outbox is what the notifier needs from the store: the alerts committed
// but not yet published, and a place to record what happened to them.
// *store.Store implements it.
type Outbox interface {
	// PendingAlerts returns up to limit alerts not yet marked notified,
	// oldest first.
	PendingAlerts(ctx context.Context, limit int) ([]escucha.Alert, error)
	// MarkNotified records that the alert was published at at. An unknown
	// alert gives an error wrapping escucha.ErrNotFound.
	MarkNotified(ctx context.Context, alertID string, at time.Time) error
	// RecordAction records what a person did with an alert. An unknown
	// alert gives an error wrapping escucha.ErrNotFound; an unknown action
	// one wrapping escucha.ErrInvalidAction.
	RecordAction(ctx context.Context, a escucha.Action) error
	// Mention returns a stored mention with its ledger; an unknown key
	// gives an error wrapping escucha.ErrNotFound.
	Mention(ctx context.Context, key string) (store.MentionRecord, error)
	// Alert returns a stored alert; an unknown id gives an error wrapping
	// escucha.ErrNotFound.
	Alert(ctx context.Context, id string) (store.AlertRecord, error)
	// AddAlerts stores new alerts (escalation steps) in the outbox; ids
	// already stored are skipped.
	AddAlerts(ctx context.Context, alerts []escucha.Alert) error
	// HoldAlert takes a pending alert out of the outbox until h.Due.
	HoldAlert(ctx context.Context, h store.HeldAlert) error
	// HeldAlerts returns the held alerts due by until, earliest first.
	HeldAlerts(ctx context.Context, until time.Time, limit int) ([]store.HeldAlert, error)
	// ReleaseHeld marks held alerts notified at at.
	ReleaseHeld(ctx context.Context, held []store.HeldAlert, at time.Time) error
	// NotifierState and PutNotifierState keep the fatigue state.
	NotifierState(ctx context.Context, key string) ([]byte, error)
	PutNotifierState(ctx context.Context, key string, value []byte) error
}

// Options configures a Notifier.
type Options struct {
	// Conn is the NATS connection (Broker.Conn()). Required.
	Conn *nats.Conn
	// Outbox is the store. Required.
	Outbox Outbox
	// Prefix of every subject (default "escucha").
	Prefix string
	// DuplicateWindow is the alerts stream's Nats-Msg-Id deduplication
	// window (default 24h).
	DuplicateWindow time.Duration
	// Logger receives the notifier's logs as given, the caller naming the
	// component (default: discarded).
	Logger *slog.Logger
	// Registerer receives the notifier's metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Router, when set, turns on escalation ladders and fatigue control
	// (grouping, budgets, digests, quiet hours) as its configuration says;
	// without it every alert is published as it comes and never escalated.
	Router *Router
}

// Notifier publishes the store's outbox to JetStream and serves the action
// requests of recipients. Create it with New and start it with Run.
type Notifier struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	outbox Outbox
	prefix string
	window time.Duration
	log    *slog.Logger
	m      *metrics
	now    func() time.Time
	kick   chan struct{}
	// started is closed once Run has its streams (and, with a router, its
	// fatigue state and escalation consumer) and enters its publish loop.
	started  chan struct{}
	tick     time.Duration
	retryMin time.Duration
	retryMax time.Duration
	// attempt bounds one publish or stream request.
	attempt time.Duration
	// router and fatigue are nil without Options.Router.
	router  *Router
	fatigue *fatigue

	// Used only by the Run goroutine.
	lastErr  string
	poisoned map[string]bool
}

// Event is a lifecycle event of an alert, published on <prefix>.events
// (stored in the ESCUCHA_EVENTS stream) for other tools.
type Event struct {
	// Type is notified, acked, responded, resolved or snoozed.
	Type      string    `json:"type"`
	AlertID   string    `json:"alert_id"`
	Recipient string    `json:"recipient"`
	At        time.Time `json:"at"`
	// By is who took the action (empty for notified).
	By   string `json:"by,omitempty"`
	Note string `json:"note,omitempty"`
}

// MentionMessage is the message published on <prefix>.mentions.<source>.
type MentionMessage struct {
	Mention escucha.Mention `json:"mention"`
	Verdict escucha.Verdict `json:"verdict"`
}

// New checks the options and builds a Notifier; it does no I/O.
func New(opts Options) (*Notifier, error) {
	if opts.Conn == nil {
		return nil, errors.New("new notifier: no NATS connection")
	}
	if opts.Outbox == nil {
		return nil, errors.New("new notifier: no outbox")
	}
	if opts.Prefix == "" {
		opts.Prefix = defaultPrefix
	}
	for _, tok := range strings.Split(opts.Prefix, ".") {
		if !validToken(tok) {
			return nil, fmt.Errorf("new notifier: invalid subject prefix %q", opts.Prefix)
		}
	}
	if opts.DuplicateWindow <= 0 {
		opts.DuplicateWindow = defaultDuplicateWindow
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	js, err := jetstream.New(opts.Conn)
	if err != nil {
		return nil, fmt.Errorf("new notifier: %w", err)
	}
	return &Notifier{
		nc:       opts.Conn,
		js:       js,
		outbox:   opts.Outbox,
		prefix:   opts.Prefix,
		window:   opts.DuplicateWindow,
		log:      opts.Logger,
		m:        newMetrics(opts.Registerer),
		now:      opts.Now,
		kick:     make(chan struct{}, 1),
		started:  make(chan struct{}),
		tick:     defaultTick,
		retryMin: defaultRetryMin,
		retryMax: defaultRetryMax,
		attempt:  publishTimeout,
		poisoned: make(map[string]bool),
		router:   opts.Router,
		fatigue:  newFatigue(routerAlerting(opts.Router)),
	}, nil
}

func routerAlerting(r *Router) config.Alerting {
	if r == nil {
		return config.Alerting{}
	}
	return r.alerting
}

// Kick wakes the publisher; the app calls it right after committing alerts.
// It never blocks.
func (n *Notifier) Kick() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// Run serves until ctx ends, then returns nil after finishing the publish in
// flight. It subscribes to <prefix>.actions.* (queue group "escucha", so
// several instances share the work), makes sure the alerts, mentions and
// events streams exist (retrying while JetStream is unreachable) and then
// drains the outbox on every Kick and every second: each pending alert is
// published on <prefix>.alerts.<recipient> with Nats-Msg-Id = alert id and
// notified_at set, then marked notified. A failed publish is retried with
// exponential backoff and never dropped; an alert published but not yet
// marked (a crash in between) is published again, and JetStream drops the
// copy inside the duplicate window.
//
// It returns an error only when it cannot subscribe to actions.
func (n *Notifier) Run(ctx context.Context) error {
	runCtx := ctx
	sub, err := n.nc.QueueSubscribe(n.prefix+".actions.*", "escucha", n.handleAction)
	if err != nil {
		return fmt.Errorf("subscribe %s.actions.*: %w", n.prefix, err)
	}
	defer func() {
		if err := sub.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			n.log.Warn("drain actions subscription", "err", err)
		}
	}()
	if !n.retry(ctx, "ensure streams", func(ctx context.Context) error {
		return ensureStreams(ctx, n.js, n.prefix, n.window)
	}) {
		return nil
	}
	if n.router != nil {
		if !n.retry(ctx, "load fatigue state", func(ctx context.Context) error {
			return n.fatigue.load(ctx, n.outbox, n.router.recipients)
		}) {
			return nil
		}
		var stop func()
		if !n.retry(ctx, "start escalations", func(ctx context.Context) (err error) {
			stop, err = n.consumeEscalations(ctx, runCtx)
			return err
		}) {
			return nil
		}
		defer stop()
	}
	n.log.Info("notifier started", "prefix", n.prefix, "duplicate_window", n.window)
	select {
	case <-n.started: // Run called again on the same Notifier
	default:
		close(n.started)
	}
	t := time.NewTicker(n.tick)
	defer t.Stop()
	for {
		n.drain(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-n.kick:
		case <-t.C:
		}
	}
}

// drain publishes pending alerts until the outbox is empty, a store error
// stops it (the next tick retries) or ctx ends. Alerts are published one
// by one, in outbox order; each is marked notified by its own goroutine as
// soon as it is published, so the store commits the marks of a batch
// together (one fsync) while the next alerts are being published.
func (n *Notifier) drain(ctx context.Context) {
	if n.router != nil {
		n.releaseDue(ctx)
		defer n.saveFatigue(ctx)
	}
	for ctx.Err() == nil {
		// Alerts that can never be published stay at the head of the
		// outbox; read past them.
		limit := batchSize + len(n.poisoned)
		alerts, err := n.outbox.PendingAlerts(ctx, limit)
		if err != nil {
			if ctx.Err() == nil {
				n.noteErr("read outbox", err)
			}
			return
		}
		n.m.pending.Set(float64(len(alerts)))
		var wg sync.WaitGroup
		errs := make([]error, len(alerts))
		published := 0
		for i, a := range alerts {
			if n.poisoned[a.ID] {
				continue
			}
			msg, push, ok := n.triage(ctx, a)
			if !ok {
				if ctx.Err() != nil {
					break
				}
				continue
			}
			if !push {
				published++ // it left the outbox
				continue
			}
			at, ok := n.publishAlert(ctx, msg)
			if !ok {
				if ctx.Err() != nil {
					break
				}
				continue
			}
			published++
			n.m.pending.Set(float64(len(alerts) - i - 1))
			wg.Go(func() { errs[i] = n.markNotified(ctx, a, at) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			n.noteErr("mark alerts notified", err)
			return
		}
		if len(alerts) < limit || published == 0 {
			return
		}
	}
}

// publishAlert publishes one alert with notified_at set, retrying until it
// succeeds or ctx ends, and returns the notified time. ok is false when ctx
// ended first or the alert can never be published (its recipient is not a
// subject token: it is logged once and stays in the outbox). The message's
// id is its Nats-Msg-Id.
func (n *Notifier) publishAlert(ctx context.Context, msg Message) (at time.Time, ok bool) {
	a := msg.Alert
	if !validToken(a.Recipient) {
		n.poisoned[a.ID] = true
		n.log.Error("alert has a recipient that is not a subject token; it stays in the outbox", "alert", a)
		return time.Time{}, false
	}
	subject := n.prefix + ".alerts." + a.Recipient
	published := n.retry(ctx, "publish alert", func(ctx context.Context) error {
		at = n.now()
		msg.NotifiedAt = at
		data, err := json.Marshal(msg)
		if err != nil {
			return err
		}
		ack, err := n.js.Publish(ctx, subject, data, jetstream.WithMsgID(a.ID))
		if err != nil {
			n.m.publishErrors.Inc()
			if errors.Is(err, jetstream.ErrNoStreamResponse) {
				// The stream was deleted, or JetStream restarted without it.
				if err := ensureStreams(ctx, n.js, n.prefix, n.window); err != nil {
					n.log.Debug("re-create streams", "err", err)
				}
			}
			return fmt.Errorf("publish %s: %w", subject, err)
		}
		if ack.Duplicate {
			n.log.Debug("alert already in the stream", "alert", a)
		}
		return nil
	})
	if !published {
		return time.Time{}, false
	}
	n.m.published.WithLabelValues(a.Recipient).Inc()
	if msg.Group == nil || msg.Group.Revision <= 1 {
		if msg.Digest == nil {
			n.m.latency.Observe(at.Sub(a.CreatedAt).Seconds())
		}
	}
	return at, true
}

// markNotified takes a published alert out of the outbox and announces it
// on <prefix>.events. It is not cut short by ctx. An alert the store no
// longer has is not an error. If marking fails the alert stays pending and
// its next publish is dropped by JetStream as a duplicate.
func (n *Notifier) markNotified(ctx context.Context, a escucha.Alert, at time.Time) error {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := n.outbox.MarkNotified(mctx, a.ID, at); err != nil && !errors.Is(err, escucha.ErrNotFound) {
		return err
	}
	n.log.Debug("alert published", "alert", a)
	n.publishEvent(Event{Type: "notified", AlertID: a.ID, Recipient: a.Recipient, At: at})
	return nil
}

// retry runs op until it succeeds (true) or ctx ends (false). Each attempt
// gets its own timeout and is not cut short by ctx, so an attempt in flight
// when ctx ends still completes. The wait doubles from retryMin to retryMax.
func (n *Notifier) retry(ctx context.Context, what string, op func(context.Context) error) bool {
	wait := n.retryMin
	failures := 0
	for {
		if ctx.Err() != nil {
			return false
		}
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.attempt)
		err := op(actx)
		cancel()
		if err == nil {
			if failures > 0 {
				n.log.Info(what+": recovered", "failed_attempts", failures)
				n.lastErr = ""
			}
			return true
		}
		failures++
		n.noteErr(what, err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait = min(2*wait, n.retryMax)
	}
}

// noteErr logs an error when it differs from the previous one, so an
// outage does not flood the log.
func (n *Notifier) noteErr(what string, err error) {
	msg := what + ": " + err.Error()
	if msg == n.lastErr {
		return
	}
	n.lastErr = msg
	n.log.Warn(what+" failed; retrying", "err", err)
}

// publishEvent publishes a lifecycle event with a core publish: best
// effort, buffered by the client while disconnected.
func (n *Notifier) publishEvent(e Event) {
	data, err := json.Marshal(e)
	if err == nil {
		err = n.nc.Publish(n.prefix+".events", data)
	}
	if err != nil {
		n.log.Debug("publish event", "type", e.Type, "err", err)
	}
}

// PublishMention publishes a classified mention on
// <prefix>.mentions.<source> (stream ESCUCHA_MENTIONS) with Nats-Msg-Id =
// the mention key. It is best effort: unlike alerts it has no outbox, so a
// mention published while NATS is down is lost from the stream (it is in
// the store regardless); the caller logs the error and goes on. It needs the
// streams Run creates.
func (n *Notifier) PublishMention(ctx context.Context, m escucha.Mention, v escucha.Verdict) error {
	if !validToken(m.Source) {
		return fmt.Errorf("publish mention %s: source name %q is not a subject token", m.Key(), m.Source)
	}
	data, err := json.Marshal(MentionMessage{Mention: m, Verdict: v})
	if err != nil {
		return fmt.Errorf("publish mention %s: %w", m.Key(), err)
	}
	subject := n.prefix + ".mentions." + m.Source
	if _, err := n.js.Publish(ctx, subject, data, jetstream.WithMsgID(m.Key())); err != nil {
		return fmt.Errorf("publish mention %s on %s: %w", m.Key(), subject, err)
	}
	return nil
}
