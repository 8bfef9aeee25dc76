package mobile

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/notifier"
)

// chromium returns the headless browser to drive, skipping the test when
// there is none, except in CI (env CI set), where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("ESCUCHA_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium found (set ESCUCHA_CHROMIUM); the mobile page test needs a headless browser in CI")
	}
	t.Skip("no chromium found; set ESCUCHA_CHROMIUM to run the mobile page test")
	return ""
}

func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(412, 915),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancel)
	// The first Run starts the browser for the life of bctx; the steps
	// then get a deadline of their own.
	_, err := chromedp.Run(bctx, chromedp.Title())
	require.NoError(t, err, "start chromium")
	ctx, cancelTimeout := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func screenshotDir(t *testing.T) string {
	if d := os.Getenv("ESCUCHA_SCREENSHOT_DIR"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		return d
	}
	return t.TempDir()
}

// TestMobilePageShowsAlertsLiveAndAcks drives the page in headless
// chromium against the real pieces: the embedded NATS server with per-
// recipient users and its WebSocket listener, the notifier publishing the
// store's outbox and answering action requests, and this handler.
func TestMobilePageShowsAlertsLiveAndAcks(t *testing.T) {
	ctx := browser(t)
	t.Setenv("TEST_ESCUCHA_ELENA_PW", "elena-phone-pw")
	t.Setenv("TEST_ESCUCHA_BOB_PW", "bob-phone-pw")
	srv := newLateServer(t)

	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.PublicURL = srv.URL // the only origin the WebSocket accepts
	cfg.NATS.Embedded = config.Embedded{Host: "127.0.0.1", Port: 0, WebsocketPort: -1}
	cfg.Recipients = map[string]config.Recipient{
		"elena": {Name: "Elena Ruiz", Language: "es", Password: config.SecretRef{Env: "TEST_ESCUCHA_ELENA_PW"}},
		"bob":   {Name: "Bob", Language: "en", Password: config.SecretRef{Env: "TEST_ESCUCHA_BOB_PW"}},
	}
	b, err := notifier.StartBroker(t.Context(), cfg, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	st := testutil.TempStore(t)
	n, err := notifier.New(notifier.Options{Conn: b.Conn(), Outbox: st})
	require.NoError(t, err)
	nctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(nctx) }()
	t.Cleanup(func() { stop(); <-done })

	h, err := New(Options{Config: cfg, Store: st, Act: n.Act, ActionKey: testKey, WebsocketURL: b.WebsocketURL()})
	require.NoError(t, err)
	srv.mount(h.Routes())

	// An alert from before the page was opened is replayed over HTTP.
	old := commitAlert(t, st, "1", "elena", "ayer: la app no carga")
	n.Kick()

	// Log in.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/m/"),
		chromedp.WaitVisible(chromedp.CSS(`#login`)),
		chromedp.SendKeys(chromedp.CSS(`#login-id`), "elena"),
		chromedp.SendKeys(chromedp.CSS(`#login-pw`), "elena-phone-pw"),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#status.on`)),
		chromedp.WaitVisible(chromedp.CSS(`li.alert[data-id="`+old.ID+`"]`)),
	))
	require.Equal(t, "Elena Ruiz", text(t, ctx, `#who`))
	require.Equal(t, "en directo", text(t, ctx, `#status`), "Spanish for elena")

	// Alerts published now appear live: Bob's never reaches Elena's page.
	commitAlert(t, st, "2", "bob", "not for elena")
	live := commitAlert(t, st, "3", "elena", `@elenaruiz llevo 3 semanas esperando <img src=x onerror="document.title='pwned'">`)
	n.Kick()
	sel := `li.alert[data-id="` + live.ID + `"]`
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))))
	require.Equal(t, live.Mention.Text, text(t, ctx, sel+` .text`), "the text is shown as text")
	title, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	require.Equal(t, "escucha", title, "markup in a mention is never interpreted")
	count, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('li.alert').length`))
	require.NoError(t, err)
	require.Equal(t, 2, count, "only Elena's alerts")
	first, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#alerts li:first-child`), "data-id"))
	require.NoError(t, err)
	require.Equal(t, live.ID, first.Value, "newest first")

	// Ack it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(sel+` button[data-action="ack"]`)),
		chromedp.WaitVisible(chromedp.CSS(sel+` .reply.ok`)),
	))
	require.Equal(t, "Marcada como vista.", text(t, ctx, sel+` .reply`))
	rec, err := st.Alert(t.Context(), live.ID)
	require.NoError(t, err)
	require.False(t, rec.AckedAt.IsZero(), "the store has acked_at")
	require.Equal(t, "elena", rec.Actions[0].By)

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	path := filepath.Join(screenshotDir(t), "mobile-page.png")
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot: %s", path)
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	require.NoError(t, err, css)
	return s
}

// TestMobileAPI checks the login and the replay endpoint without a browser.
func TestMobileAPI(t *testing.T) {
	t.Setenv("TEST_ESCUCHA_ELENA_PW", "pw-elena")
	st := testutil.TempStore(t)
	cfg := config.Default()
	cfg.NATS.Embedded.WebsocketPort = 9333
	cfg.Recipients = map[string]config.Recipient{"elena": {Name: "Elena", Password: config.SecretRef{Env: "TEST_ESCUCHA_ELENA_PW"}}, "comms": {}}
	h, err := New(Options{Config: cfg, Store: st, Act: storeAct(st), ActionKey: testKey, VAPIDPublicKey: "BKey"})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	commitAlert(t, st, "9", "elena", "hola")
	commitAlert(t, st, "10", "comms", "not hers")

	get := func(path, user, pw string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pw)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	require.Equal(t, http.StatusUnauthorized, get("/m/api/me", "", "").StatusCode)
	require.Equal(t, http.StatusUnauthorized, get("/m/api/me", "elena", "wrong").StatusCode)
	require.Equal(t, http.StatusUnauthorized, get("/m/api/me", "comms", "").StatusCode, "no password, no login")
	resp := get("/m/api/me", "elena", "pw-elena")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var me Me
	require.NoError(t, jsonDecode(resp, &me))
	require.Equal(t, Me{Recipient: "elena", Name: "Elena", Lang: "es", WebsocketURL: "ws://127.0.0.1:9333",
		AlertsSubject: "escucha.alerts.elena", ActionsSubject: "escucha.actions.elena", InboxPrefix: "_INBOX_elena", VAPIDPublicKey: "BKey"}, me)
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "connect-src 'self' ws://127.0.0.1:9333")

	resp = get("/m/api/alerts", "elena", "pw-elena")
	var list struct{ Alerts []AlertView }
	require.NoError(t, jsonDecode(resp, &list))
	require.Len(t, list.Alerts, 1)
	require.Equal(t, "hola", list.Alerts[0].Mention.Text)

	// The static page, its script and service worker are embedded.
	for path, typ := range map[string]string{"/m/": "text/html", "/m/app.js": "javascript", "/m/nats.js": "javascript",
		"/m/sw.js": "javascript", "/m/style.css": "text/css", "/m/manifest.webmanifest": "application/manifest+json", "/m/icon.svg": "image/svg+xml"} {
		resp := get(path, "", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Contains(t, resp.Header.Get("Content-Type"), typ, path)
	}
	require.Equal(t, http.StatusNotFound, get("/m/nope.js", "", "").StatusCode)

	// A browser's push subscription is kept for the logged-in recipient.
	post := func(path, body string) int {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.SetBasicAuth("elena", "pw-elena")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	sub := `{"recipient":"bob","endpoint":"https://push.example/s1","keys":{"p256dh":"BPub","auth":"sec"}}`
	require.Equal(t, http.StatusCreated, post("/m/push/subscribe", sub))
	subs, err := st.PushSubscriptions(t.Context(), "elena")
	require.NoError(t, err)
	require.Len(t, subs, 1, "the recipient comes from the login, not the body")
	bobs, err := st.PushSubscriptions(t.Context(), "bob")
	require.NoError(t, err)
	require.Empty(t, bobs)
	require.Equal(t, http.StatusBadRequest, post("/m/push/subscribe", `{"endpoint":"http://evil.example/x","keys":{"p256dh":"a","auth":"b"}}`))
	require.Equal(t, http.StatusBadRequest, post("/m/push/subscribe", `not json`))
	require.Equal(t, http.StatusOK, post("/m/push/unsubscribe", `{"endpoint":"https://push.example/s1"}`))
	subs, err = st.PushSubscriptions(t.Context(), "elena")
	require.NoError(t, err)
	require.Empty(t, subs)

	// Failed logins are rate-limited per address.
	for range 12 {
		get("/m/api/me", "elena", "guess")
	}
	require.Equal(t, http.StatusTooManyRequests, get("/m/api/me", "elena", "pw-elena").StatusCode)
}
