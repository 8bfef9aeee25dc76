package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/app"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
)

// The end-to-end tests read like a timeline: a fake X API serves posts, the
// whole daemon runs in process (embedded or external NATS with JetStream, a
// bbolt file in a temp dir), and a plain nats.go client plays the phone.

const ceoComplaint = "@elenaruiz llevo tres semanas esperando el reembolso de mi Volta y nadie me responde. Es la tercera vez que escribo."

// daemonConfig is the configuration of a daemon polling the fake X API.
func daemonConfig(t *testing.T, xs *testutil.XServer, api string) config.Config {
	t.Helper()
	t.Setenv("ESCUCHA_TEST_X_TOKEN", testutil.XToken)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = ""
	cfg.NATS.Embedded.Port = -1
	cfg.NATS.Embedded.WebsocketPort = 0
	base := xs.URL()
	if api == "v1.1" {
		base += "/1.1/"
	}
	cfg.Sources = []config.Source{config.DefaultSource(config.Source{
		Name: "x", Type: "x", Interval: 100 * time.Millisecond,
		X: config.XSource{API: api, BaseURL: base, BearerToken: config.SecretRef{Env: "ESCUCHA_TEST_X_TOKEN"}},
	})}
	require.NoError(t, cfg.Validate())
	return cfg
}

// addAccounts makes the fake know the brand and CEO accounts.
func addAccounts(xs *testutil.XServer) {
	xs.AddUser(testutil.User{ID: "100", Username: "volta", Name: "Volta", Followers: 250000})
	xs.AddUser(testutil.User{ID: "101", Username: "volta_ayuda", Name: "Volta Ayuda", Followers: 12000})
	xs.AddUser(testutil.User{ID: "200", Username: "elenaruiz", Name: "Elena Ruiz", Followers: 98000})
}

// startDaemon starts the whole daemon in process and stops it at cleanup.
func startDaemon(t *testing.T, cfg config.Config) *app.App {
	t.Helper()
	a, err := app.New(app.Options{Config: cfg, StoreNoSync: true, Logger: testLogger(t)})
	require.NoError(t, err)
	require.NoError(t, a.Start(context.Background()))
	t.Cleanup(func() { stopDaemon(t, a) })
	return a
}

func stopDaemon(t *testing.T, a *app.App) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, a.Stop(ctx))
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// phone is a plain nats.go client subscribed to every alert.
func phone(t *testing.T, url string) (*nats.Conn, *nats.Subscription) {
	t.Helper()
	nc, err := nats.Connect(url)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	sub, err := nc.SubscribeSync("escucha.alerts.>")
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	return nc, sub
}

func nextAlert(t *testing.T, sub *nats.Subscription) (escucha.Alert, *nats.Msg) {
	t.Helper()
	msg, err := sub.NextMsg(20 * time.Second)
	require.NoError(t, err, "no alert arrived")
	var al escucha.Alert
	require.NoError(t, json.Unmarshal(msg.Data, &al))
	require.Equal(t, al.ID, msg.Header.Get(jetstream.MsgIDHeader), "Nats-Msg-Id is the alert id")
	return al, msg
}

func TestEndToEndXv2ComplaintToCEOIsAlertedAckedAndReported(t *testing.T) {
	testEndToEnd(t, "v2")
}

func TestEndToEndXv11ThroughGoTwitter(t *testing.T) {
	testEndToEnd(t, "v1.1")
}

func testEndToEnd(t *testing.T, api string) {
	xs := testutil.NewXServer(t)
	addAccounts(xs)
	posted := time.Now().Add(-2 * time.Minute).UTC().Truncate(time.Second)

	cfg := daemonConfig(t, xs, api)
	a := startDaemon(t, cfg)
	nc, sub := phone(t, a.Broker().ClientURL())
	// The post appears once the phone listens: a plain subscriber sees
	// only what is published after it subscribes.
	tw := xs.AddTweet(testutil.Tweet{Text: ceoComplaint, Username: "cliente_ana", Name: "Ana", Followers: 1234, CreatedAt: posted, Lang: "es"})

	// At 0: the complaint to the CEO reaches Elena and the comms team.
	got := map[string]escucha.Alert{}
	for len(got) < 2 {
		al, _ := nextAlert(t, sub)
		got[al.Recipient] = al
	}
	require.Contains(t, got, "elena")
	require.Contains(t, got, "comms")
	al := got["elena"]
	require.Equal(t, escucha.LabelComplaint, al.Label)
	require.True(t, al.CEO, "the post addresses the CEO")
	require.NotEmpty(t, al.Rules)
	require.NotEmpty(t, al.Title)
	require.Equal(t, "x", al.Mention.Source)
	require.Equal(t, tw.ID, al.Mention.ID)
	require.Equal(t, ceoComplaint, al.Mention.Text)
	require.Equal(t, "cliente_ana", al.Mention.Author.Handle)
	require.EqualValues(t, 1234, al.Mention.Author.Followers)
	require.True(t, al.Mention.PostedAt.Equal(posted), "posted_at is the source's time")
	require.False(t, al.NotifiedAt.IsZero())

	// Then: Elena acknowledges from her phone.
	body, err := json.Marshal(escucha.Action{AlertID: al.ID, Action: escucha.ActionAck})
	require.NoError(t, err)
	msg, err := nc.Request("escucha.actions.elena", body, 5*time.Second)
	require.NoError(t, err)
	var reply escucha.ActionReply
	require.NoError(t, json.Unmarshal(msg.Data, &reply))
	require.True(t, reply.OK, reply.Error)

	// The report, asked of the running daemon as `escucha report` does.
	out, err := app.RequestReport(context.Background(), nc, "escucha", app.ReportRequest{Since: "1d", Format: "json"})
	require.NoError(t, err)
	requireReportCounts(t, out, 1, 1)

	// No second alert for the same post, even though the fake is polled again.
	polls := xs.Requests(testutil.XAny)
	require.Eventually(t, func() bool { return xs.Requests(testutil.XAny) > polls+3 }, 10*time.Second, 50*time.Millisecond)
	_, err = sub.NextMsg(300 * time.Millisecond)
	require.ErrorIs(t, err, nats.ErrTimeout, "a post seen twice is alerted once")

	// After the daemon stops, the CLI reads the store directly.
	stopDaemon(t, a)
	var stdout, stderr bytes.Buffer
	code := runCLI(t, &stdout, &stderr, "report", "--since", "1d", "--format", "json", "--data-dir", cfg.DataDir)
	require.Equal(t, 0, code, stderr.String())
	requireReportCounts(t, stdout.Bytes(), 1, 1)

	stdout.Reset()
	code = runCLI(t, &stdout, &stderr, "report", "--since", "1d", "--data-dir", cfg.DataDir)
	require.Equal(t, 0, code, stderr.String())
	t.Logf("escucha report:\n%s", stdout.String())
}

// requireReportCounts checks the post→alert and alert→ack counts of a JSON report.
func requireReportCounts(t *testing.T, out []byte, postToAlert, alertToAck int) {
	t.Helper()
	var rep struct {
		Totals []struct {
			Interval string   `json:"interval"`
			Count    int      `json:"count"`
			Median   *float64 `json:"median_s"`
		} `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(out, &rep), string(out))
	counts := map[string]int{}
	for _, s := range rep.Totals {
		counts[s.Interval] = s.Count
	}
	require.Equal(t, postToAlert, counts["post_to_alert"], string(out))
	require.Equal(t, alertToAck, counts["alert_to_ack"], string(out))
}

func TestRestartNeverLosesNorDuplicatesAnAlert(t *testing.T) {
	xs := testutil.NewXServer(t)
	addAccounts(xs)
	natsDir := t.TempDir()
	ns := testutil.RunJetStreamServer(t, natsDir, -1)
	url := ns.ClientURL()
	cfg := daemonConfig(t, xs, "v2")
	cfg.NATS.URL = url

	// The daemon runs and has polled once; then the broker goes down.
	a := startDaemon(t, cfg)
	require.Eventually(t, a.Ready, 20*time.Second, 20*time.Millisecond)
	ns.Shutdown()
	ns.WaitForShutdown()

	// A complaint arrives while the broker is down: it is stored with its
	// pending alerts, and the daemon stops before it could publish them.
	tw := xs.AddTweet(testutil.Tweet{Text: ceoComplaint, Username: "cliente_ana", Followers: 10})
	key := escucha.MentionKey("x", tw.ID)
	require.Eventually(t, func() bool {
		_, err := a.Store().Mention(context.Background(), key)
		return err == nil
	}, 20*time.Second, 20*time.Millisecond)
	pending, err := a.Store().Alerts(context.Background(), store.AlertQuery{Pending: true})
	require.NoError(t, err)
	require.Len(t, pending, 2, "stored with the mention: one pending alert per recipient")
	stopDaemon(t, a)

	// The broker and the daemon come back: exactly one alert per recipient.
	ns2 := testutil.RunJetStreamServer(t, natsDir, portOf(t, url))
	_, sub := phone(t, ns2.ClientURL())
	a2 := startDaemon(t, cfg)
	seen := map[string]int{}
	for range 2 {
		al, _ := nextAlert(t, sub)
		seen[al.ID]++
	}
	require.Len(t, seen, 2)
	requireStreamMessages(t, ns2.ClientURL(), 2)

	// Stop after publishing, start again: still exactly one each.
	require.Eventually(t, a2.Ready, 20*time.Second, 20*time.Millisecond)
	stopDaemon(t, a2)
	a3 := startDaemon(t, cfg)
	require.Eventually(t, a3.Ready, 20*time.Second, 20*time.Millisecond)
	polls := xs.Requests(testutil.XSearch)
	require.Eventually(t, func() bool { return xs.Requests(testutil.XSearch) > polls+2 }, 10*time.Second, 20*time.Millisecond)
	_, err = sub.NextMsg(300 * time.Millisecond)
	require.ErrorIs(t, err, nats.ErrTimeout)
	requireStreamMessages(t, ns2.ClientURL(), 2)
	rec, err := a3.Store().Mention(context.Background(), key)
	require.NoError(t, err)
	require.False(t, rec.Ledger.NotifiedAt.IsZero())
}

// requireStreamMessages checks that the alert stream holds n messages. A
// phone's core subscription can receive a message before the stream has
// stored it, so the count is polled for a few seconds before failing.
func requireStreamMessages(t *testing.T, url string, n uint64) {
	t.Helper()
	nc, err := nats.Connect(url)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	s, err := js.Stream(context.Background(), "ESCUCHA_ALERTS")
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		info, err := s.Info(context.Background())
		require.NoError(c, err)
		assert.Equal(c, n, info.State.Msgs, "messages in ESCUCHA_ALERTS")
	}, 5*time.Second, 20*time.Millisecond)
}

func TestCLIActsAndReportsThroughARunningDaemonWithLogins(t *testing.T) {
	xs := testutil.NewXServer(t)
	addAccounts(xs)
	t.Setenv("ESCUCHA_TEST_X_TOKEN", testutil.XToken)
	t.Setenv("ESCUCHA_TEST_ELENA_PW", "elena-phone-pw")
	dir := t.TempDir()
	port := freePort(t)
	file := filepath.Join(dir, "escucha.yaml")
	yaml := fmt.Sprintf(`brand: {name: Volta, handles: [volta, volta_ayuda]}
ceo: {name: Elena Ruiz, handles: [elenaruiz]}
data_dir: %s
http: {addr: ""}
nats: {embedded: {port: %d, websocket_port: 0}}
sources:
  - {name: x, type: x, interval: 100ms, x: {base_url: %s, bearer_token: {env: ESCUCHA_TEST_X_TOKEN}}}
recipients:
  elena: {name: Elena, password: {env: ESCUCHA_TEST_ELENA_PW}}
routes:
  - {name: ceo, match: {ceo: true}, recipients: [elena]}
`, filepath.Join(dir, "data"), port, xs.URL())
	require.NoError(t, os.WriteFile(file, []byte(yaml), 0o600))
	cfg, err := config.Load(config.LoadOptions{File: file})
	require.NoError(t, err)
	a := startDaemon(t, cfg)

	// Elena's phone logs in with her own credentials and gets the alert.
	nc, err := nats.Connect(a.Broker().ClientURL(), nats.UserInfo("elena", "elena-phone-pw"), nats.CustomInboxPrefix("_INBOX_elena"))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	sub, err := nc.SubscribeSync("escucha.alerts.elena")
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	xs.AddTweet(testutil.Tweet{Text: ceoComplaint, Username: "cliente_ana", Followers: 10}) // after the phone listens
	al, _ := nextAlert(t, sub)

	// The CLI, while the daemon holds the store, acts and reports through it.
	var out, errOut bytes.Buffer
	code := runCLI(t, &out, &errOut, "ack", al.ID, "--config", file)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "ack")
	out.Reset()
	code = runCLI(t, &out, &errOut, "report", "--config", file, "--format", "json", "--since", "1d")
	require.Equal(t, 0, code, errOut.String())
	requireReportCounts(t, out.Bytes(), 1, 1)
	out.Reset()
	code = runCLI(t, &out, &errOut, "ack", al.ID, "--config", file)
	require.Equal(t, 0, code, "a second ack is accepted and changes nothing: %s", errOut.String())
	rec, err := a.Store().Alert(context.Background(), al.ID)
	require.NoError(t, err)
	require.False(t, rec.AckedAt.IsZero())
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestBrandReplyMarksTheMentionRespondedAndTheReportShowsIt(t *testing.T) {
	xs := testutil.NewXServer(t)
	addAccounts(xs)
	posted := time.Now().Add(-30 * time.Minute).UTC().Truncate(time.Second)
	tw := xs.AddTweet(testutil.Tweet{Text: ceoComplaint, Username: "cliente_ana", CreatedAt: posted})
	cfg := daemonConfig(t, xs, "v2")
	a := startDaemon(t, cfg)
	key := escucha.MentionKey("x", tw.ID)
	require.Eventually(t, func() bool {
		rec, err := a.Store().Mention(context.Background(), key)
		return err == nil && !rec.Ledger.NotifiedAt.IsZero()
	}, 20*time.Second, 20*time.Millisecond)

	// The brand answers in public, from whatever app: the listener finds the
	// reply on the brand's own timeline.
	reply := xs.AddReply("volta_ayuda", tw.ID, "@cliente_ana Hola Ana, te escribimos por DM para resolverlo hoy mismo.")
	var rec store.MentionRecord
	require.Eventually(t, func() bool {
		var err error
		rec, err = a.Store().Mention(context.Background(), key)
		return err == nil && !rec.Ledger.RespondedAt.IsZero()
	}, 20*time.Second, 20*time.Millisecond)
	require.WithinDuration(t, reply.CreatedAt, rec.Ledger.RespondedAt, time.Millisecond, "responded_at is the reply's own time (X gives milliseconds)")
	_, err := a.Store().Mention(context.Background(), escucha.MentionKey("x", reply.ID))
	require.ErrorIs(t, err, escucha.ErrNotFound, "the brand's reply is not a mention")

	nc, err := nats.Connect(a.Broker().ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	out, err := app.RequestReport(context.Background(), nc, "escucha", app.ReportRequest{Since: "1d", Format: "json"})
	require.NoError(t, err)
	var rep struct {
		Totals []struct {
			Interval string  `json:"interval"`
			Count    int     `json:"count"`
			Median   float64 `json:"median_s"`
		} `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(out, &rep), string(out))
	found := false
	for _, s := range rep.Totals {
		if s.Interval == "post_to_response" {
			found = true
			require.Equal(t, 1, s.Count, string(out))
			require.InDelta(t, reply.CreatedAt.Sub(posted).Seconds(), s.Median, 1, string(out))
		}
	}
	require.True(t, found, string(out))
}
