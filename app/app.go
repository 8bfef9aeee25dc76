// Package app wires escucha's components into one daemon and owns its
// lifecycle, so that `escucha run` and end-to-end tests start exactly the
// same process. It never touches signals: the caller cancels a context.
//
// The pipeline, one way:
//
//	listener (one runner per source, polls respecting rate limits)
//	   │ Page{mentions, replies, cursor}
//	   ▼
//	pipeline.Deliver: classifier.Classify → notifier.Router.Route
//	   │ store.Batch (mentions + verdicts + pending alerts + cursor)
//	   ▼
//	store.Commit (one bbolt transaction, grouped by the single writer)
//	   │ Kick
//	   ▼
//	notifier (publishes the outbox to JetStream with Nats-Msg-Id, serves actions)
//
// Teardown runs in reverse: HTTP, listener, notifier flush, NATS, store last.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/escucha/escucha/classifier"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/listener"
	"github.com/escucha/escucha/notifier"
	"github.com/escucha/escucha/store"
	"github.com/escucha/escucha/web"
)

// Options configure an App.
type Options struct {
	// Config is the validated configuration.
	Config config.Config
	// Logger receives the daemon's logs; nil discards them.
	Logger *slog.Logger
	// Registry receives the metrics; nil creates one.
	Registry *prometheus.Registry
	// HTTPClient is used by the sources; nil uses a client with a timeout.
	HTTPClient *http.Client
	// AlertOutput, when set, gets one human-readable line per alert
	// published (what `escucha run --demo` prints).
	AlertOutput io.Writer
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// StoreNoSync skips fsync in the store (tests only).
	StoreNoSync bool
}

// App is the whole escucha daemon.
type App struct {
	opts   Options
	cfg    config.Config
	log    *slog.Logger
	reg    *prometheus.Registry
	now    func() time.Time
	life   lifecycle
	wg     sync.WaitGroup
	cancel context.CancelFunc

	classifier *classifier.Classifier
	router     *notifier.Router
	store      *store.Store
	broker     *notifier.Broker
	notifier   *notifier.Notifier
	listener   *listener.Listener
	web        *web.Server
	httpAddr   string
	metrics    *pipelineMetrics
}

// New checks what can be checked without side effects (the classifier
// rules, the routes) and returns an App ready to Start.
func New(opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	cfg := opts.Config
	c, err := classifier.New(classifier.OptionsFrom(cfg))
	if err != nil {
		return nil, err
	}
	r, err := notifier.NewRouter(cfg)
	if err != nil {
		return nil, fmt.Errorf("build routes: %w", err)
	}
	return &App{
		opts: opts, cfg: cfg, log: opts.Logger, reg: opts.Registry, now: opts.Now,
		classifier: c, router: r, metrics: newPipelineMetrics(opts.Registry),
	}, nil
}

// Start opens the store, starts NATS, the notifier and the listener. On
// error everything already started is stopped again.
func (a *App) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _ = a.life.stop(stopCtx, a.log)
		}
	}()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	cfg := a.cfg
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}

	st, err := store.Open(filepath.Join(cfg.DataDir, "escucha.db"), store.Options{
		NoSync: a.opts.StoreNoSync, Now: a.now, Logger: a.log.With("component", "store"),
	})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	a.store = st
	a.life.onStop("store", func(context.Context) error { return st.Close() })

	br, err := notifier.StartBroker(ctx, cfg, a.log.With("component", "nats"))
	if err != nil {
		return fmt.Errorf("start nats: %w", err)
	}
	a.broker = br
	a.life.onStop("nats", func(context.Context) error { return br.Close() })

	n, err := notifier.New(notifier.Options{
		Conn: br.Conn(), Outbox: st, Router: a.router, Prefix: cfg.NATS.Prefix,
		DuplicateWindow: cfg.NATS.DuplicateWindow,
		Logger:          a.log.With("component", "notifier"), Registerer: a.reg, Now: a.now,
	})
	if err != nil {
		return fmt.Errorf("create notifier: %w", err)
	}
	a.notifier = n
	a.goRun("notifier", runCtx, n.Run)

	if err := a.serveAPI(runCtx); err != nil {
		return err
	}
	if a.opts.AlertOutput != nil {
		if err := a.printAlerts(); err != nil {
			return err
		}
	}
	a.watchRules(runCtx)

	mob, extra, err := a.startDelivery(runCtx)
	if err != nil {
		return err
	}
	if cfg.HTTP.Addr != "" {
		if err := a.startWeb(runCtx, mob, extra); err != nil {
			return err
		}
	}

	sources, err := listener.Build(cfg, listener.BuildOptions{
		HTTPClient: a.opts.HTTPClient, Logger: a.log.With("component", "listener"), Now: a.now,
	})
	if err != nil {
		return fmt.Errorf("build sources: %w", err)
	}
	lctx, lcancel := context.WithCancel(runCtx)
	a.listener = listener.New(sources, st, &pipeline{app: a}, listener.Options{
		Logger: a.log.With("component", "listener"), Registerer: a.reg, Now: a.now,
	})
	a.goRunCancel("listener", lctx, lcancel, a.listener.Run)

	a.log.Info("escucha started", "brand", cfg.Brand.Name, "sources", len(sources),
		"data_dir", cfg.DataDir, "nats", br.ClientURL(), "http", a.httpAddr)
	return nil
}

// goRun runs fn until Stop; Stop cancels its context and waits for it.
func (a *App) goRun(name string, ctx context.Context, fn func(context.Context) error) {
	cctx, cancel := context.WithCancel(ctx)
	a.goRunCancel(name, cctx, cancel, fn)
}

func (a *App) goRunCancel(name string, ctx context.Context, cancel context.CancelFunc, fn func(context.Context) error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("component stopped with error", "component", name, "err", err)
		}
	}()
	a.life.onStop(name, func(stopCtx context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-stopCtx.Done():
			return fmt.Errorf("%s did not stop in time: %w", name, stopCtx.Err())
		}
	})
}

// Stop shuts everything down in reverse order of start, losing nothing:
// the listener finishes its poll and commit, the notifier its publish, the
// store drains its writer. It is idempotent.
func (a *App) Stop(ctx context.Context) error {
	first, err := a.life.stop(ctx, a.log)
	if a.cancel != nil {
		a.cancel()
	}
	if first {
		a.log.Info("escucha stopped")
	}
	return err
}

// Run starts the daemon and stops it when ctx is cancelled.
func (a *App) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return a.Stop(stopCtx)
}

// Store returns the open store (nil before Start).
func (a *App) Store() *store.Store { return a.store }

// Broker returns the NATS broker (nil before Start).
func (a *App) Broker() *notifier.Broker { return a.broker }

// Ready reports whether the store is open, NATS is connected and every
// source has polled once.
func (a *App) Ready() bool {
	return a.store != nil && a.broker != nil && a.broker.Conn().IsConnected() &&
		a.listener != nil && a.listener.Ready()
}
