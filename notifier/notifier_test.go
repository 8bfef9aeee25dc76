package notifier

import (
	"context"
	"encoding/json"
	"errors"
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

var _ Outbox = (*store.Store)(nil)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "escucha.db"), store.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return st
}

// sample is a high complaint to the CEO: the default routes alert elena
// and comms.
func sample(id string) (escucha.Mention, escucha.Verdict) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	m := escucha.Mention{
		Source: "x", ID: id, URL: "https://x.com/ana/status/" + id, Lang: "es",
		Text:     "@elenaruiz llevo 3 semanas esperando la devolución",
		Author:   escucha.Author{Handle: "ana", Name: "Ana", Followers: 1234},
		PostedAt: now.Add(-time.Minute), FetchedAt: now.Add(-time.Second),
	}
	v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, Lang: "es", CEO: true, Score: 0.9,
		Rules: []escucha.RuleHit{{ID: "es.complaint.espera"}}, ClassifiedAt: now}
	return m, v
}

// commit stores a mention with the alerts the default routes build, as the
// pipeline does, and returns those alerts.
func commit(t *testing.T, st *store.Store, m escucha.Mention, v escucha.Verdict) []escucha.Alert {
	t.Helper()
	r, err := NewRouter(config.Default())
	require.NoError(t, err)
	alerts := r.Route(m, v, time.Now())
	require.NotEmpty(t, alerts)
	res, err := st.Commit(t.Context(), store.Batch{Source: m.Source, Items: []store.Item{{Mention: m, Verdict: v, Alerts: alerts}}})
	require.NoError(t, err)
	require.Len(t, res.New, 1)
	return alerts
}

type running struct {
	n      *Notifier
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
}

// start runs a notifier until the test ends and waits for its streams.
func start(t *testing.T, nc *nats.Conn, st Outbox, tune func(*Notifier)) *running {
	t.Helper()
	if tune == nil {
		return startRouted(t, nc, st, nil, nil)
	}
	return startRouted(t, nc, st, nil, nil, tune)
}

func (r *running) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		panic(err)
	}
}

func streamMsgs(t *testing.T, nc *nats.Conn, name string) uint64 {
	t.Helper()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	s, err := js.Stream(t.Context(), name)
	require.NoError(t, err)
	info, err := s.Info(t.Context())
	require.NoError(t, err)
	return info.State.Msgs
}

func TestPublishesPendingAlerts(t *testing.T) {
	ns, nc := testutil.RunJetStream(t)
	st := openStore(t)

	// A phone: a plain subscriber on another connection.
	phone, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	defer phone.Close()
	sub, err := phone.SubscribeSync("escucha.alerts.>")
	require.NoError(t, err)
	require.NoError(t, phone.Flush())

	r := start(t, nc, st, nil)
	m, v := sample("1861")
	alerts := commit(t, st, m, v)
	r.n.Kick()

	got := map[string]*nats.Msg{}
	for range alerts {
		msg, err := sub.NextMsg(10 * time.Second)
		require.NoError(t, err)
		got[msg.Subject] = msg
	}
	for _, want := range alerts {
		msg := got["escucha.alerts."+want.Recipient]
		require.NotNil(t, msg, want.Recipient)
		require.Equal(t, want.ID, msg.Header.Get(jetstream.MsgIDHeader))

		// The DESIGN schema, field by field.
		var raw map[string]any
		require.NoError(t, json.Unmarshal(msg.Data, &raw))
		require.Equal(t, want.ID, raw["id"])
		require.Equal(t, want.Recipient, raw["recipient"])
		require.EqualValues(t, 0, raw["escalation"])
		require.Equal(t, "complaint", raw["label"])
		require.Equal(t, "high", raw["severity"])
		require.Equal(t, true, raw["ceo"])
		require.Equal(t, []any{"es.complaint.espera"}, raw["rules"])
		require.Equal(t, want.Title, raw["title"])
		require.Contains(t, raw["url"], "/alerts/x%2F1861%2F")
		mention := raw["mention"].(map[string]any)
		require.Equal(t, "x", mention["source"])
		require.Equal(t, "1861", mention["id"])
		require.Equal(t, m.Text, mention["text"])
		require.Equal(t, map[string]any{"handle": "ana", "name": "Ana", "followers": 1234.0}, mention["author"])
		notifiedAt, err := time.Parse(time.RFC3339Nano, raw["notified_at"].(string))
		require.NoError(t, err)

		// The store shows it notified at the published time.
		require.Eventually(t, func() bool {
			rec, err := st.Alert(t.Context(), want.ID)
			return err == nil && rec.NotifiedAt.Equal(notifiedAt)
		}, 5*time.Second, 10*time.Millisecond)
	}
	require.Eventually(t, func() bool {
		p, err := st.PendingAlerts(t.Context(), 0)
		return err == nil && len(p) == 0
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, uint64(2), streamMsgs(t, nc, "ESCUCHA_ALERTS"))
	require.Equal(t, 1.0, promtest.ToFloat64(r.n.m.published.WithLabelValues("elena")))
	require.Equal(t, 1.0, promtest.ToFloat64(r.n.m.published.WithLabelValues("comms")))
	require.Equal(t, 1, promtest.CollectAndCount(r.reg, "escucha_publish_latency_seconds"))
	require.Equal(t, 0.0, promtest.ToFloat64(r.n.m.pending))
	rec, err := st.Mention(t.Context(), m.Key())
	require.NoError(t, err)
	require.False(t, rec.Ledger.NotifiedAt.IsZero())
}

func TestRepublishStoresOneMessage(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	m, v := sample("42")

	// First run publishes and marks the alerts.
	st1 := openStore(t)
	alerts := commit(t, st1, m, v)
	r1 := start(t, nc, st1, nil)
	r1.n.Kick()
	require.Eventually(t, func() bool {
		p, err := st1.PendingAlerts(t.Context(), 0)
		return err == nil && len(p) == 0
	}, 10*time.Second, 10*time.Millisecond)
	r1.stop()

	// A store that still has them pending (a crash between publish and
	// mark) publishes them again: JetStream keeps one copy of each.
	st2 := openStore(t)
	commit(t, st2, m, v)
	r2 := start(t, nc, st2, nil)
	r2.n.Kick()
	require.Eventually(t, func() bool {
		p, err := st2.PendingAlerts(t.Context(), 0)
		return err == nil && len(p) == 0
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, uint64(len(alerts)), streamMsgs(t, nc, "ESCUCHA_ALERTS"))
}

func TestActions(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	st := openStore(t)
	r := start(t, nc, st, nil)
	m, v := sample("7")
	alerts := commit(t, st, m, v)
	elenaAlert := alerts[0]
	require.Equal(t, "elena", elenaAlert.Recipient)

	events, err := nc.SubscribeSync("escucha.events")
	require.NoError(t, err)
	require.NoError(t, nc.Flush())

	// ack through SendAction, as `escucha ack ID` does.
	before := time.Now()
	rep, err := SendAction(t.Context(), nc, "escucha", escucha.Action{AlertID: elenaAlert.ID, Action: escucha.ActionAck, By: "mallory"})
	require.NoError(t, err)
	require.Equal(t, escucha.ActionReply{OK: true}, rep)
	rec, err := st.Alert(t.Context(), elenaAlert.ID)
	require.NoError(t, err)
	require.False(t, rec.AckedAt.Before(before), "acked_at is set to now")
	require.Len(t, rec.Actions, 1)
	require.Equal(t, "elena", rec.Actions[0].By, "By comes from the subject, not the body")
	mrec, err := st.Mention(t.Context(), m.Key())
	require.NoError(t, err)
	require.Equal(t, rec.AckedAt, mrec.Ledger.AckedAt)

	ev := nextEvent(t, events, "acked")
	require.Equal(t, elenaAlert.ID, ev.AlertID)
	require.Equal(t, "elena", ev.By)

	// responded and resolved with an explicit time land in the ledger.
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	for _, kind := range []escucha.ActionKind{escucha.ActionResponded, escucha.ActionResolved} {
		_, err := SendAction(t.Context(), nc, "escucha", escucha.Action{AlertID: elenaAlert.ID, Action: kind, At: at, Note: "llamada"})
		require.NoError(t, err)
	}
	mrec, err = st.Mention(t.Context(), m.Key())
	require.NoError(t, err)
	require.True(t, mrec.Ledger.RespondedAt.Equal(at))
	require.True(t, mrec.Ledger.ResolvedAt.Equal(at))

	// Refusals, as raw requests a phone would send.
	cases := []struct {
		name, subject, body, want string
	}{
		{"another recipient's alert", "escucha.actions.comms", `{"alert_id":"` + elenaAlert.ID + `","action":"ack"}`, `is not addressed to comms`},
		{"unknown alert", "escucha.actions.elena", `{"alert_id":"x/999/elena/0","action":"ack"}`, `unknown alert "x/999/elena/0"`},
		{"bad JSON", "escucha.actions.elena", `{"alert_id":`, `invalid action JSON`},
		{"unknown action", "escucha.actions.elena", `{"alert_id":"` + elenaAlert.ID + `","action":"delete"}`, `unknown action "delete"`},
		{"missing alert id", "escucha.actions.elena", `{"action":"ack"}`, `alert_id is required`},
		{"malformed alert id", "escucha.actions.elena", `{"alert_id":"nope","action":"ack"}`, `malformed alert_id`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, err := nc.Request(c.subject, []byte(c.body), 5*time.Second)
			require.NoError(t, err)
			var rep escucha.ActionReply
			require.NoError(t, json.Unmarshal(msg.Data, &rep))
			require.False(t, rep.OK)
			require.Contains(t, rep.Error, c.want)
		})
	}
	rec, err = st.Alert(t.Context(), elenaAlert.ID)
	require.NoError(t, err)
	require.Len(t, rec.Actions, 3, "refused actions are not recorded")

	_, err = SendAction(t.Context(), nc, "escucha", escucha.Action{AlertID: "x/999/elena/0", Action: escucha.ActionAck})
	require.ErrorIs(t, err, escucha.ErrNotFound)
	_, err = SendAction(t.Context(), nc, "escucha", escucha.Action{AlertID: elenaAlert.ID, Action: "delete"})
	require.ErrorIs(t, err, escucha.ErrInvalidAction)
	_, err = SendAction(t.Context(), nc, "escucha", escucha.Action{AlertID: "nope", Action: escucha.ActionAck})
	require.ErrorIs(t, err, escucha.ErrInvalidAction)

	require.Equal(t, 1.0, promtest.ToFloat64(r.n.m.actions.WithLabelValues("ack", "ok")))
	require.Equal(t, 1.0, promtest.ToFloat64(r.n.m.actions.WithLabelValues("ack", "forbidden")))
	require.Equal(t, 2.0, promtest.ToFloat64(r.n.m.actions.WithLabelValues("ack", "not_found")))
	require.Equal(t, 3.0, promtest.ToFloat64(r.n.m.actions.WithLabelValues("unknown", "invalid")))
	require.Equal(t, 2.0, promtest.ToFloat64(r.n.m.actions.WithLabelValues("ack", "invalid")))

	// With no daemon, SendAction says so.
	r.stop()
	require.Eventually(t, func() bool {
		_, err = SendAction(t.Context(), nc, "escucha", escucha.Action{AlertID: elenaAlert.ID, Action: escucha.ActionAck})
		return errors.Is(err, nats.ErrNoResponders)
	}, 5*time.Second, 10*time.Millisecond)
	require.ErrorContains(t, err, "no escucha daemon answers on escucha.actions.elena")
}

func nextEvent(t *testing.T, sub *nats.Subscription, typ string) Event {
	t.Helper()
	for {
		msg, err := sub.NextMsg(5 * time.Second)
		require.NoError(t, err)
		var ev Event
		require.NoError(t, json.Unmarshal(msg.Data, &ev))
		if ev.Type == typ {
			return ev
		}
	}
}

func TestAlertWaitsWhileNATSIsDown(t *testing.T) {
	storeDir := t.TempDir()
	port := freePort(t)
	ns := testutil.RunJetStreamServer(t, storeDir, port)
	nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	st := openStore(t)
	r := start(t, nc, st, func(n *Notifier) {
		n.attempt = 200 * time.Millisecond
		n.retryMax = 200 * time.Millisecond
	})

	ns.Shutdown()
	ns.WaitForShutdown()
	m, v := sample("99")
	alerts := commit(t, st, m, v)
	r.n.Kick()

	require.Eventually(t, func() bool {
		return promtest.ToFloat64(r.n.m.publishErrors) >= 2
	}, 10*time.Second, 10*time.Millisecond)
	pending, err := st.PendingAlerts(t.Context(), 0)
	require.NoError(t, err)
	require.Len(t, pending, len(alerts), "nothing is dropped while NATS is down")

	// The broker comes back on the same store: the alerts are published.
	testutil.RunJetStreamServer(t, storeDir, port)
	require.Eventually(t, func() bool {
		p, err := st.PendingAlerts(t.Context(), 0)
		return err == nil && len(p) == 0
	}, 20*time.Second, 20*time.Millisecond)
	require.Equal(t, uint64(len(alerts)), streamMsgs(t, nc, "ESCUCHA_ALERTS"))
}

func TestPublishMention(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	r := start(t, nc, openStore(t), nil)
	sub, err := nc.SubscribeSync("escucha.mentions.x")
	require.NoError(t, err)
	m, v := sample("5")
	require.NoError(t, r.n.PublishMention(t.Context(), m, v))
	require.NoError(t, r.n.PublishMention(t.Context(), m, v))
	msg, err := sub.NextMsg(5 * time.Second)
	require.NoError(t, err)
	require.Equal(t, m.Key(), msg.Header.Get(jetstream.MsgIDHeader))
	var got MentionMessage
	require.NoError(t, json.Unmarshal(msg.Data, &got))
	require.Equal(t, m.Text, got.Mention.Text)
	require.Equal(t, escucha.SeverityHigh, got.Verdict.Severity)
	require.Equal(t, uint64(1), streamMsgs(t, nc, "ESCUCHA_MENTIONS"), "the second publish is a duplicate")

	m.Source = "bad.source"
	require.ErrorContains(t, r.n.PublishMention(t.Context(), m, v), "not a subject token")
}

func TestNewOptions(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	_, err := New(Options{Outbox: openStore(t)})
	require.ErrorContains(t, err, "no NATS connection")
	_, err = New(Options{Conn: nc})
	require.ErrorContains(t, err, "no outbox")
	_, err = New(Options{Conn: nc, Outbox: openStore(t), Prefix: "a.*"})
	require.ErrorContains(t, err, `invalid subject prefix "a.*"`)
	a, m, e := StreamNames("acme-escucha")
	require.Equal(t, []string{"ACME-ESCUCHA_ALERTS", "ACME-ESCUCHA_MENTIONS", "ACME-ESCUCHA_EVENTS"}, []string{a, m, e})
}

func TestUnpublishableAlertDoesNotBlockOthers(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	st := openStore(t)
	m, v := sample("1")
	bad := escucha.Alert{ID: escucha.AlertID(m.Key(), "ops.team", 0), Recipient: "ops.team", Label: v.Label, Mention: m, CreatedAt: time.Now()}
	_, err := st.Commit(t.Context(), store.Batch{Source: "x", Items: []store.Item{{Mention: m, Verdict: v, Alerts: []escucha.Alert{bad}}}})
	require.NoError(t, err)
	m2, v2 := sample("2")
	good := commit(t, st, m2, v2)

	r := start(t, nc, st, nil)
	r.n.Kick()
	require.Eventually(t, func() bool {
		p, err := st.PendingAlerts(t.Context(), 0)
		return err == nil && len(p) == 1 && p[0].ID == bad.ID
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, uint64(len(good)), streamMsgs(t, nc, "ESCUCHA_ALERTS"))
}
