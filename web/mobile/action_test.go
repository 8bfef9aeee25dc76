package mobile

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

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/notifier"
	"github.com/escucha/escucha/store"
)

var testKey = []byte("mobile-test-action-key-0123456789")

// storeAct is the action function the lead replaces with the notifier's:
// the store's RecordAction, which is what the notifier's Act ends in.
func storeAct(st *store.Store) func(ctx context.Context, a escucha.Action) error {
	return st.RecordAction
}

// commitAlert stores a mention and one alert for recipient.
func commitAlert(t *testing.T, st *store.Store, id, recipient, text string) escucha.Alert {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	m := escucha.Mention{Source: "x", ID: id, URL: "https://x.com/ana/status/" + id, Lang: "es", Text: text,
		Author: escucha.Author{Handle: "ana", Followers: 1234}, PostedAt: now.Add(-time.Minute), FetchedAt: now}
	v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, Lang: "es", CEO: true, ClassifiedAt: now}
	a := escucha.Alert{ID: escucha.AlertID(m.Key(), recipient, 0), Recipient: recipient, Label: v.Label, Severity: v.Severity, CEO: true,
		Rules: []string{"es.complaint.espera"}, Title: "Queja alta a la CEO: @ana", Mention: m, CreatedAt: now}
	_, err := st.Commit(t.Context(), store.Batch{Source: "x", Items: []store.Item{{Mention: m, Verdict: v, Alerts: []escucha.Alert{a}}}})
	require.NoError(t, err)
	return a
}

// lateServer is an httptest server whose handler is set once its URL is
// known (the URL goes into the config the handler is built from).
type lateServer struct {
	*httptest.Server
	mu sync.Mutex
	h  http.Handler
}

func newLateServer(t *testing.T) *lateServer {
	s := &lateServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		h := s.h
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *lateServer) mount(routes map[string]http.Handler) {
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.Handle(p, h)
	}
	s.mu.Lock()
	s.h = mux
	s.mu.Unlock()
}

func TestNtfyButtonAcksTheAlert(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	st := testutil.TempStore(t)
	var mu sync.Mutex
	var published []byte
	ntfy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		published = b
		mu.Unlock()
		_, _ = io.WriteString(w, `{"id":"n1","event":"message"}`)
	}))
	defer ntfy.Close()
	srv := newLateServer(t)

	cfg := config.Default()
	cfg.HTTP.PublicURL = srv.URL
	cfg.Delivery.Ntfy.URL = ntfy.URL
	cfg.Recipients = map[string]config.Recipient{"elena": {Language: "es", RecipientDelivery: config.RecipientDelivery{
		Ntfy: &config.NtfyTarget{Topic: "volta-elena"}}}}
	h, err := New(Options{Config: cfg, Store: st, Act: storeAct(st), ActionKey: testKey})
	require.NoError(t, err)
	srv.mount(h.Routes())

	g, err := notifier.NewGateways(notifier.GatewayOptions{Conn: nc, Config: cfg, Store: st, ActionKey: testKey})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() { cancel(); require.NoError(t, <-done) }()

	// The notifier publishes an alert; the gateway pushes it to ntfy.
	a := commitAlert(t, st, "1", "elena", "llevo 3 semanas esperando")
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, err := js.Stream(t.Context(), "ESCUCHA_ALERTS"); return err == nil }, 10*time.Second, 10*time.Millisecond)
	a.NotifiedAt = time.Now().UTC()
	data, _ := json.Marshal(a)
	_, err = js.Publish(t.Context(), "escucha.alerts.elena", data, jetstream.WithMsgID(a.ID))
	require.NoError(t, err)
	var msg notifier.NtfyMessage
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return published != nil && json.Unmarshal(published, &msg) == nil
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, "http", msg.Actions[0].Action)
	require.Equal(t, "Visto", msg.Actions[0].Label)

	// Opening the link in a browser only asks for confirmation.
	resp, err := http.Get(msg.Actions[0].URL)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(page), "¿Confirmas esta acción sobre la alerta?")
	require.Contains(t, string(page), "Marcar como visto")
	require.Contains(t, string(page), `<form method="post">`)
	require.NotContains(t, string(page), "<script")
	rec, err := st.Alert(t.Context(), a.ID)
	require.NoError(t, err)
	require.True(t, rec.AckedAt.IsZero(), "a GET changes nothing")

	// Pressing the button in the ntfy app sends the request it describes.
	req, err := http.NewRequest(msg.Actions[0].Method, msg.Actions[0].URL, strings.NewReader(msg.Actions[0].Body))
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(page))
	require.Contains(t, string(page), "Hecho")
	rec, err = st.Alert(t.Context(), a.ID)
	require.NoError(t, err)
	require.False(t, rec.AckedAt.IsZero(), "the alert is acked")
	require.Equal(t, "elena", rec.Actions[0].By)
	require.Eventually(t, func() bool {
		rec, err := st.Alert(t.Context(), a.ID)
		return err == nil && !rec.DeliveredAt.IsZero()
	}, 5*time.Second, 10*time.Millisecond, "the delivery is recorded")
}

func TestActionLinkRefusals(t *testing.T) {
	st := testutil.TempStore(t)
	a := commitAlert(t, st, "2", "bob", "text")
	cfg := config.Default()
	cfg.Recipients = map[string]config.Recipient{"bob": {Language: "en"}}
	now := time.Now()
	h, err := New(Options{Config: cfg, Store: st, Act: storeAct(st), ActionKey: testKey, Now: func() time.Time { return now }})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	post := func(token string) (int, string) {
		resp, err := http.Post(srv.URL+"/a/"+token, "text/plain", nil)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post(notifier.SignActionToken(testKey, a.ID, escucha.ActionResolved, now.Add(-time.Second)))
	require.Equal(t, http.StatusGone, code)
	require.Contains(t, body, "This link has expired", "in the recipient's language")
	code, body = post(notifier.SignActionToken([]byte("some-other-key-0123456"), a.ID, escucha.ActionAck, now.Add(time.Hour)))
	require.Equal(t, http.StatusForbidden, code)
	require.Contains(t, body, "no es válido", "unknown recipient: the global language")
	code, _ = post("garbage")
	require.Equal(t, http.StatusForbidden, code)
	code, body = post(notifier.SignActionToken(testKey, "x/404/bob/0", escucha.ActionAck, now.Add(time.Hour)))
	require.Equal(t, http.StatusNotFound, code)
	require.Contains(t, body, "no longer exists")
	rec, err := st.Alert(t.Context(), a.ID)
	require.NoError(t, err)
	require.Empty(t, rec.Actions)

	code, body = post(notifier.SignActionToken(testKey, a.ID, escucha.ActionResolved, now.Add(time.Hour)))
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "Done")
	m, err := st.Mention(t.Context(), a.Mention.Key())
	require.NoError(t, err)
	require.False(t, m.Ledger.ResolvedAt.IsZero())
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
