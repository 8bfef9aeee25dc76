package notifier

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/store"
)

// BenchmarkRoute measures routing one flagged mention with the default
// routes (two alerts, titles in Spanish).
func BenchmarkRoute(b *testing.B) {
	r, err := NewRouter(config.Default())
	require.NoError(b, err)
	m, v := sample("1")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if len(r.Route(m, v, now)) != 2 {
			b.Fatal("want 2 alerts")
		}
	}
}

// BenchmarkDrain measures the outbox → JetStream path as the daemon runs
// it: an in-process embedded server with file storage and a real store
// with fsync on. Each op is one alert published and marked notified.
func BenchmarkDrain(b *testing.B) {
	ns, err := server.NewServer(&server.Options{DontListen: true, JetStream: true, StoreDir: b.TempDir(), NoSigs: true, NoLog: true})
	require.NoError(b, err)
	ns.Start()
	defer ns.Shutdown()
	require.True(b, ns.ReadyForConnections(5*time.Second))
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	require.NoError(b, err)
	defer nc.Close()
	st, err := store.Open(filepath.Join(b.TempDir(), "escucha.db"), store.Options{})
	require.NoError(b, err)
	defer st.Close()
	r, err := NewRouter(config.Default())
	require.NoError(b, err)

	// Fill the outbox before the clock starts: one alert per op.
	var items []store.Item
	for i := 0; len(items)*2 < b.N; i++ {
		m, v := sample(strconv.Itoa(i))
		items = append(items, store.Item{Mention: m, Verdict: v, Alerts: r.Route(m, v, time.Now())})
	}
	_, err = st.Commit(b.Context(), store.Batch{Source: "x", Items: items})
	require.NoError(b, err)
	total := len(items) * 2

	n, err := New(Options{Conn: nc, Outbox: st})
	require.NoError(b, err)
	require.NoError(b, ensureStreams(b.Context(), n.js, n.prefix, n.window))
	b.ResetTimer()
	n.drain(b.Context())
	b.StopTimer()
	p, err := st.PendingAlerts(b.Context(), 0)
	require.NoError(b, err)
	require.Empty(b, p)
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "alerts/s")
}
