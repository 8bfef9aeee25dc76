package listener

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/escucha/escucha"
)

// Default waits of the runner.
const (
	// DefaultMaxBackoff caps the backoff after transient errors.
	DefaultMaxBackoff = 5 * time.Minute
	// DefaultInterval is used for sources that do not say theirs.
	DefaultInterval = time.Minute
	// minBackoff is the first wait after a transient error.
	minBackoff = time.Second
	// authWait is the first wait after ErrUnauthorized or ErrQuota; it
	// doubles up to authMaxWait.
	authWait    = 15 * time.Minute
	authMaxWait = time.Hour
	// deliverTimeout bounds the delivery of a page fetched just before shutdown.
	deliverTimeout = 30 * time.Second
	// errorLogEvery is how often an unchanged error is logged again.
	errorLogEvery = 5 * time.Minute
)

// Error classes reported in SourceHealth.LastErrorClass and in the result
// label of escucha_source_polls_total.
const (
	ResultOK           = "ok"
	ResultError        = "error"
	ResultRateLimited  = "rate_limited"
	ResultUnauthorized = "unauthorized"
	ResultQuota        = "quota"
	ResultPanic        = "panic"
	ResultDeliver      = "deliver_error"
	ResultCursor       = "cursor_error"
)

// Options configures a Listener.
type Options struct {
	// Logger receives the runners' logs (default: discard).
	Logger *slog.Logger
	// Registerer receives the escucha_source_* metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxBackoff caps the backoff after transient errors (default 5m).
	MaxBackoff time.Duration
}

// SourceHealth is the state of one source, for /readyz and the web UI.
type SourceHealth struct {
	// Name of the source.
	Name string `json:"name"`
	// Up is true when the last poll succeeded.
	Up bool `json:"up"`
	// LastSuccess is the time of the last successful poll and delivery.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastErrorClass is one of the Result* constants other than ok, or "".
	LastErrorClass string `json:"last_error_class,omitempty"`
	// LastError is the message of the last error (never a secret).
	LastError string `json:"last_error,omitempty"`
	// ConsecutiveErrors counts errors since the last success.
	ConsecutiveErrors int `json:"consecutive_errors"`
	// RateLimitRemaining is the API's x-rate-limit-remaining, -1 if unknown.
	RateLimitRemaining int `json:"rate_limit_remaining"`
	// NextPoll is when the runner polls next.
	NextPoll time.Time `json:"next_poll,omitzero"`
}

// Listener runs one runner per source.
type Listener struct {
	runners []*runner
	cursors Cursors
	sink    Sink
	log     *slog.Logger
	now     func() time.Time
	maxBack time.Duration
	m       *metrics
}

type metrics struct {
	polls      *prometheus.CounterVec
	mentions   *prometheus.CounterVec
	rlWaits    *prometheus.CounterVec
	remaining  *prometheus.GaugeVec
	up         *prometheus.GaugeVec
	consecErrs *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		polls: f.NewCounterVec(prometheus.CounterOpts{Namespace: "escucha", Subsystem: "source", Name: "polls_total",
			Help: "Polls of each source by result."}, []string{"source", "result"}),
		mentions: f.NewCounterVec(prometheus.CounterOpts{Namespace: "escucha", Subsystem: "source", Name: "mentions_total",
			Help: "Mentions delivered by each source."}, []string{"source"}),
		rlWaits: f.NewCounterVec(prometheus.CounterOpts{Namespace: "escucha", Subsystem: "source", Name: "rate_limit_waits_total",
			Help: "Times a source waited for its API's rate-limit window to reset."}, []string{"source"}),
		remaining: f.NewGaugeVec(prometheus.GaugeOpts{Namespace: "escucha", Subsystem: "source", Name: "rate_limit_remaining",
			Help: "Requests the API still allows in the current window (x-rate-limit-remaining)."}, []string{"source"}),
		up: f.NewGaugeVec(prometheus.GaugeOpts{Namespace: "escucha", Subsystem: "source", Name: "up",
			Help: "1 when the last poll of the source succeeded."}, []string{"source"}),
		consecErrs: f.NewGaugeVec(prometheus.GaugeOpts{Namespace: "escucha", Subsystem: "source", Name: "consecutive_errors",
			Help: "Errors of the source since its last success."}, []string{"source"}),
	}
}

// New returns a Listener that polls every source and delivers pages to sink.
func New(sources []Source, cursors Cursors, sink Sink, opts Options) *Listener {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	l := &Listener{
		cursors: cursors,
		sink:    sink,
		log:     opts.Logger.With("component", "listener"),
		now:     opts.Now,
		maxBack: opts.MaxBackoff,
		m:       newMetrics(opts.Registerer),
	}
	for _, s := range sources {
		r := &runner{l: l, src: s, name: s.Name(), log: l.log.With("source", s.Name()), interval: DefaultInterval}
		if iv, ok := s.(Intervaler); ok && iv.Interval() > 0 {
			r.interval = iv.Interval()
		}
		r.health = SourceHealth{Name: r.name, RateLimitRemaining: -1}
		l.m.up.WithLabelValues(r.name).Set(0)
		l.m.consecErrs.WithLabelValues(r.name).Set(0)
		l.runners = append(l.runners, r)
	}
	return l
}

// Run polls every source until ctx is done. It returns when every runner
// has stopped; a page fetched before cancellation is delivered (or not at
// all), never half.
func (l *Listener) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, r := range l.runners {
		wg.Go(func() { r.run(ctx) })
	}
	wg.Wait()
	return nil
}

// Ready reports whether every source has polled successfully at least once.
func (l *Listener) Ready() bool {
	for _, r := range l.runners {
		r.mu.Lock()
		ok := !r.health.LastSuccess.IsZero()
		r.mu.Unlock()
		if !ok {
			return false
		}
	}
	return true
}

// Health returns the state of every source, in the order they were given.
func (l *Listener) Health() []SourceHealth {
	out := make([]SourceHealth, 0, len(l.runners))
	for _, r := range l.runners {
		r.mu.Lock()
		out = append(out, r.health)
		r.mu.Unlock()
	}
	return out
}

// runner polls one source.
type runner struct {
	l        *Listener
	src      Source
	name     string
	log      *slog.Logger
	interval time.Duration

	backoff   time.Duration // current transient backoff (0 after success)
	longWait  time.Duration // current wait after unauthorized/quota
	lastLog   time.Time
	lastLogEr string

	mu     sync.Mutex
	health SourceHealth
}

func (r *runner) run(ctx context.Context) {
	cursor, ok := r.loadCursor(ctx)
	if !ok {
		return
	}
	for ctx.Err() == nil {
		start := r.l.now()
		page, err := r.poll(ctx, cursor)
		if ctx.Err() != nil {
			return // the page, if any, is fetched again after restart
		}
		if err == nil && !(page.Empty() && !page.More) {
			err = r.deliver(ctx, page)
		}
		var wait time.Duration
		if err == nil {
			if page.Cursor != "" {
				cursor = page.Cursor
			}
			r.success(page)
			if !page.More {
				wait = r.interval - r.l.now().Sub(start)
			}
		} else {
			wait = r.failure(err)
		}
		if wait < 0 {
			wait = 0
		}
		r.mu.Lock()
		r.health.NextPoll = r.l.now().Add(wait)
		r.mu.Unlock()
		if !sleep(ctx, wait) {
			return
		}
	}
}

// loadCursor reads the committed cursor, retrying with backoff.
func (r *runner) loadCursor(ctx context.Context) (string, bool) {
	for {
		c, err := r.l.cursors.Cursor(r.name)
		if err == nil {
			return c, true
		}
		wait := r.failure(&classedError{class: ResultCursor, err: fmt.Errorf("load cursor: %w", err)})
		if !sleep(ctx, wait) {
			return "", false
		}
	}
}

// poll calls the source, turning a panic into an error.
func (r *runner) poll(ctx context.Context, cursor string) (p Page, err error) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("source panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = &classedError{class: ResultPanic, err: fmt.Errorf("poll %s: panic: %v", r.name, v)}
		}
	}()
	p, err = r.src.Poll(ctx, cursor)
	if rr, ok := r.src.(RateLimitReporter); ok {
		if n, ok := rr.RateLimitRemaining(); ok {
			r.l.m.remaining.WithLabelValues(r.name).Set(float64(n))
			r.mu.Lock()
			r.health.RateLimitRemaining = n
			r.mu.Unlock()
		}
	}
	if err != nil {
		return Page{}, fmt.Errorf("poll %s: %w", r.name, err)
	}
	return p, nil
}

// deliver hands the page to the sink. Once a page is fetched its delivery
// is not cut short by the listener's shutdown, only bounded in time.
func (r *runner) deliver(ctx context.Context, p Page) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverTimeout)
	defer cancel()
	if err := r.l.sink.Deliver(dctx, r.name, p); err != nil {
		return &classedError{class: ResultDeliver, err: fmt.Errorf("deliver %s: %w", r.name, err)}
	}
	return nil
}

func (r *runner) success(p Page) {
	r.l.m.polls.WithLabelValues(r.name, ResultOK).Inc()
	r.l.m.mentions.WithLabelValues(r.name).Add(float64(len(p.Mentions)))
	r.l.m.up.WithLabelValues(r.name).Set(1)
	r.l.m.consecErrs.WithLabelValues(r.name).Set(0)
	r.mu.Lock()
	n := r.health.ConsecutiveErrors
	r.health.Up = true
	r.health.LastSuccess = r.l.now()
	r.health.ConsecutiveErrors = 0
	r.health.LastErrorClass = ""
	r.health.LastError = ""
	r.mu.Unlock()
	if n > 0 {
		r.log.Info("source recovered", "after_errors", n)
	}
	r.backoff = 0
	r.longWait = 0
	r.lastLogEr = ""
}

// failure records err and returns how long to wait before the next poll.
func (r *runner) failure(err error) time.Duration {
	now := r.l.now()
	class, wait := r.classify(err, now)
	r.l.m.polls.WithLabelValues(r.name, class).Inc()
	r.l.m.up.WithLabelValues(r.name).Set(0)
	r.mu.Lock()
	r.health.Up = false
	r.health.ConsecutiveErrors++
	n := r.health.ConsecutiveErrors
	r.health.LastErrorClass = class
	r.health.LastError = err.Error()
	r.mu.Unlock()
	r.l.m.consecErrs.WithLabelValues(r.name).Set(float64(n))

	msg := err.Error()
	if msg != r.lastLogEr || now.Sub(r.lastLog) >= errorLogEvery {
		level := slog.LevelWarn
		if class != ResultRateLimited {
			level = slog.LevelError
		}
		r.log.Log(context.Background(), level, "poll failed", "class", class, "err", msg,
			"consecutive_errors", n, "retry_in", wait.Round(time.Millisecond))
		r.lastLog, r.lastLogEr = now, msg
	}
	return wait
}

func (r *runner) classify(err error, now time.Time) (string, time.Duration) {
	var ce *classedError
	var rl *RateLimitError
	switch {
	case errors.As(err, &rl):
		r.l.m.rlWaits.WithLabelValues(r.name).Inc()
		wait := rl.Reset.Sub(now)
		if wait < 0 {
			wait = 0
		}
		return ResultRateLimited, wait + jitter(time.Second)
	case errors.Is(err, escucha.ErrRateLimited):
		r.l.m.rlWaits.WithLabelValues(r.name).Inc()
		return ResultRateLimited, r.interval + jitter(time.Second)
	case errors.Is(err, escucha.ErrUnauthorized):
		return ResultUnauthorized, r.nextLongWait()
	case errors.Is(err, escucha.ErrQuota):
		return ResultQuota, r.nextLongWait()
	case errors.As(err, &ce):
		return ce.class, r.nextBackoff()
	default:
		return ResultError, r.nextBackoff()
	}
}

func (r *runner) nextBackoff() time.Duration {
	if r.backoff == 0 {
		r.backoff = minBackoff
	} else {
		r.backoff = min(2*r.backoff, r.l.maxBack)
	}
	// Full jitter on the upper half: [b/2, b).
	return r.backoff/2 + jitter(r.backoff/2)
}

func (r *runner) nextLongWait() time.Duration {
	if r.longWait == 0 {
		r.longWait = authWait
	} else {
		r.longWait = min(2*r.longWait, authMaxWait)
	}
	return r.longWait
}

// jitter returns a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// sleep waits d or until ctx is done; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// classedError carries the runner's error class for errors it makes itself.
type classedError struct {
	class string
	err   error
}

func (e *classedError) Error() string { return e.err.Error() }
func (e *classedError) Unwrap() error { return e.err }
