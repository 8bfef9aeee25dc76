package notifier

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	etestutil "github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
)

var (
	_ Delivered         = (*store.Store)(nil)
	_ PushSubscriptions = (*store.Store)(nil)
)

// fakePush is an HTTP service (ntfy, a webhook receiver, a push service)
// that records every request and answers with the statuses queued in
// replies, then 200.
type fakePush struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []recorded
	replies []int
}

type recorded struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

func newFakePush(t *testing.T, replies ...int) *fakePush {
	f := &fakePush{replies: replies}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		code := http.StatusOK
		if len(f.replies) > 0 {
			code, f.replies = f.replies[0], f.replies[1:]
		}
		f.mu.Unlock()
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"id":"xyz"}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePush) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// gwAlert stores a mention and one alert for recipient, as the pipeline
// does, and returns the alert.
func gwAlert(t *testing.T, st *store.Store, id, recipient string, sev escucha.Severity) escucha.Alert {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	m := escucha.Mention{
		Source: "x", ID: id, URL: "https://x.com/ana/status/" + id, Lang: "es",
		Text:     "@elenaruiz llevo 3 semanas esperando la devolución <b>ya</b>",
		Author:   escucha.Author{Handle: "ana", Name: "Ana", Followers: 1234},
		PostedAt: now.Add(-time.Minute), FetchedAt: now.Add(-time.Second),
	}
	v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: sev, Lang: "es", CEO: true, Score: 0.9,
		Rules: []escucha.RuleHit{{ID: "es.complaint.espera"}}, ClassifiedAt: now}
	a := escucha.Alert{
		ID: escucha.AlertID(m.Key(), recipient, 0), Recipient: recipient, Label: v.Label, Severity: sev, CEO: true,
		Rules: []string{"es.complaint.espera"}, Title: "Queja alta a la CEO: @ana", URL: "http://escucha.test/alerts/x%2F" + id,
		Mention: m, CreatedAt: now,
	}
	_, err := st.Commit(t.Context(), store.Batch{Source: "x", Items: []store.Item{{Mention: m, Verdict: v, Alerts: []escucha.Alert{a}}}})
	require.NoError(t, err)
	return a
}

// publishAlert publishes an alert on the alerts stream as the notifier
// does (notified_at set) and returns what it published.
func publishAlert(t *testing.T, nc *nats.Conn, a escucha.Alert) escucha.Alert {
	t.Helper()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.NoError(t, ensureStreams(t.Context(), js, "escucha", time.Hour))
	a.NotifiedAt = time.Now().UTC()
	data, err := json.Marshal(a)
	require.NoError(t, err)
	_, err = js.Publish(t.Context(), "escucha.alerts."+a.Recipient, data, jetstream.WithMsgID(a.ID))
	require.NoError(t, err)
	return a
}

type gwRun struct {
	g      *Gateways
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
}

func runGateways(t *testing.T, opts GatewayOptions) *gwRun {
	t.Helper()
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	if opts.RetryMin == 0 {
		opts.RetryMin, opts.RetryMax = 20*time.Millisecond, 100*time.Millisecond
	}
	g, err := NewGateways(opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &gwRun{g: g, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- g.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-r.done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("gateways did not stop")
		}
	})
	return r
}

func gwConfig(ntfyURL string) config.Config {
	cfg := config.Default()
	cfg.HTTP.PublicURL = "http://escucha.test"
	cfg.Delivery.Ntfy.URL = ntfyURL
	cfg.Delivery.Ntfy.Token = config.SecretRef{Env: "TEST_ESCUCHA_NTFY_TOKEN"}
	cfg.Recipients = map[string]config.Recipient{
		"elena": {Name: "Elena", Language: "es", RecipientDelivery: config.RecipientDelivery{
			Ntfy: &config.NtfyTarget{Topic: "volta-elena-7f3k"}}},
		"bob": {Name: "Bob", Language: "en", RecipientDelivery: config.RecipientDelivery{
			Ntfy: &config.NtfyTarget{Topic: "volta-bob", Priorities: map[string]int{"high": 5}}}},
		"comms": {Name: "Comms"}, // no push channel
	}
	return cfg
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestNtfyGatewayPublishesDocumentedJSON(t *testing.T) {
	t.Setenv("TEST_ESCUCHA_NTFY_TOKEN", "tk_secret123")
	_, nc := etestutil.RunJetStream(t)
	st := etestutil.TempStore(t)
	fake := newFakePush(t)
	now := time.Now().Truncate(time.Second)
	cfg := gwConfig(fake.URL)
	run := runGateways(t, GatewayOptions{Conn: nc, Config: cfg, Store: st, ActionKey: testKey, Now: func() time.Time { return now }})
	require.Equal(t, []string{"ntfy"}, run.g.Channels())

	a := publishAlert(t, nc, gwAlert(t, st, "100", "elena", escucha.SeverityHigh))
	publishAlert(t, nc, gwAlert(t, st, "101", "comms", escucha.SeverityHigh)) // not an ntfy recipient
	require.Eventually(t, func() bool { return len(fake.requests()) == 1 }, 10*time.Second, 10*time.Millisecond)

	req := fake.requests()[0]
	require.Equal(t, "POST", req.Method)
	require.Equal(t, "/", req.Path)
	require.Equal(t, "Bearer tk_secret123", req.Header.Get("Authorization"))
	require.Equal(t, "application/json", req.Header.Get("Content-Type"))
	exp := a.NotifiedAt.Add(DefaultActionTokenTTL).Truncate(time.Second)
	ack := "http://escucha.test/a/" + SignActionToken(testKey, a.ID, escucha.ActionAck, exp)
	resolved := "http://escucha.test/a/" + SignActionToken(testKey, a.ID, escucha.ActionResolved, exp)
	require.JSONEq(t, `{
		"topic": "volta-elena-7f3k",
		"title": "Queja alta a la CEO: @ana",
		"message": "@ana (1234): @elenaruiz llevo 3 semanas esperando la devolución <b>ya</b>",
		"priority": 4,
		"tags": ["warning", "queja", "alta", "CEO"],
		"click": "http://escucha.test/alerts/x%2F100",
		"actions": [
			{"action": "http", "label": "Visto", "url": "`+ack+`", "method": "POST", "clear": true},
			{"action": "http", "label": "Resuelto", "url": "`+resolved+`", "method": "POST", "clear": true},
			{"action": "view", "label": "Ver post", "url": "https://x.com/ana/status/100"}
		]}`, string(req.Body))

	// The button's link names the alert and the action, signed.
	tok, err := VerifyActionToken(testKey, strings.TrimPrefix(ack, "http://escucha.test/a/"), now)
	require.NoError(t, err)
	require.Equal(t, ActionToken{AlertID: a.ID, Action: escucha.ActionAck, Expires: exp}, tok)

	// The delivery is recorded.
	require.Eventually(t, func() bool {
		rec, err := st.Alert(t.Context(), a.ID)
		return err == nil && rec.DeliveredAt.Equal(now)
	}, 5*time.Second, 10*time.Millisecond)
	m, err := st.Mention(t.Context(), a.Mention.Key())
	require.NoError(t, err)
	require.True(t, m.Ledger.DeliveredAt.Equal(now))
	require.Equal(t, 1.0, testutil.ToFloat64(run.g.m.sends.WithLabelValues("ntfy", "delivered")))
}

func TestNtfyPriorityAndLanguage(t *testing.T) {
	cfg := gwConfig("http://unused")
	for _, tc := range []struct {
		recipient string
		sev       escucha.Severity
		prio      int
		tags      []string
		labels    []string
	}{
		{"elena", escucha.SeverityCritical, 5, []string{"rotating_light", "queja", "crítica", "CEO"}, []string{"Visto", "Resuelto", "Ver post"}},
		{"elena", escucha.SeverityMedium, 3, []string{"loudspeaker", "queja", "media", "CEO"}, nil},
		{"elena", escucha.SeverityLow, 2, []string{"information_source", "queja", "baja", "CEO"}, nil},
		{"bob", escucha.SeverityHigh, 5, []string{"warning", "complaint", "high", "CEO"}, []string{"Ack", "Resolved", "Open post"}},
	} {
		a := escucha.Alert{ID: "x/1/" + tc.recipient + "/0", Recipient: tc.recipient, Label: escucha.LabelComplaint, Severity: tc.sev, CEO: true,
			Mention: escucha.Mention{URL: "https://x.com/p/1", Text: strings.Repeat("ñ", 3000)}}
		m := NtfyMessageFor(cfg, cfg.Recipients[tc.recipient].Ntfy, a, actionLinks(GatewayOptions{Config: cfg, ActionKey: testKey, Now: time.Now}, a))
		require.Equal(t, tc.prio, m.Priority, tc)
		require.Equal(t, tc.tags, m.Tags)
		require.LessOrEqual(t, len(m.Message), 4000, "fits ntfy's 4,096-byte limit")
		if tc.labels != nil {
			var got []string
			for _, a := range m.Actions {
				got = append(got, a.Label)
			}
			require.Equal(t, tc.labels, got)
		}
	}
	// A suggestion has no severity: priority 3, the bulb.
	m := NtfyMessageFor(cfg, cfg.Recipients["elena"].Ntfy, escucha.Alert{Recipient: "elena", Label: escucha.LabelSuggestion}, nil)
	require.Equal(t, 3, m.Priority)
	require.Equal(t, []string{"bulb", "sugerencia"}, m.Tags)
	require.Empty(t, m.Actions, "no public URL, no buttons")
	require.Equal(t, "http://escucha.test/m/", m.Click)
}

func TestGatewayRetriesOutageAndStopsOnPermanentError(t *testing.T) {
	_, nc := etestutil.RunJetStream(t)
	st := etestutil.TempStore(t)
	// ntfy is down for three attempts (503, 429, 502), then accepts; then
	// it refuses the second alert for good (400).
	fake := newFakePush(t, 503, 429, 502, 200, 400)
	cfg := gwConfig(fake.URL)
	run := runGateways(t, GatewayOptions{Conn: nc, Config: cfg, Store: st, ActionKey: testKey})

	a := gwAlert(t, st, "200", "elena", escucha.SeverityCritical)
	publishAlert(t, nc, a)
	publishAlert(t, nc, a) // a re-publish is a no-op (Nats-Msg-Id)
	require.Eventually(t, func() bool {
		rec, err := st.Alert(t.Context(), a.ID)
		return err == nil && !rec.DeliveredAt.IsZero()
	}, 15*time.Second, 10*time.Millisecond)
	require.Len(t, fake.requests(), 4)
	for _, r := range fake.requests() {
		require.JSONEq(t, string(fake.requests()[0].Body), string(r.Body), "each retry sends the same message")
	}

	b := gwAlert(t, st, "201", "bob", escucha.SeverityHigh)
	publishAlert(t, nc, b)
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(run.g.m.sends.WithLabelValues("ntfy", "failed")) == 1
	}, 10*time.Second, 10*time.Millisecond)
	rec, err := st.Alert(t.Context(), b.ID)
	require.NoError(t, err)
	require.True(t, rec.DeliveredAt.IsZero())
	require.Equal(t, 3.0, testutil.ToFloat64(run.g.m.sends.WithLabelValues("ntfy", "retry")))
	require.Len(t, fake.requests(), 5, "a permanent refusal is not retried")
}

func TestGatewayDeliversAfterRestartWithoutLoss(t *testing.T) {
	ns, nc := etestutil.RunJetStream(t)
	_ = ns
	st := etestutil.TempStore(t)
	fake := newFakePush(t)
	cfg := gwConfig(fake.URL)

	// Alerts published while no gateway runs are delivered when it starts.
	a := gwAlert(t, st, "300", "elena", escucha.SeverityHigh)
	publishAlert(t, nc, a)
	run := runGateways(t, GatewayOptions{Conn: nc, Config: cfg, Store: st, ActionKey: testKey})
	require.Eventually(t, func() bool { return len(fake.requests()) == 1 }, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		rec, err := st.Alert(t.Context(), a.ID)
		return err == nil && !rec.DeliveredAt.IsZero()
	}, 10*time.Second, 10*time.Millisecond)
	run.cancel()
	require.NoError(t, <-run.done)
	run.done <- nil // for the cleanup

	b := gwAlert(t, st, "301", "elena", escucha.SeverityHigh)
	publishAlert(t, nc, b)
	runGateways(t, GatewayOptions{Conn: nc, Config: cfg, Store: st, ActionKey: testKey})
	require.Eventually(t, func() bool { return len(fake.requests()) == 2 }, 10*time.Second, 10*time.Millisecond)
	var got NtfyMessage
	require.NoError(t, json.Unmarshal(fake.requests()[1].Body, &got))
	require.Contains(t, got.Click, "301", "the durable consumer resumes after the first alert")
}

func TestGatewaySkipsStaleAlerts(t *testing.T) {
	_, nc := etestutil.RunJetStream(t)
	st := etestutil.TempStore(t)
	fake := newFakePush(t)
	cfg := gwConfig(fake.URL)
	cfg.Delivery.MaxAge = time.Minute
	later := func() time.Time { return time.Now().Add(2 * time.Minute) }
	run := runGateways(t, GatewayOptions{Conn: nc, Config: cfg, Store: st, ActionKey: testKey, Now: later})
	publishAlert(t, nc, gwAlert(t, st, "400", "elena", escucha.SeverityHigh))
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(run.g.m.sends.WithLabelValues("ntfy", "stale")) == 1
	}, 10*time.Second, 10*time.Millisecond)
	require.Empty(t, fake.requests())
}

func TestActionTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tok := SignActionToken(testKey, "x/1/elena/0", escucha.ActionResolved, now.Add(time.Hour))
	got, err := VerifyActionToken(testKey, tok, now)
	require.NoError(t, err)
	require.Equal(t, "x/1/elena/0", got.AlertID)
	require.Equal(t, escucha.ActionResolved, got.Action)

	_, err = VerifyActionToken(testKey, tok, now.Add(time.Hour))
	require.ErrorIs(t, err, ErrTokenExpired)
	_, err = VerifyActionToken([]byte("another-key-0123456789"), tok, now)
	require.ErrorIs(t, err, ErrTokenInvalid)
	// Changing the action (or anything) in the payload breaks the signature.
	forged := SignActionToken([]byte("attacker-key-0123456789"), "x/1/elena/0", escucha.ActionAck, now.Add(time.Hour))
	_, err = VerifyActionToken(testKey, strings.Split(forged, ".")[0]+"."+strings.Split(tok, ".")[1], now)
	require.ErrorIs(t, err, ErrTokenInvalid)
	for _, bad := range []string{"", ".", "abc", "a.b.c", strings.Repeat("a", 3000) + ".b"} {
		_, err = VerifyActionToken(testKey, bad, now)
		require.ErrorIs(t, err, ErrTokenInvalid, bad)
	}
}

func TestLoadActionKey(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	k1, err := LoadActionKey(cfg)
	require.NoError(t, err)
	require.Len(t, k1, 32)
	k2, err := LoadActionKey(cfg)
	require.NoError(t, err)
	require.Equal(t, k1, k2, "kept under data_dir")

	t.Setenv("TEST_ESCUCHA_ACTION_KEY", "short")
	cfg.Delivery.ActionKey = config.SecretRef{Env: "TEST_ESCUCHA_ACTION_KEY"}
	_, err = LoadActionKey(cfg)
	require.ErrorContains(t, err, "shorter than 16 bytes")
	require.NotContains(t, err.Error(), "short\"")
	t.Setenv("TEST_ESCUCHA_ACTION_KEY", "a-long-enough-configured-key")
	k3, err := LoadActionKey(cfg)
	require.NoError(t, err)
	require.Equal(t, []byte("a-long-enough-configured-key"), k3)
}

func defaultTestClient() *http.Client { return &http.Client{Timeout: 5 * time.Second} }
