package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
)

// t0 is Friday 2026-11-20 10:00 UTC; the test clock stays there.
var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

const hostileText = `<script>document.title="pwned"</script><img src=x onerror="document.title='pwned'"> la app no funciona`

// env is a running web server over a real store with seeded mentions.
type env struct {
	t    *testing.T
	srv  *Server
	st   *store.Store
	http *httptest.Server
	reg  *prometheus.Registry
	logs *syncBuffer
	acts chan escucha.Action
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var hashes sync.Map

// hash makes a bcrypt hash at the minimum cost, to keep tests fast.
func hash(t testing.TB, password string) string {
	if h, ok := hashes.Load(password); ok {
		return h.(string)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	hashes.Store(password, string(h))
	return string(h)
}

func testConfig(t testing.TB) config.Config {
	cfg := config.Default()
	cfg.Language = "es"
	cfg.Sources = []config.Source{{Name: "x", Type: "x"}, {Name: "demo", Type: "demo"}}
	cfg.Report.BusinessHours = config.BusinessHours{Timezone: "Europe/Madrid"}
	cfg.Web.Users = map[string]config.User{
		"ana":   {Name: "Ana Núñez", Role: config.RoleComms, PasswordHash: hash(t, "ana-secret"), Recipient: "comms"},
		"oscar": {Name: "Óscar", Role: config.RoleOps, PasswordHash: hash(t, "oscar-secret"), Language: "en"},
		"root":  {Name: "Root", Role: config.RoleAdmin, PasswordHash: hash(t, "root-secret")},
	}
	return cfg
}

type envOpt func(*Options)

func newEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	clock := t0
	st := testutil.TempStoreWith(t, store.Options{Now: func() time.Time { return clock }})
	seed(t, st)
	e := &env{t: t, st: st, reg: prometheus.NewRegistry(), logs: &syncBuffer{}, acts: make(chan escucha.Action, 16)}
	o := Options{
		Config: testConfig(t), Store: st, Registry: e.reg,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return clock },
		// The notifier's part, for tests: record the action in the store,
		// as the notifier does.
		Act: func(ctx context.Context, a escucha.Action) error {
			e.acts <- a
			return st.RecordAction(ctx, a)
		},
	}
	for _, f := range opts {
		f(&o)
	}
	srv, err := New(o)
	require.NoError(t, err)
	e.srv = srv
	e.http = httptest.NewServer(srv.Handler())
	t.Cleanup(e.http.Close)
	return e
}

// seed stores four flagged mentions and one other, with alerts.
func seed(t testing.TB, st *store.Store) {
	ctx := context.Background()
	type spec struct {
		src, id, text, lang string
		label               escucha.Label
		sev                 escucha.Severity
		posted              time.Duration
		rules               []escucha.RuleHit
		to                  []string
	}
	nofunciona := func(text string) []escucha.RuleHit {
		i := strings.Index(text, "no funciona")
		return []escucha.RuleHit{{ID: "es.complaint.nofunciona", Weight: 0.8, Explanation: "El producto no funciona",
			Spans: []escucha.Span{{Start: i, End: i + len("no funciona")}}}}
	}
	specs := []spec{
		{"x", "1", "Llevo dos días y la app no funciona, @volta_ayuda ¿alguien?", "es", escucha.LabelComplaint, escucha.SeverityHigh, -3 * time.Hour, nil, []string{"comms", "elena"}},
		{"x", "2", "Would be great to have a dark mode in the Volta app", "en", escucha.LabelSuggestion, "", -2 * time.Hour,
			[]escucha.RuleHit{{ID: "en.suggestion.wouldbegreat", Weight: 0.7, Spans: []escucha.Span{{Start: 0, End: 14}}}}, []string{"comms"}},
		{"demo", "3", hostileText, "es", escucha.LabelComplaint, escucha.SeverityLow, -1 * time.Hour, nil, []string{"comms"}},
		{"x", "4", "Ni de broma no funciona mal, ¡me encanta el coche!", "es", escucha.LabelComplaint, escucha.SeverityMedium, -30 * time.Minute, nil, []string{"comms"}},
		{"x", "5", "Hola Volta", "es", escucha.LabelOther, "", -20 * time.Minute, nil, nil},
	}
	var items []store.Item
	for _, s := range specs {
		m := escucha.Mention{Source: s.src, ID: s.id, Text: s.text, Lang: s.lang, URL: "https://x.com/u/status/" + s.id,
			Author: escucha.Author{Handle: "user" + s.id, Name: "Usuaria " + s.id, Followers: 1200}, PostedAt: t0.Add(s.posted)}
		rules := s.rules
		if rules == nil && s.label == escucha.LabelComplaint {
			rules = nofunciona(s.text)
		}
		v := escucha.Verdict{Label: s.label, Severity: s.sev, Lang: s.lang, Score: 0.9, Rules: rules, ClassifiedAt: m.PostedAt.Add(2 * time.Second)}
		it := store.Item{Mention: m, Verdict: v}
		for _, r := range s.to {
			it.Alerts = append(it.Alerts, escucha.Alert{ID: escucha.AlertID(m.Key(), r, 0), Recipient: r, Label: s.label, Severity: s.sev})
		}
		items = append(items, it)
	}
	_, err := st.Commit(ctx, store.Batch{Items: items})
	require.NoError(t, err)
	for _, it := range items {
		for _, a := range it.Alerts {
			require.NoError(t, st.MarkNotified(ctx, a.ID, it.Mention.PostedAt.Add(20*time.Second)))
		}
	}
}

// client is a browser-like HTTP client with its own cookies.
type client struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, err := cookiejar.New(nil)
	require.NoError(e.t, err)
	return &client{t: e.t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(method, path string, body url.Values, hdr map[string]string) (*http.Response, string) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, c.e.http.URL+path, rd)
	require.NoError(c.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.c.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) { return c.do("GET", path, nil, nil) }

// mentions gets path, a GET of /api/mentions, and decodes its answer.
func (c *client) mentions(path string) (total int, items []apiItem) {
	c.t.Helper()
	_, body := c.get(path)
	var got struct {
		Total int       `json:"total"`
		Items []apiItem `json:"items"`
	}
	require.NoError(c.t, json.Unmarshal([]byte(body), &got), body)
	return got.Total, got.Items
}

func (c *client) post(path string, v url.Values) (*http.Response, string) {
	return c.do("POST", path, v, nil)
}

// login logs in and keeps the CSRF token of the session.
func (c *client) login(user, password string) *http.Response {
	c.t.Helper()
	_, page := c.get("/login")
	m := csrfInput.FindStringSubmatch(page)
	require.NotNil(c.t, m, "login form has a token")
	resp, _ := c.post("/login", url.Values{"csrf": {m[1]}, "user": {user}, "password": {password}, "next": {"/"}})
	if resp.StatusCode == http.StatusSeeOther {
		_, home := c.get("/")
		if m := csrfInput.FindStringSubmatch(home); m != nil {
			c.csrf = m[1]
		}
	}
	return resp
}

// action posts a form action on a mention with the session's token.
func (c *client) action(key string, v url.Values) (*http.Response, string) {
	v.Set("csrf", c.csrf)
	v.Set("key", key)
	return c.post("/mention/action", v)
}
