package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/app"
	"github.com/escucha/escucha/config"
)

// demoConfig is what `escucha run --demo` runs, on free ports and a temp dir.
func demoConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{Demo: true})
	require.NoError(t, err)
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.NATS.Embedded.Port = -1
	cfg.NATS.Embedded.WebsocketPort = -1
	return cfg
}

func TestDemoDaemonAlertsServesHTTPAndStopsCleanly(t *testing.T) {
	cfg := demoConfig(t)
	a, err := app.New(app.Options{Config: cfg, StoreNoSync: true})
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, a.Start(context.Background()))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = a.Stop(context.Background())
		}
	})

	nc, err := nats.Connect(a.Broker().ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	sub, err := nc.SubscribeSync("escucha.alerts.>")
	require.NoError(t, err)

	// DESIGN.md: the demo publishes its first alert within 10 seconds.
	msg, err := sub.NextMsg(30 * time.Second)
	require.NoError(t, err, "the demo published no alert")
	t.Logf("first demo alert %s after start", time.Since(start).Round(time.Millisecond))
	var al escucha.Alert
	require.NoError(t, json.Unmarshal(msg.Data, &al))
	require.True(t, al.Label == escucha.LabelComplaint || al.Label == escucha.LabelSuggestion)
	require.NotEmpty(t, al.Mention.Text)
	require.Contains(t, al.URL, "/alerts/")

	base := "http://" + a.HTTPAddr()
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, _ := get("/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Eventually(t, func() bool { c, _ := get("/readyz"); return c == http.StatusOK }, 20*time.Second, 50*time.Millisecond)
	// The publisher counts an alert once JetStream has acknowledged it,
	// which may be just after a subscriber received it.
	require.Eventually(t, func() bool {
		code, metrics := get("/metrics")
		if code != http.StatusOK {
			return false
		}
		for _, name := range []string{
			"escucha_source_polls_total", "escucha_source_mentions_total", "escucha_verdicts_total",
			"escucha_alerts_published_total", "escucha_publish_latency_seconds_count",
		} {
			if !strings.Contains(metrics, name) {
				return false
			}
		}
		return !strings.Contains(metrics, "escucha_publish_latency_seconds_count 0")
	}, 10*time.Second, 20*time.Millisecond, "metrics of every stage")
	code, page := get("/m/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, strings.ToLower(page), "<html")
	login, pw := a.DemoCredentials()
	require.Equal(t, "admin", login)
	require.NotEmpty(t, pw)

	// An alert can be acknowledged through the daemon, as a phone does.
	body, err := json.Marshal(escucha.Action{AlertID: al.ID, Action: escucha.ActionAck})
	require.NoError(t, err)
	reply, err := nc.Request("escucha.actions."+al.Recipient, body, 5*time.Second)
	require.NoError(t, err)
	var r escucha.ActionReply
	require.NoError(t, json.Unmarshal(reply.Data, &r))
	require.True(t, r.OK, r.Error)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, a.Stop(ctx))
	stopped = true
	require.NoError(t, a.Stop(ctx), "Stop is idempotent")
	_, err = http.Get(base + "/healthz")
	require.Error(t, err, "the web server is down after Stop")
}

func TestStartFailsClearlyWhenTheHTTPAddressIsTaken(t *testing.T) {
	first := demoConfig(t)
	a, err := app.New(app.Options{Config: first, StoreNoSync: true})
	require.NoError(t, err)
	require.NoError(t, a.Start(context.Background()))
	t.Cleanup(func() { _ = a.Stop(context.Background()) })

	second := demoConfig(t)
	second.HTTP.Addr = a.HTTPAddr()
	b, err := app.New(app.Options{Config: second, StoreNoSync: true})
	require.NoError(t, err)
	err = b.Start(context.Background())
	require.Error(t, err)
	require.Contains(t, err.Error(), "http.addr")
	require.Contains(t, err.Error(), a.HTTPAddr())
}
