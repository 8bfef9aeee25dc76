package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	promtest "github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
)

// Escalation runs on real JetStream message schedules, whose clock is the
// server's and whose resolution is one second, so these tests run in real
// time with steps of one or two seconds; the ladder logic itself is tested
// with explicit times in fatigue_test.go.

// ladderRouter sends CEO mentions to elena, escalating to deputy, then
// comms, each step `after` after the previous one; grouping is off, so
// distinct mentions (see distinct) buzz on their own.
func ladderRouter(t *testing.T, after time.Duration, steps int) *Router {
	t.Helper()
	cfg := config.Default()
	cfg.Recipients = map[string]config.Recipient{
		"elena":  {Name: "Elena", Language: "es"},
		"deputy": {Name: "Deputy", Language: "en"},
		"comms":  {Name: "Comms", Language: "es"},
	}
	ladder := []config.EscalationStep{{After: after, Recipients: []string{"deputy"}}, {After: after, Recipients: []string{"comms"}}}
	cfg.Routes = []config.Route{{Name: "ceo", Match: config.Match{CEO: yes()}, Recipients: []string{"elena"},
		RouteAlerting: config.RouteAlerting{Group: config.Grouping{Off: true}, Escalation: config.Escalation{Steps: ladder[:steps]}}}}
	r, err := NewRouter(cfg)
	require.NoError(t, err)
	return r
}

// startRouted runs a notifier (with a router when r is not nil) until the
// test ends, and returns once it has started.
func startRouted(t *testing.T, nc *nats.Conn, st Outbox, r *Router, now func() time.Time, tune ...func(*Notifier)) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	n, err := New(Options{Conn: nc, Outbox: st, Registerer: reg, Router: r, Now: now})
	require.NoError(t, err)
	for _, f := range tune {
		f(n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{n: n, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { run.done <- n.Run(ctx) }()
	t.Cleanup(run.stop)
	// Run is past its start-up steps (streams, and with a router the fatigue
	// state and the escalation consumer) only when it has had the replies:
	// a stream or consumer can exist on the server a moment earlier, and
	// tests that stop the broker next need Run in its publish loop.
	select {
	case <-n.started:
	case <-time.After(10 * time.Second):
		t.Fatal("notifier did not finish starting")
	}
	return run
}

// commitRouted stores a mention with the alerts r builds, as the pipeline does.
func commitRouted(t *testing.T, st *store.Store, r *Router, m escucha.Mention, v escucha.Verdict) []escucha.Alert {
	t.Helper()
	alerts := r.Route(m, v, time.Now())
	require.NotEmpty(t, alerts)
	res, err := st.Commit(t.Context(), store.Batch{Source: m.Source, Items: []store.Item{{Mention: m, Verdict: v, Alerts: alerts}}})
	require.NoError(t, err)
	require.Len(t, res.New, 1)
	return alerts
}

func nextMessage(t *testing.T, sub *nats.Subscription) Message {
	t.Helper()
	msg, err := sub.NextMsg(10 * time.Second)
	require.NoError(t, err)
	var m Message
	require.NoError(t, json.Unmarshal(msg.Data, &m))
	require.Equal(t, m.ID, msg.Header.Get(jetstream.MsgIDHeader))
	return m
}

func notifiedEventually(t *testing.T, st *store.Store, id string) store.AlertRecord {
	t.Helper()
	var rec store.AlertRecord
	require.Eventually(t, func() bool {
		var err error
		rec, err = st.Alert(t.Context(), id)
		return err == nil && !rec.NotifiedAt.IsZero()
	}, 10*time.Second, 10*time.Millisecond, id)
	return rec
}

func TestEscalationLadderRunsWithoutAck(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	st := openStore(t)
	r := ladderRouter(t, time.Second, 2)
	phone, err := nc.SubscribeSync("escucha.alerts.>")
	require.NoError(t, err)
	run := startRouted(t, nc, st, r, nil)
	m, v := sample("100")
	commitRouted(t, st, r, m, v)
	run.n.Kick()

	first := nextMessage(t, phone)
	require.Equal(t, escucha.AlertID(m.Key(), "elena", 0), first.ID)
	step1 := nextMessage(t, phone)
	require.Equal(t, escucha.AlertID(m.Key(), "deputy", 1), step1.ID)
	require.Equal(t, 1, step1.Escalation)
	require.Equal(t, "deputy", step1.Recipient)
	require.Contains(t, step1.Title, "Escalated (1) · High complaint")
	require.Equal(t, m.Text, step1.Mention.Text)
	require.GreaterOrEqual(t, step1.NotifiedAt.Sub(first.NotifiedAt), 900*time.Millisecond, "not before the step's delay")
	step2 := nextMessage(t, phone)
	require.Equal(t, escucha.AlertID(m.Key(), "comms", 2), step2.ID)
	require.Contains(t, step2.Title, "Escalado (2) · Queja alta")
	require.GreaterOrEqual(t, step2.NotifiedAt.Sub(step1.NotifiedAt), 900*time.Millisecond)

	notifiedEventually(t, st, step2.ID)
	require.Equal(t, 1.0, promtest.ToFloat64(run.n.m.escalations.WithLabelValues("1")))
	require.Equal(t, 1.0, promtest.ToFloat64(run.n.m.escalations.WithLabelValues("2")))
	// The ladder is over: no timer is left.
	s, err := run.n.js.Stream(t.Context(), TimersStreamName("escucha"))
	require.NoError(t, err)
	_, err = s.GetLastMsgForSubject(t.Context(), run.n.timerSubject(m.Key()))
	require.ErrorIs(t, err, jetstream.ErrMsgNotFound)
	rec, err := st.Mention(t.Context(), m.Key())
	require.NoError(t, err)
	require.Equal(t, []string{"elena", "deputy", "comms"}, rec.Recipients())
}

func TestActionsStopOrDelayEscalation(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	st := openStore(t)
	r := ladderRouter(t, time.Second, 1)
	run := startRouted(t, nc, st, r, nil)

	// Committed in this order, so their steps are due in this order; the
	// control mention, last, is the one left alone.
	acked, _ := distinct("acked")
	responded, _ := distinct("responded")
	snoozed, _ := distinct("snoozed")
	control, v := distinct("control")
	for _, m := range []escucha.Mention{acked, responded, snoozed, control} {
		commitRouted(t, st, r, m, v)
	}
	run.n.Kick()
	for _, m := range []escucha.Mention{acked, responded, snoozed, control} {
		notifiedEventually(t, st, escucha.AlertID(m.Key(), "elena", 0))
	}

	// ack from elena's phone: the timer is purged at once.
	_, err := SendAction(t.Context(), nc, "escucha", escucha.Action{AlertID: escucha.AlertID(acked.Key(), "elena", 0), Action: escucha.ActionAck})
	require.NoError(t, err)
	s, err := run.n.js.Stream(t.Context(), TimersStreamName("escucha"))
	require.NoError(t, err)
	_, err = s.GetLastMsgForSubject(t.Context(), run.n.timerSubject(acked.Key()))
	require.ErrorIs(t, err, jetstream.ErrMsgNotFound, "an ack purges the pending step")
	// responded recorded by another path (the review page writes the
	// store): the timer stays, the step finds the ledger closed.
	require.NoError(t, st.RecordAction(t.Context(), escucha.Action{AlertID: escucha.AlertID(responded.Key(), "elena", 0), Action: escucha.ActionResponded}))
	// snooze through Act, as the review page does, for an hour.
	before := time.Now()
	require.NoError(t, run.n.Act(t.Context(), escucha.Action{AlertID: escucha.AlertID(snoozed.Key(), "elena", 0), Action: escucha.ActionSnooze, Note: "1h", By: "elena"}))
	msg, err := s.GetLastMsgForSubject(t.Context(), run.n.timerSubject(snoozed.Key()))
	require.NoError(t, err)
	var timer ladderTimer
	require.NoError(t, json.Unmarshal(msg.Data, &timer))
	require.Equal(t, 1, timer.Step)
	require.False(t, timer.Due.Before(before.Add(time.Hour)), "snoozed for an hour")

	// The control mention escalates; by then the others' steps have been
	// handled, without alerts.
	notifiedEventually(t, st, escucha.AlertID(control.Key(), "deputy", 1))
	for _, m := range []escucha.Mention{acked, responded, snoozed} {
		_, err := st.Alert(t.Context(), escucha.AlertID(m.Key(), "deputy", 1))
		require.ErrorIs(t, err, escucha.ErrNotFound, m.ID)
	}
	require.Equal(t, 1.0, promtest.ToFloat64(run.n.m.escalations.WithLabelValues("1")))

	// An unknown action or alert is refused by Act itself.
	require.ErrorIs(t, run.n.Act(t.Context(), escucha.Action{AlertID: "x/1/elena/0", Action: "delete"}), escucha.ErrInvalidAction)
	require.ErrorIs(t, run.n.Act(t.Context(), escucha.Action{AlertID: "nope", Action: escucha.ActionAck}), escucha.ErrInvalidAction)
	require.ErrorIs(t, run.n.Act(t.Context(), escucha.Action{AlertID: "x/404/elena/0", Action: escucha.ActionAck}), escucha.ErrNotFound)
}

func TestEscalationSurvivesRestart(t *testing.T) {
	storeDir, dbPath := t.TempDir(), filepath.Join(t.TempDir(), "escucha.db")
	port := pickPort(t)
	ns := testutil.RunJetStreamServer(t, storeDir, port)
	nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	st, err := store.Open(dbPath, store.Options{NoSync: true})
	require.NoError(t, err)
	r := ladderRouter(t, 2*time.Second, 1)
	run := startRouted(t, nc, st, r, nil)
	m, v := sample("restart")
	commitRouted(t, st, r, m, v)
	run.n.Kick()
	first := notifiedEventually(t, st, escucha.AlertID(m.Key(), "elena", 0))

	// Everything stops before the step is due: notifier, store, NATS.
	run.stop()
	require.NoError(t, st.Close())
	ns.Shutdown()
	ns.WaitForShutdown()

	testutil.RunJetStreamServer(t, storeDir, port)
	st2, err := store.Open(dbPath, store.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st2.Close()) })
	require.Eventually(t, nc.IsConnected, 10*time.Second, 10*time.Millisecond)
	startRouted(t, nc, st2, r, nil)
	step := notifiedEventually(t, st2, escucha.AlertID(m.Key(), "deputy", 1))
	require.Equal(t, 1, step.Escalation)
	require.GreaterOrEqual(t, step.CreatedAt.Sub(first.NotifiedAt), 1900*time.Millisecond)
	recs, err := st2.Alerts(t.Context(), store.AlertQuery{})
	require.NoError(t, err)
	require.Len(t, recs, 2, "the step ran once")
}

// distinct is sample with its own author and text.
func distinct(id string) (escucha.Mention, escucha.Verdict) {
	m, v := sample(id)
	m.Author.Handle = "user_" + id
	m.Text += " (" + id + ")"
	return m, v
}

func pickPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { require.NoError(t, l.Close()) }()
	return l.Addr().(*net.TCPAddr).Port
}

func TestRoutedAlertsDeliveredOnceAfterNATSOutage(t *testing.T) {
	storeDir := t.TempDir()
	port := pickPort(t)
	ns := testutil.RunJetStreamServer(t, storeDir, port)
	nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	st := openStore(t)
	r := ladderRouter(t, time.Hour, 1)
	run := startRouted(t, nc, st, r, nil, func(n *Notifier) {
		n.attempt = 200 * time.Millisecond
		n.retryMax = 200 * time.Millisecond
	})

	ns.Shutdown()
	ns.WaitForShutdown()
	var ids []string
	for i := range 5 {
		m, v := distinct(fmt.Sprint("outage", i))
		for _, a := range commitRouted(t, st, r, m, v) {
			ids = append(ids, a.ID)
		}
	}
	run.n.Kick()
	pending, err := st.PendingAlerts(t.Context(), 0)
	require.NoError(t, err)
	require.Len(t, pending, len(ids), "nothing is dropped while NATS is down")

	testutil.RunJetStreamServer(t, storeDir, port)
	for _, id := range ids {
		notifiedEventually(t, st, id)
	}
	require.Equal(t, uint64(len(ids)), streamMsgs(t, nc, "ESCUCHA_ALERTS"), "each alert once")
	// Each ladder was started once, after NATS came back.
	s, err := run.n.js.Stream(t.Context(), TimersStreamName("escucha"))
	require.NoError(t, err)
	info, err := s.Info(t.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(len(ids)), info.State.Msgs)
}
