package notifier

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	promtest "github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
)

// clock is a settable clock for the notifier: fatigue control reads it,
// and the tests move it and Kick instead of waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// settle kicks the publisher until the outbox is empty and nothing held is
// due at the clock's time.
func settle(t *testing.T, run *running, st *store.Store, now time.Time) {
	t.Helper()
	require.Eventually(t, func() bool {
		run.n.Kick()
		p, err := st.PendingAlerts(t.Context(), 0)
		if err != nil || len(p) > 0 {
			return false
		}
		due, err := st.HeldAlerts(t.Context(), now, 0)
		return err == nil && len(due) == 0
	}, 10*time.Second, 5*time.Millisecond)
}

// collect returns the messages received so far.
func collect(t *testing.T, sub *nats.Subscription) []Message {
	t.Helper()
	var out []Message
	for {
		n, _, err := sub.Pending()
		require.NoError(t, err)
		if n == 0 {
			return out
		}
		out = append(out, nextMessage(t, sub))
	}
}

func TestBurstOf200ComplaintsIsGrouped(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	st := openStore(t)
	r := fatigueRouter(t, func(cfg *config.Config) { cfg.Alerting.Budget.PerHour = 6 })
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	phone, err := nc.SubscribeSync("escucha.alerts.comms")
	require.NoError(t, err)
	run := startRouted(t, nc, st, r, clk.Now)

	// 200 complaints about chargers in 5 minutes, 10 every 15 seconds.
	var ids []string
	for round := range 20 {
		now := t0.Add(time.Duration(round) * 15 * time.Second)
		clk.Set(now)
		var items []store.Item
		for i := range 10 {
			n := round*10 + i
			m := escucha.Mention{Source: "x", ID: fmt.Sprint(n), Lang: "es", Text: fmt.Sprintf("el cargador de la estación %d no carga", n),
				Author: escucha.Author{Handle: fmt.Sprint("cliente", n)}, PostedAt: now, FetchedAt: now}
			v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium, Lang: "es",
				Rules: []escucha.RuleHit{{ID: "es.complaint.averia"}}, ClassifiedAt: now}
			alerts := r.Route(m, v, now)
			require.Len(t, alerts, 1)
			ids = append(ids, alerts[0].ID)
			items = append(items, store.Item{Mention: m, Verdict: v, Alerts: alerts})
		}
		_, err := st.Commit(t.Context(), store.Batch{Source: "x", Items: items})
		require.NoError(t, err)
		settle(t, run, st, now)
	}
	// The window closes; the last update goes out.
	end := t0.Add(15 * time.Minute)
	clk.Set(end)
	settle(t, run, st, end)
	held, err := st.HeldAlerts(t.Context(), time.Time{}, 0)
	require.NoError(t, err)
	require.Empty(t, held)

	msgs := collect(t, phone)
	require.LessOrEqual(t, len(msgs), 5, "a handful of pushes, not 200")
	// The first complaint, then an update every group_update (2m): at
	// 2:00, 4:00 and, for the tail, when the clock moves on.
	require.Len(t, msgs, 4)
	head := msgs[0]
	require.Equal(t, ids[0], head.ID)
	require.NotNil(t, head.Group)
	require.Equal(t, 1, head.Group.Revision)
	last := msgs[len(msgs)-1]
	require.Equal(t, head.Group.ID, last.Group.ID)
	require.Equal(t, head.Group.ID+"/4", last.ID)
	require.Equal(t, 4, last.Group.Revision)
	require.Equal(t, 200, last.Group.Count)
	require.Len(t, last.Group.MentionIDs, 200)
	require.Equal(t, "x/0", last.Group.MentionIDs[0])
	require.Equal(t, "200 complaints about “cargador” in the last 5 min", last.Title)
	require.Equal(t, "comms", last.Recipient)
	require.Equal(t, escucha.LabelComplaint, last.Label)
	for i, m := range msgs[1:] {
		require.Equal(t, i+2, m.Group.Revision)
		require.Greater(t, m.Group.Count, msgs[i].Group.Count)
	}

	// Every complaint is in the store, notified when the push or update
	// that carried it went out.
	for i, id := range ids {
		rec, err := st.Alert(t.Context(), id)
		require.NoError(t, err)
		require.False(t, rec.NotifiedAt.IsZero(), id)
		if i == 0 {
			require.Equal(t, t0, rec.NotifiedAt)
		}
	}
	rec, err := st.Alert(t.Context(), ids[199])
	require.NoError(t, err)
	require.Equal(t, end, rec.NotifiedAt)
	require.Equal(t, 199.0, promtest.ToFloat64(run.n.m.grouped))

	// Acking the group update acks every complaint of the group.
	require.NoError(t, run.n.Act(t.Context(), escucha.Action{AlertID: last.ID, Action: escucha.ActionAck, By: "comms"}))
	for _, id := range ids {
		rec, err := st.Alert(t.Context(), id)
		require.NoError(t, err)
		require.False(t, rec.AckedAt.IsZero(), id)
	}
	require.ErrorIs(t, run.n.Act(t.Context(), escucha.Action{AlertID: "group/0000/comms/2", Action: escucha.ActionAck}), escucha.ErrNotFound)
}

func TestBudgetDigestAndQuietHours(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	st := openStore(t)
	r := fatigueRouter(t, func(cfg *config.Config) {
		cfg.Alerting.Budget.PerHour = 2
		e := cfg.Recipients["elena"]
		e.QuietHours = &config.QuietHours{Start: "22:00", End: "07:00"}
		cfg.Recipients["elena"] = e
	})
	madrid, err := time.LoadLocation("Europe/Madrid")
	require.NoError(t, err)
	day := time.Date(2026, 11, 20, 11, 0, 0, 0, madrid)
	clk := &clock{t: day}
	phone, err := nc.SubscribeSync("escucha.alerts.>")
	require.NoError(t, err)
	run := startRouted(t, nc, st, r, clk.Now)

	post := func(id, text string, sev escucha.Severity, ceo bool, rule string) string {
		now := clk.Now()
		m := escucha.Mention{Source: "x", ID: id, Lang: "es", Text: text, Author: escucha.Author{Handle: "u" + id}, PostedAt: now, FetchedAt: now}
		v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: sev, Lang: "es", CEO: ceo, Rules: []escucha.RuleHit{{ID: rule}}, ClassifiedAt: now}
		alerts := r.Route(m, v, now)
		require.Len(t, alerts, 1)
		_, err := st.Commit(t.Context(), store.Batch{Source: "x", Items: []store.Item{{Mention: m, Verdict: v, Alerts: alerts}}})
		require.NoError(t, err)
		settle(t, run, st, now)
		return alerts[0].ID
	}

	// Budget 2 an hour: four unrelated complaints, two buzz.
	var budgetIDs []string
	for i := range 4 {
		clk.Set(day.Add(time.Duration(i) * time.Minute))
		budgetIDs = append(budgetIDs, post(fmt.Sprint("b", i), "mal", escucha.SeverityHigh, false, fmt.Sprint("es.complaint.r", i)))
	}
	msgs := collect(t, phone)
	require.Equal(t, []string{budgetIDs[0], budgetIDs[1]}, []string{msgs[0].ID, msgs[1].ID})
	require.Len(t, msgs, 2)
	// The digest goes out an hour after the first held one.
	digestAt := day.Add(62 * time.Minute)
	clk.Set(digestAt)
	settle(t, run, st, digestAt)
	msgs = collect(t, phone)
	require.Len(t, msgs, 1)
	d := msgs[0]
	require.Equal(t, escucha.AlertID(fmt.Sprint("digest/", digestAt.Unix()), "comms", 0), d.ID)
	require.Equal(t, "Digest: 2 alerts held by the hourly limit", d.Title)
	require.NotNil(t, d.Digest)
	require.Equal(t, holdBudget, d.Digest.Reason)
	require.Equal(t, []string{budgetIDs[2], budgetIDs[3]}, []string{d.Digest.Alerts[0].ID, d.Digest.Alerts[1].ID})
	for _, id := range budgetIDs[2:] {
		rec, err := st.Alert(t.Context(), id)
		require.NoError(t, err)
		require.True(t, rec.NotifiedAt.Equal(digestAt), "notified when the digest went out")
	}
	require.Equal(t, 2.0, promtest.ToFloat64(run.n.m.digested))

	// Quiet hours for elena (CEO mentions): held, except the critical one.
	night := time.Date(2026, 11, 21, 0, 30, 0, 0, madrid)
	clk.Set(night)
	var quietIDs []string
	for i := range 3 {
		quietIDs = append(quietIDs, post(fmt.Sprint("q", i), fmt.Sprint("@elenaruiz queja ", i), escucha.SeverityHigh, true, "es.complaint.r"))
	}
	critical := post("qc", "@elenaruiz incendio en la estación", escucha.SeverityCritical, true, "es.complaint.fuego")
	msgs = collect(t, phone)
	require.Len(t, msgs, 1)
	require.Equal(t, critical, msgs[0].ID, "critical overrides quiet hours")
	require.Equal(t, 3.0, promtest.ToFloat64(run.n.m.heldQuiet))
	morning := time.Date(2026, 11, 21, 7, 0, 0, 0, madrid)
	clk.Set(morning)
	settle(t, run, st, morning)
	msgs = collect(t, phone)
	require.Len(t, msgs, 1)
	require.Equal(t, "elena", msgs[0].Recipient)
	require.Equal(t, "Resumen de las horas de silencio: 3 alertas", msgs[0].Title)
	require.Equal(t, holdQuiet, msgs[0].Digest.Reason)
	require.Len(t, msgs[0].Digest.Alerts, 3)
	for _, id := range quietIDs {
		rec, err := st.Alert(t.Context(), id)
		require.NoError(t, err)
		require.True(t, rec.NotifiedAt.Equal(morning))
	}
}
