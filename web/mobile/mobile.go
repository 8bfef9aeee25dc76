// Package mobile owns the phone side of escucha's HTTP surface: the mobile
// alert page under /m/ (an installable web app whose HTML, JavaScript,
// CSS, manifest, service worker and icon are embedded in the binary), its
// small JSON API, the Web Push subscription endpoint, and the signed action
// links under /a/ that the buttons of a push notification (ntfy, webhook)
// post to.
//
//	phone ──GET /m/──────────────► page (static, embedded; no CDN)
//	      ──GET /m/api/me, alerts─► login check and replay (HTTP Basic: recipient + NATS password)
//	      ──NATS over WebSocket───► SUB <prefix>.alerts.<r>, requests on <prefix>.actions.<r>
//	      ──POST /m/push/subscribe► Web Push subscription (stored per recipient)
//	ntfy  ──POST /a/<token>───────► Act (ack, resolved, ...) when the token is valid
//
// The page logs in with the recipient id and the password of the
// recipient's NATS user (recipients.<id>.password): the same secret lets
// the browser connect to NATS, whose permissions confine it to that
// person's alerts and actions. The browser keeps it in localStorage until
// the person logs out.
package mobile

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/store"
)

//go:embed static
var staticFS embed.FS

// replayLimit is how many recent alerts the page shows on open.
const replayLimit = 50

// Store is what the mobile page needs from the store; *store.Store
// implements it.
type Store interface {
	// Alerts returns alerts newest first.
	Alerts(ctx context.Context, q store.AlertQuery) ([]store.AlertRecord, error)
	// Alert returns one alert; an unknown id wraps escucha.ErrNotFound.
	Alert(ctx context.Context, id string) (store.AlertRecord, error)
	// SavePushSubscription stores a browser's Web Push subscription; an
	// invalid one wraps store.ErrInvalid.
	SavePushSubscription(ctx context.Context, sub store.PushSubscription) error
	// DeletePushSubscription removes one.
	DeletePushSubscription(ctx context.Context, recipient, endpoint string) error
}

// Options configures the mobile handler.
type Options struct {
	// Config supplies the recipients (names, languages, NATS passwords),
	// nats.prefix, nats.embedded.websocket_port, language and the
	// delivery block (websocket_url, action_token_ttl).
	Config config.Config
	// Store lists alerts and keeps push subscriptions. Required.
	Store Store
	// Act takes an action on an alert (the notifier's; the CLI and the
	// review page use the same). Required.
	Act func(ctx context.Context, a escucha.Action) error
	// ActionKey verifies signed action links (notifier.LoadActionKey).
	// Required.
	ActionKey []byte
	// WebsocketURL overrides delivery.websocket_url, for example with
	// Broker.WebsocketURL() in tests.
	WebsocketURL string
	// VAPIDPublicKey enables Web Push subscriptions (notifier.LoadVAPIDKeys);
	// empty hides the page's "notify me" button.
	VAPIDPublicKey string
	// Logger receives the handler's logs as given (default: discarded).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Handler serves /m/ and /a/. Create it with New.
type Handler struct {
	opts      Options
	prefix    string
	passwords map[string][32]byte // recipient → sha256(password)
	mux       *http.ServeMux
	static    http.Handler
	log       *slog.Logger

	mu       sync.Mutex
	failures map[string]*rate.Limiter // login failures by client IP
}

// New checks the options, resolves the recipients' passwords and builds
// the handler; it does no other I/O.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("new mobile handler: no store")
	}
	if opts.Act == nil {
		return nil, errors.New("new mobile handler: no Act function")
	}
	if len(opts.ActionKey) == 0 {
		return nil, errors.New("new mobile handler: no action key")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{
		opts:      opts,
		prefix:    opts.Config.NATS.Prefix,
		passwords: make(map[string][32]byte),
		mux:       http.NewServeMux(),
		log:       opts.Logger,
		failures:  make(map[string]*rate.Limiter),
	}
	if h.prefix == "" {
		h.prefix = "escucha"
	}
	for id, r := range opts.Config.Recipients {
		if !r.Password.IsSet() {
			continue
		}
		pw, err := r.Password.Resolve()
		if err != nil {
			return nil, fmt.Errorf("new mobile handler: recipients.%s.password: %w", id, err)
		}
		if pw != "" {
			h.passwords[id] = sha256.Sum256([]byte(pw))
		}
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("new mobile handler: %w", err)
	}
	h.static = http.StripPrefix("/m/", http.FileServerFS(sub))
	h.mux.HandleFunc("GET /m/{$}", h.serveStatic)
	h.mux.HandleFunc("GET /m/{file}", h.serveStatic)
	h.mux.HandleFunc("GET /m/api/me", h.authed(h.me))
	h.mux.HandleFunc("GET /m/api/alerts", h.authed(h.alerts))
	h.mux.HandleFunc("POST /m/push/subscribe", h.authed(h.subscribe))
	h.mux.HandleFunc("POST /m/push/unsubscribe", h.authed(h.unsubscribe))
	h.mux.HandleFunc("GET /a/{token}", h.confirmAction)
	h.mux.HandleFunc("POST /a/{token}", h.takeAction)
	return h, nil
}

// Routes returns the handlers to mount on the daemon's server: "/m/" (the
// page, its API and push subscriptions) and "/a/" (signed action links).
// Both are this Handler; it routes the full paths itself.
func (h *Handler) Routes() map[string]http.Handler {
	return map[string]http.Handler{"/m/": h, "/a/": h}
}

// ServeHTTP implements http.Handler with the security headers every
// answer carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self' "+h.wsOrigin(r)+"; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("file") {
	case "sw.js":
		// The service worker controls the whole page.
		w.Header().Set("Service-Worker-Allowed", "/m/")
		w.Header().Set("Cache-Control", "no-cache")
	case "manifest.webmanifest":
		w.Header().Set("Content-Type", "application/manifest+json")
	case "", "index.html":
		w.Header().Set("Cache-Control", "no-cache")
	}
	h.static.ServeHTTP(w, r)
}

// websocketURL is the NATS WebSocket URL the page connects to.
func (h *Handler) websocketURL(r *http.Request) string {
	if h.opts.WebsocketURL != "" {
		return h.opts.WebsocketURL
	}
	if u := h.opts.Config.Delivery.WebsocketURL; u != "" {
		return u
	}
	port := h.opts.Config.NATS.Embedded.WebsocketPort
	if port <= 0 {
		return ""
	}
	host := r.Host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "ws://" + host + ":" + strconv.Itoa(port)
}

// wsOrigin is the origin of the WebSocket URL, for the page's CSP.
func (h *Handler) wsOrigin(r *http.Request) string {
	u, err := url.Parse(h.websocketURL(r))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// authed checks HTTP Basic credentials (recipient id and NATS password)
// and passes the recipient on. Failures are rate-limited per client
// address (10, then one every 6 seconds).
func (h *Handler) authed(next func(w http.ResponseWriter, r *http.Request, recipient string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ip := clientIP(r)
		h.mu.Lock()
		lim := h.failures[ip]
		h.mu.Unlock()
		if lim != nil && lim.Tokens() < 1 {
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "too many failed logins; wait a minute"})
			return
		}
		id, pw, ok := r.BasicAuth()
		want, known := h.passwords[id]
		got := sha256.Sum256([]byte(pw))
		if !ok || !known || subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
			h.mu.Lock()
			if h.failures[ip] == nil {
				if len(h.failures) > 10000 {
					clear(h.failures)
				}
				h.failures[ip] = rate.NewLimiter(rate.Every(6*time.Second), 10)
			}
			h.failures[ip].Allow()
			h.mu.Unlock()
			h.log.Info("mobile login refused", "recipient", id, "remote", ip)
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "wrong recipient or password"})
			return
		}
		next(w, r, id)
	}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// recipientLang is a recipient's language, es or en.
func (h *Handler) recipientLang(id string) string {
	l := h.opts.Config.Recipients[id].Language
	if l != "es" && l != "en" {
		l = h.opts.Config.Language
	}
	if l != "en" {
		l = "es"
	}
	return l
}
