// Package web owns escucha's HTTP surface: the review inbox where the
// comms team works flagged mentions (filters, live updates over
// server-sent events, detail with highlighted rules, assign, respond,
// resolve, reopen, notes and verdict corrections), the time-to-response
// reports, the false-positive rules page, the JSON API behind them,
// /healthz, /readyz and Prometheus /metrics. It also mounts the mobile
// alert page and any extra handlers the app passes in.
//
// Every page is rendered on the server with html/template from embedded
// files, in Spanish or English; the only script is a small embedded file,
// and every response carries a strict Content-Security-Policy. Users and
// roles come from config (web.users); sessions live in memory; every
// state-changing request needs the session's CSRF token.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a Server.
type Options struct {
	// Config is the validated configuration (web users, language, SLA,
	// business hours, recipients).
	Config config.Config
	// Store is the open store (required).
	Store *store.Store
	// Registry is served on /metrics and receives the web's own metrics;
	// nil creates an empty one.
	Registry *prometheus.Registry
	// Ready reports readiness for /readyz (store open, NATS connected,
	// every source polled once); nil is always ready.
	Ready func() bool
	// Act applies an action on an alert (ack, responded, resolved) through
	// the notifier, which records it and stops escalation; nil disables
	// alert actions in the web.
	Act func(context.Context, escucha.Action) error
	// NATS, when set, feeds live updates from <Prefix>.mentions.> and
	// <Prefix>.events.
	NATS *nats.Conn
	// Prefix of the NATS subjects; default "escucha".
	Prefix string
	// Mobile is the mobile alert page, mounted at /m/ (and /m).
	Mobile http.Handler
	// Extra handlers by ServeMux pattern ("/push/", "POST /hook").
	Extra map[string]http.Handler
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// LiveFallback is how often open inbox pages refresh even without
	// events; default 30s.
	LiveFallback time.Duration
}

// Server is the review inbox, reports and API. Create it with New.
type Server struct {
	opts     Options
	cfg      config.Config
	st       *store.Store
	log      *slog.Logger
	now      func() time.Time
	users    map[string]*user
	demoPass string
	sessions *sessions
	limiter  *loginLimiter
	pages    map[string]*template.Template
	hub      *hub
	handler  http.Handler
	metrics  webMetrics
	// cop refuses cross-origin browser POSTs (Sec-Fetch-Site, Origin),
	// on top of the CSRF tokens.
	cop *http.CrossOriginProtection
}

type webMetrics struct {
	logins  *prometheus.CounterVec
	actions *prometheus.CounterVec
}

// New builds the server: users from config (or, in demo mode without
// users, an admin with a random password logged once), templates, metrics
// and routes. It starts nothing; Run serves, or mount Handler yourself.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("web: a store is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Prefix == "" {
		opts.Prefix = opts.Config.NATS.Prefix
	}
	if opts.Prefix == "" {
		opts.Prefix = "escucha"
	}
	if opts.LiveFallback <= 0 {
		opts.LiveFallback = 30 * time.Second
	}
	users, demoPass, err := buildUsers(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	ttl := opts.Config.Web.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	f := promauto.With(opts.Registry)
	s := &Server{
		opts: opts, cfg: opts.Config, st: opts.Store, now: opts.Now,
		log:      opts.Logger.With("component", "web"),
		users:    users,
		demoPass: demoPass,
		sessions: newSessions(ttl, opts.Now),
		limiter:  newLoginLimiter(6*time.Second, 5),
		pages:    pages,
		hub:      newHub(),
		cop:      http.NewCrossOriginProtection(),
		metrics: webMetrics{
			logins: f.NewCounterVec(prometheus.CounterOpts{Namespace: "escucha", Subsystem: "web", Name: "logins_total",
				Help: "Login attempts by result (ok, failed, limited)."}, []string{"result"}),
			actions: f.NewCounterVec(prometheus.CounterOpts{Namespace: "escucha", Subsystem: "web", Name: "review_actions_total",
				Help: "Review actions taken in the web, by action and result."}, []string{"action", "result"}),
		},
	}
	if demoPass != "" {
		// The password is a secret: it is never logged nor stored. The
		// demo banner of `escucha run --demo` shows it on the terminal
		// (DemoCredentials).
		s.log.Warn("review inbox: demo login admin with a random password (shown by escucha run --demo, valid until it stops)")
	}
	s.handler = s.routes()
	return s, nil
}

// DemoCredentials returns the demo admin's login and password when New
// created one (demo mode without configured users), else "", "".
func (s *Server) DemoCredentials() (login, password string) {
	if s.demoPass == "" {
		return "", ""
	}
	return "admin", s.demoPass
}

// Handler returns the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Run listens on addr and serves until ctx ends, then shuts down
// gracefully (live streams are closed first; in-flight requests get 5s).
// If ready is not nil the actual listen address is sent on it once
// listening (useful with port 0). Live updates from NATS run while Run
// does.
func (s *Server) Run(ctx context.Context, addr string, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln, ready)
}

// Serve is Run on an existing listener, which it closes.
func (s *Server) Serve(ctx context.Context, ln net.Listener, ready chan<- string) error {
	stopLive, err := s.startLive(ctx)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopLive()
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(s.hub.close)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	s.log.Info("http server listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("web: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web: serve: %w", err)
	}
	return nil
}

// handlerFunc is a handler that returns its error, rendered in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// httpError is an error with a status code and a message key of the
// catalog for people.
type httpError struct {
	code int
	key  string
	err  error
}

func (e *httpError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%d %s: %v", e.code, e.key, e.err)
	}
	return fmt.Sprintf("%d %s", e.code, e.key)
}

func (e *httpError) Unwrap() error { return e.err }

func errStatus(code int, err error) error {
	return &httpError{code: code, key: fmt.Sprintf("err_%d", code), err: err}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	page := func(p permission, h handlerFunc) http.Handler { return s.secure(s.authed(p, h)) }
	open := func(h handlerFunc) http.Handler { return s.secure(s.handle(h)) }

	mux.Handle("GET /healthz", http.HandlerFunc(s.healthz))
	mux.Handle("GET /readyz", http.HandlerFunc(s.readyz))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.opts.Registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}))
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", s.secure(http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static)))))

	mux.Handle("GET /login", open(s.loginPage))
	mux.Handle("POST /login", open(s.login))
	mux.Handle("POST /logout", open(s.logout))
	mux.Handle("GET /lang", open(s.setLang))

	mux.Handle("GET /{$}", page(permInbox, s.inboxPage))
	mux.Handle("GET /inbox/list", page(permInbox, s.inboxList))
	mux.Handle("GET /mention", page(permInbox, s.mentionPage))
	mux.Handle("POST /mention/action", page(permAct, s.mentionAction))
	mux.Handle("GET /alerts/{id...}", page(permInbox, s.alertRedirect))
	mux.Handle("GET /events", page(permInbox, s.events))
	mux.Handle("GET /reports", page(permReports, s.reportsPage))
	mux.Handle("GET /reports.csv", page(permReports, s.reportsExport("csv")))
	mux.Handle("GET /reports.json", page(permReports, s.reportsExport("json")))
	mux.Handle("GET /admin/rules", page(permAdmin, s.rulesPage))
	mux.Handle("GET /admin/labels.jsonl", page(permAdmin, s.labelsExport))
	mux.Handle("GET /admin/users", page(permAdmin, s.usersPage))

	mux.Handle("GET /api/mentions", page(permInbox, s.apiMentions))
	mux.Handle("GET /api/mention", page(permInbox, s.apiMention))
	mux.Handle("POST /api/mention/action", page(permAct, s.apiAction))
	mux.Handle("GET /api/report", page(permReports, s.reportsExport("json")))
	mux.Handle("GET /api/rules", page(permAdmin, s.apiRules))
	mux.Handle("GET /api/rules/missed", page(permAdmin, s.apiRulesMissed))
	mux.Handle("GET /api/me", page(permInbox, s.apiMe))

	if s.opts.Mobile != nil {
		mux.Handle("/m/", baseHeaders(s.opts.Mobile))
		mux.Handle("/m", baseHeaders(http.RedirectHandler("/m/", http.StatusMovedPermanently)))
	}
	for pattern, h := range s.opts.Extra {
		mux.Handle(pattern, baseHeaders(h))
	}
	mux.Handle("/", open(func(http.ResponseWriter, *http.Request) error { return errStatus(http.StatusNotFound, nil) }))
	return mux
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}

// baseHeaders sets the headers every response gets; pages mounted from
// other packages (the mobile page) set their own CSP.
func baseHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// secure adds the security headers and a per-request CSP nonce.
func (s *Server) secure(h http.Handler) http.Handler {
	return baseHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := randomToken(18)
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-"+nonce+"'; "+
			"img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "+
			"form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		s.cop.Handler(h).ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyNonce, nonce)))
	}))
}

// handle runs h and renders its error.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sess := s.sessions.get(cookieValue(r, sessionCookie)); sess != nil {
			r = r.WithContext(context.WithValue(r.Context(), keySession, sess))
		}
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// authed requires a session whose role has p; state-changing methods also
// need the CSRF token. Without a session, pages redirect to /login and the
// API answers 401.
func (s *Server) authed(p permission, h handlerFunc) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		sess := sessionFrom(r.Context())
		if sess == nil {
			if isAPI(r) || r.Method != http.MethodGet {
				return errStatus(http.StatusUnauthorized, nil)
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		if !can(sess.user.Role, p) {
			return errStatus(http.StatusForbidden, fmt.Errorf("role %s", sess.user.Role))
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if err := checkCSRF(r, sess); err != nil {
				return &httpError{code: http.StatusForbidden, key: "err_csrf", err: err}
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		return h(w, r)
	})
}

func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/events" || r.URL.Path == "/inbox/list"
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// renderError is the one place errors become responses: JSON for the API,
// a page in the user's language otherwise. Details go to the log only.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	he := &httpError{}
	if !errors.As(err, &he) {
		switch {
		case errors.Is(err, escucha.ErrNotFound):
			he = &httpError{code: http.StatusNotFound, key: "err_404", err: err}
		case errors.Is(err, store.ErrInvalidReview), errors.Is(err, escucha.ErrInvalidAction):
			he = &httpError{code: http.StatusBadRequest, key: "err_400", err: err}
		default:
			he = &httpError{code: http.StatusInternalServerError, key: "err_500", err: err}
		}
	}
	if he.code >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		s.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "code", he.code, "err", err)
	}
	lang := s.lang(r)
	msg := messages[lang][he.key]
	if msg == "" {
		msg = messages[lang]["err_500"]
	}
	// A bad request about a review says what was wrong: the message is
	// ours (the store's validation), never the stranger's text.
	detail := ""
	if he.code == http.StatusBadRequest && he.err != nil {
		detail = he.err.Error()
	}
	if isAPI(r) {
		writeJSON(w, he.code, map[string]string{"error": msg, "detail": detail})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(he.code)
	data := s.base(r, "")
	data.Title = messages[lang]["err_title"]
	_ = s.pages["error.html"].ExecuteTemplate(w, "layout", errorPage{pageBase: data, Code: he.code, Message: msg, Detail: detail})
}

type errorPage struct {
	pageBase
	Code            int
	Message, Detail string
}
