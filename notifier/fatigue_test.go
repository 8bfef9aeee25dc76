package notifier

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
)

func TestQuietHours(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	require.NoError(t, err)
	night, err := newQuietHours(config.QuietHours{Start: "22:00", End: "07:00"}, "Europe/Madrid")
	require.NoError(t, err)
	lunch, err := newQuietHours(config.QuietHours{Start: "13:30", End: "15:00"}, "")
	require.NoError(t, err)
	at := func(loc *time.Location, d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, loc) }
	cases := []struct {
		name  string
		q     *quietHours
		t     time.Time
		quiet bool
		end   time.Time
	}{
		{"evening before", night, at(madrid, 20, 21, 59), false, time.Time{}},
		{"evening", night, at(madrid, 20, 22, 0), true, at(madrid, 21, 7, 0)},
		{"after midnight", night, at(madrid, 21, 3, 15), true, at(madrid, 21, 7, 0)},
		{"end is not quiet", night, at(madrid, 21, 7, 0), false, time.Time{}},
		{"utc instant read in Madrid", night, time.Date(2026, 11, 20, 21, 30, 0, 0, time.UTC), true, at(madrid, 21, 7, 0)},
		{"same-day span", lunch, at(time.UTC, 20, 14, 0), true, at(time.UTC, 20, 15, 0)},
		{"same-day span before", lunch, at(time.UTC, 20, 13, 29), false, time.Time{}},
		{"no quiet hours", nil, at(time.UTC, 20, 3, 0), false, time.Time{}},
		// 2026-10-25: Madrid goes from 03:00 CEST back to 02:00 CET; 07:00
		// is on the new wall clock.
		{"over the DST change", night, at(madrid, 24, 23, 0), true, at(madrid, 25, 7, 0)},
	}
	for _, c := range cases {
		end, quiet := c.q.until(c.t)
		require.Equal(t, c.quiet, quiet, c.name)
		require.True(t, c.end.Equal(end), "%s: end %s, want %s", c.name, end, c.end)
	}
	_, err = newQuietHours(config.QuietHours{Start: "22:00", End: "22:00"}, "")
	require.Error(t, err)
	_, err = newQuietHours(config.QuietHours{Start: "22:00", End: "07:00"}, "Mars/Olympus")
	require.Error(t, err)
}

func TestLadderSteps(t *testing.T) {
	l, err := newLadder("routes[0]", config.Escalation{Repeat: 1, Steps: []config.EscalationStep{
		{After: time.Minute, Recipients: []string{"deputy"}},
		{After: 5 * time.Minute, Recipients: []string{"elena"}},
	}}, map[string]string{"deputy": "es", "elena": "es"}, nil)
	require.NoError(t, err)
	require.Equal(t, 4, l.size())
	var got []string
	for n := 0; n <= 5; n++ {
		s, ok := l.step(n)
		got = append(got, fmt.Sprint(ok, s.after, s.recipients))
	}
	require.Equal(t, []string{"false 0s []", "true 1m0s [deputy]", "true 5m0s [elena]", "true 1m0s [deputy]", "true 5m0s [elena]", "false 0s []"}, got)

	_, err = newLadder("routes[2]", config.Escalation{Steps: []config.EscalationStep{{After: time.Minute, Recipients: []string{"bob"}}}},
		map[string]string{"elena": "es"}, []string{"elena"})
	require.ErrorContains(t, err, `routes[2].escalation.steps[0].recipients[0]: undefined recipient "bob"`)
	_, err = newLadder("routes[0]", config.Escalation{Steps: []config.EscalationStep{{Recipients: []string{"elena"}}}}, map[string]string{"elena": "es"}, nil)
	require.ErrorContains(t, err, "after: must be positive")
	none, err := newLadder("routes[0]", config.Escalation{}, nil, nil)
	require.NoError(t, err)
	require.Zero(t, none.size())
	_, ok := none.step(1)
	require.False(t, ok)
}

func TestSnoozeFor(t *testing.T) {
	def := 30 * time.Minute
	require.Equal(t, 45*time.Minute, snoozeFor("45m", def))
	require.Equal(t, 2*time.Hour, snoozeFor(" for 2h ", def))
	require.Equal(t, def, snoozeFor("en una reunión", def))
	require.Equal(t, def, snoozeFor("-5m", def))
	require.Equal(t, def, snoozeFor("9000h", def))
}

// fatigueRouter routes complaints to comms; "ceo" mentions to elena with
// grouping off.
func fatigueRouter(t *testing.T, tune func(*config.Config)) *Router {
	t.Helper()
	cfg := config.Default()
	cfg.Recipients = map[string]config.Recipient{
		"elena": {Name: "Elena", Language: "es", Timezone: "Europe/Madrid"},
		"comms": {Name: "Comms", Language: "en"},
	}
	cfg.Routes = []config.Route{
		{Name: "ceo", Match: config.Match{CEO: yes()}, Recipients: []string{"elena"},
			RouteAlerting: config.RouteAlerting{Group: config.Grouping{Off: true}}},
		{Name: "chargers", Match: config.Match{Labels: []string{"complaint"}, Keywords: []string{"cargador", "charger"}}, Recipients: []string{"comms"}},
		{Name: "flagged", Match: config.Match{Labels: []string{"complaint", "suggestion"}}, Recipients: []string{"comms"}},
	}
	if tune != nil {
		tune(&cfg)
	}
	r, err := NewRouter(cfg)
	require.NoError(t, err)
	return r
}

// complaintAlert builds the alert a router makes for a mention.
func complaintAlert(t *testing.T, r *Router, id, author, text string, sev escucha.Severity, ceo bool, rules ...string) escucha.Alert {
	t.Helper()
	m := escucha.Mention{Source: "x", ID: id, Lang: "es", Text: text, Author: escucha.Author{Handle: author}}
	v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: sev, Lang: "es", CEO: ceo}
	for _, rule := range rules {
		v.Rules = append(v.Rules, escucha.RuleHit{ID: rule})
	}
	as := r.Route(m, v, time.Now())
	require.Len(t, as, 1)
	return as[0]
}

func TestFatigueGroupsABurst(t *testing.T) {
	r := fatigueRouter(t, nil)
	f := newFatigue(r.alerting)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var pushes, held int
	dues := map[time.Time]int{}
	var groupID string
	for i := range 200 {
		now := t0.Add(time.Duration(i) * 1500 * time.Millisecond) // 200 in 5 minutes
		a := complaintAlert(t, r, fmt.Sprint(i), fmt.Sprint("user", i), fmt.Sprintf("el cargador %d no funciona", i), escucha.SeverityMedium, false, "es.complaint.averia")
		d := f.decide(a, r.routeFor(a), r.policies[a.Recipient], now)
		require.NotNil(t, d.group)
		if groupID == "" {
			groupID = d.group.ID
		}
		require.Equal(t, groupID, d.group.ID, "one group for the whole burst")
		if d.push {
			pushes++
			continue
		}
		held++
		require.Equal(t, holdGroup, d.reason)
		require.Equal(t, groupID, d.batch)
		dues[d.due]++
		if i%40 == 0 {
			// The publisher releases due updates as time goes by.
			for due := range dues {
				if !due.After(now) {
					rev, info, topic, label, ok := f.update("comms", groupID)
					require.True(t, ok)
					require.Equal(t, "cargador", topic)
					require.Equal(t, escucha.LabelComplaint, label)
					require.Equal(t, i+1, info.Count)
					f.updated("comms", groupID, rev, now)
					delete(dues, due)
				}
			}
		}
	}
	require.Equal(t, 1, pushes, "only the first complaint buzzes")
	require.Equal(t, 199, held)
	g := f.group("comms", groupID)
	require.Equal(t, 200, g.Count)
	require.Len(t, g.Mentions, 200)
	require.Len(t, f.members("comms", groupID), 200)
	require.Equal(t, "200 complaints about “cargador” in the last 5 min", groupTitle("en", g.Label, g.Count, g.Topic, g.LastAt.Sub(g.FirstAt)))
	require.Equal(t, "200 quejas sobre «cargador» en los últimos 5 min", groupTitle("es", g.Label, g.Count, g.Topic, g.LastAt.Sub(g.FirstAt)))

	// After the window a similar complaint starts a new group and buzzes.
	later := g.LastAt.Add(r.alerting.GroupWindow)
	a := complaintAlert(t, r, "late", "late", "otro cargador roto", escucha.SeverityMedium, false, "es.complaint.averia")
	d := f.decide(a, r.routeFor(a), r.policies["comms"], later)
	require.True(t, d.push)
	require.NotEqual(t, groupID, d.group.ID)
	// A complaint on other rules is not similar.
	b := complaintAlert(t, r, "other", "x", "el cargador llegó tarde", escucha.SeverityMedium, false, "es.complaint.espera")
	d = f.decide(b, r.routeFor(b), r.policies["comms"], later)
	require.True(t, d.push)
}

func TestFatigueDecidesTheSameAlertAgainAsTheFirstTime(t *testing.T) {
	r := fatigueRouter(t, nil)
	f := newFatigue(r.alerting)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	first := complaintAlert(t, r, "1", "ana", "el cargador no funciona", escucha.SeverityMedium, false, "es.complaint.averia")
	d := f.decide(first, r.routeFor(first), r.policies["comms"], t0)
	require.True(t, d.push)
	second := complaintAlert(t, r, "2", "bea", "el cargador no va", escucha.SeverityMedium, false, "es.complaint.averia")
	d2 := f.decide(second, r.routeFor(second), r.policies["comms"], t0.Add(time.Second))
	require.False(t, d2.push)

	// The first push never reached NATS (it failed, or the daemon stopped):
	// the alert is still pending and is decided again after a restart. It
	// still starts its group and buzzes, and is not counted twice.
	again := f.decide(first, r.routeFor(first), r.policies["comms"], t0.Add(30*time.Second))
	require.True(t, again.push, "a retried first alert of a group still buzzes")
	require.Equal(t, d.group.ID, again.group.ID)
	require.Equal(t, 2, again.group.Count)
	held := f.decide(second, r.routeFor(second), r.policies["comms"], t0.Add(31*time.Second))
	require.False(t, held.push)
	require.Equal(t, d2.due, held.due, "a retried member keeps its group update time")
	require.Equal(t, 2, held.group.Count)
}

func TestFatigueGroupUpdatesAreSpaced(t *testing.T) {
	r := fatigueRouter(t, nil)
	f := newFatigue(r.alerting)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	decide := func(i int, at time.Time) decision {
		a := complaintAlert(t, r, fmt.Sprint(i), "u", fmt.Sprint("mal servicio ", i), escucha.SeverityLow, false, "es.complaint.servicio")
		return f.decide(a, r.routeFor(a), r.policies["comms"], at)
	}
	require.True(t, decide(0, t0).push)
	d := decide(1, t0.Add(10*time.Second))
	require.Equal(t, t0.Add(config.DefaultGroupUpdate), d.due, "first update group_update after the first alert")
	d2 := decide(2, t0.Add(20*time.Second))
	require.Equal(t, d.due, d2.due, "joins the pending update")
	f.updated("comms", d.group.ID, 2, d.due)
	d3 := decide(3, d.due.Add(time.Second))
	require.Equal(t, d.due.Add(config.DefaultGroupUpdate), d3.due, "the next update waits group_update after the last")
	d4 := decide(4, d3.due.Add(time.Minute))
	require.Equal(t, d3.due, d4.due, "an overdue update goes out at the next drain, with the latest")
	d5 := decide(5, d3.due.Add(time.Hour))
	require.True(t, d5.push, "after the window a new group starts")
	require.NotEqual(t, d.group.ID, d5.group.ID)
}

func TestFatigueBudgetQuietAndCritical(t *testing.T) {
	r := fatigueRouter(t, func(cfg *config.Config) {
		cfg.Alerting.Budget.PerHour = 2
		e := cfg.Recipients["elena"]
		e.QuietHours = &config.QuietHours{Start: "22:00", End: "07:00"}
		cfg.Recipients["elena"] = e
	})
	f := newFatigue(r.alerting)
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC) // 11:00 in Madrid
	// Different rules: not similar, so only the budget holds them.
	var got []string
	for i := range 4 {
		a := complaintAlert(t, r, fmt.Sprint(i), "u", "mal", escucha.SeverityHigh, false, fmt.Sprint("es.complaint.r", i))
		d := f.decide(a, r.routeFor(a), r.policies["comms"], day.Add(time.Duration(i)*time.Minute))
		due := "-"
		if !d.due.IsZero() {
			due = d.due.Sub(day).String()
		}
		got = append(got, fmt.Sprintf("%v %s %s %s", d.push, d.reason, d.batch, due))
	}
	require.Equal(t, []string{"true   -", "true   -", "false budget digest/comms 1h2m0s", "false budget digest/comms 1h2m0s"}, got,
		"over the budget: held for one digest, digest_interval after the first held")
	crit := complaintAlert(t, r, "c", "u", "incendio", escucha.SeverityCritical, false, "es.complaint.fuego")
	require.True(t, f.decide(crit, r.routeFor(crit), r.policies["comms"], day.Add(5*time.Minute)).push, "critical ignores the budget")
	// An hour later the budget has room again.
	a := complaintAlert(t, r, "9", "u", "mal", escucha.SeverityHigh, false, "es.complaint.r9")
	require.True(t, f.decide(a, r.routeFor(a), r.policies["comms"], day.Add(66*time.Minute)).push)

	night := time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC) // 00:30 in Madrid
	madrid, _ := time.LoadLocation("Europe/Madrid")
	q := complaintAlert(t, r, "q", "u", "@elenaruiz mal", escucha.SeverityHigh, true, "es.complaint.r")
	d := f.decide(q, r.routeFor(q), r.policies["elena"], night)
	require.False(t, d.push)
	require.Equal(t, holdQuiet, d.reason)
	require.Equal(t, "quiet/elena", d.batch)
	require.True(t, d.due.Equal(time.Date(2026, 11, 21, 7, 0, 0, 0, madrid)))
	qc := complaintAlert(t, r, "qc", "u", "@elenaruiz fuego", escucha.SeverityCritical, true, "es.complaint.r")
	require.True(t, f.decide(qc, r.routeFor(qc), r.policies["elena"], night).push, "critical overrides quiet hours")
	esc := q
	esc.Escalation = 1
	require.True(t, f.decide(esc, r.routeFor(esc), r.policies["elena"], night).push, "escalation steps always buzz")
}

func TestFatigueDedupWithGroupingOff(t *testing.T) {
	r := fatigueRouter(t, nil)
	f := newFatigue(r.alerting)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	decide := func(id, author, text string, at time.Time) decision {
		a := complaintAlert(t, r, id, author, text, escucha.SeverityHigh, true, "es.complaint.r")
		require.Equal(t, "elena", a.Recipient)
		return f.decide(a, r.routeFor(a), r.policies["elena"], at)
	}
	require.True(t, decide("1", "ana", "@ElenaRuiz ¡Devolución YA!", t0).push)
	d := decide("2", "Ana", "@elenaruiz devolucion ya", t0.Add(time.Minute))
	require.False(t, d.push, "the same author's same text (folded) is grouped")
	require.Equal(t, holdGroup, d.reason)
	require.True(t, decide("3", "luis", "@elenaruiz devolucion ya", t0.Add(time.Minute)).push, "another author buzzes: grouping is off")
	require.True(t, decide("4", "ana", "@elenaruiz otra cosa", t0.Add(2*time.Minute)).push)
}

func TestFatigueStateSurvivesRestart(t *testing.T) {
	st := testutil.TempStore(t)
	r := fatigueRouter(t, nil)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	f := newFatigue(r.alerting)
	a := complaintAlert(t, r, "1", "u", "mal servicio", escucha.SeverityLow, false, "es.complaint.servicio")
	first := f.decide(a, r.routeFor(a), r.policies["comms"], t0)
	require.True(t, first.push)
	require.NoError(t, f.save(t.Context(), st))

	g := newFatigue(r.alerting)
	require.NoError(t, g.load(t.Context(), st, r.recipients))
	b := complaintAlert(t, r, "2", "v", "mal servicio otra vez", escucha.SeverityLow, false, "es.complaint.servicio")
	d := g.decide(b, r.routeFor(b), r.policies["comms"], t0.Add(time.Minute))
	require.False(t, d.push, "the group opened before the restart is still open")
	require.Equal(t, first.group.ID, d.batch)
	require.Equal(t, []string{a.ID, b.ID}, g.members("comms", first.group.ID))
}

func TestGroupDigestAndEscalationTitles(t *testing.T) {
	require.Equal(t, "3 similar suggestions in the last 1 min", groupTitle("en", escucha.LabelSuggestion, 3, "", 10*time.Second))
	require.Equal(t, "3 sugerencias similares en los últimos 2 min", groupTitle("es", escucha.LabelSuggestion, 3, "", 61*time.Second))
	require.Equal(t, "Digest: 4 alerts held by the hourly limit", digestTitle("en", holdBudget, 4))
	require.Equal(t, "Resumen de las horas de silencio: 4 alertas", digestTitle("es", holdQuiet, 4))
	m, v := sample("1")
	require.Equal(t, "Escalado (2) · Queja alta · CEO · @ana: @elenaruiz llevo 3 semanas esperando la devolución", escalationTitle("es", 2, m, v))
	m.Text = strings.Repeat("larguísimo ", 30)
	long := escalationTitle("en", 12, m, v)
	require.True(t, strings.HasPrefix(long, "Escalated (12) · High complaint · CEO · @ana: larguísimo"), long)
	require.Equal(t, TitleMaxRunes, utf8.RuneCountInString(long))
}

// BenchmarkFatigueDecide measures one decision in a busy group (the state
// of a recipient in the middle of a burst).
func BenchmarkFatigueDecide(b *testing.B) {
	cfg := config.Default()
	cfg.Recipients = map[string]config.Recipient{"comms": {Name: "Comms"}}
	cfg.Routes = []config.Route{{Name: "flagged", Match: config.Match{Labels: []string{"complaint"}}, Recipients: []string{"comms"}}}
	cfg.Alerting.Budget.PerHour = 6
	r, err := NewRouter(cfg)
	require.NoError(b, err)
	f := newFatigue(r.alerting)
	m := escucha.Mention{Source: "x", ID: "1", Lang: "es", Text: "el cargador no carga desde ayer", Author: escucha.Author{Handle: "ana"}}
	v := escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium, Lang: "es", Rules: []escucha.RuleHit{{ID: "es.complaint.averia"}}}
	a := r.Route(m, v, time.Now())[0]
	rt, p := r.routeFor(a), r.policies["comms"]
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a.ID = escucha.AlertID(fmt.Sprint("x/", i%500), "comms", 0)
		f.decide(a, rt, p, t0.Add(time.Duration(i%500)*time.Second))
	}
}
