package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
)

var r0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func reviewFixture(t *testing.T) *store.Store {
	t.Helper()
	st := testutil.TempStore(t)
	items := []store.Item{}
	add := func(id, text string, label escucha.Label, sev escucha.Severity, posted time.Time, rules []string, recipients ...string) {
		m := escucha.Mention{Source: "x", ID: id, Text: text, Lang: "es", PostedAt: posted,
			Author: escucha.Author{Handle: "user" + id, Name: "Nombre " + id}}
		v := escucha.Verdict{Label: label, Severity: sev, Lang: "es"}
		for _, r := range rules {
			v.Rules = append(v.Rules, escucha.RuleHit{ID: r})
		}
		it := store.Item{Mention: m, Verdict: v}
		for _, rc := range recipients {
			it.Alerts = append(it.Alerts, escucha.Alert{ID: escucha.AlertID(m.Key(), rc, 0), Recipient: rc})
		}
		items = append(items, it)
	}
	add("1", "La app no funciona desde ayer", escucha.LabelComplaint, escucha.SeverityHigh, r0, []string{"es.complaint.nofunciona"}, "comms", "elena")
	add("2", "Sería genial tener modo oscuro", escucha.LabelSuggestion, "", r0.Add(time.Hour), []string{"es.suggestion.seria"}, "comms")
	add("3", "No funciona mal el coche, ¡me encanta!", escucha.LabelComplaint, escucha.SeverityLow, r0.Add(2*time.Hour), []string{"es.complaint.nofunciona", "es.complaint.mal"}, "comms")
	add("4", "Hola", escucha.LabelOther, "", r0.Add(3*time.Hour), nil)
	_, err := st.Commit(t.Context(), store.Batch{Source: "x", Items: items})
	require.NoError(t, err)
	return st
}

func TestReviewLifecycleSetsLedgerOnce(t *testing.T) {
	st := reviewFixture(t)
	ctx := t.Context()

	r, err := st.Review(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, store.StatusOpen, r.Status)
	_, err = st.Review(ctx, "x/nope")
	require.ErrorIs(t, err, escucha.ErrNotFound)

	r, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpAssign, By: "ana", Assignee: "luis", At: r0.Add(time.Minute)})
	require.NoError(t, err)
	require.Equal(t, "luis", r.Assignee)

	_, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpRespond, By: "luis", At: r0.Add(10 * time.Minute)})
	require.NoError(t, err)
	_, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpResolve, By: "luis", At: r0.Add(20 * time.Minute)})
	require.NoError(t, err)
	_, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpReopen, By: "ana", At: r0.Add(30 * time.Minute)})
	require.NoError(t, err)
	r, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpResolve, By: "ana", At: r0.Add(40 * time.Minute)})
	require.NoError(t, err)
	require.Equal(t, store.StatusResolved, r.Status)
	require.Len(t, r.History, 5)

	rec, err := st.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, r0.Add(10*time.Minute), rec.Ledger.RespondedAt.UTC())
	require.Equal(t, r0.Add(20*time.Minute), rec.Ledger.ResolvedAt.UTC(), "the first resolution counts")

	_, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpNote, By: "ana"})
	require.ErrorIs(t, err, store.ErrInvalidReview)
	_, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: "delete", By: "ana"})
	require.ErrorIs(t, err, store.ErrInvalidReview)
	_, err = st.ApplyReview(ctx, "x/missing", store.ReviewOp{Kind: store.OpNote, By: "ana", Text: "x"})
	require.ErrorIs(t, err, escucha.ErrNotFound)
	r, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpNote, By: "ana", Text: "<b>llamar</b>"})
	require.NoError(t, err)
	require.Equal(t, "<b>llamar</b>", r.Notes[0].Text)
}

func TestCorrectionsAndRuleStats(t *testing.T) {
	st := reviewFixture(t)
	ctx := t.Context()

	r, err := st.ApplyReview(ctx, "x/3", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectFalsePositive, Text: "es un elogio"})
	require.NoError(t, err)
	require.Equal(t, store.StatusFalsePositive, r.Status)
	require.Equal(t, []string{"es.complaint.nofunciona", "es.complaint.mal"}, r.Corrections[0].Rules)
	require.Equal(t, escucha.LabelComplaint, r.Corrections[0].FromLabel)

	_, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectSeverity, Severity: escucha.SeverityCritical})
	require.NoError(t, err)
	_, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectSeverity, Severity: escucha.SeverityCritical})
	require.ErrorIs(t, err, store.ErrInvalidReview, "no-op correction")
	_, err = st.ApplyReview(ctx, "x/2", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectSeverity, Severity: escucha.SeverityLow})
	require.ErrorIs(t, err, store.ErrInvalidReview, "a suggestion has no severity")
	_, err = st.ApplyReview(ctx, "x/2", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectLabel, Label: escucha.LabelComplaint})
	require.ErrorIs(t, err, store.ErrInvalidReview, "a complaint needs a severity")
	r, err = st.ApplyReview(ctx, "x/2", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectLabel, Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium})
	require.NoError(t, err)
	require.Equal(t, escucha.LabelComplaint, r.Label)

	stats, err := st.RuleStats(ctx, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, stats, 3)
	require.Equal(t, "es.complaint.nofunciona", stats[0].Rule)
	require.Equal(t, store.RuleStat{Rule: "es.complaint.nofunciona", Fired: 2, Reviewed: 2, FalsePositives: 1, WrongSeverity: 1, Examples: []string{"x/3"}}, stats[0])
	require.Equal(t, store.RuleStat{Rule: "es.complaint.mal", Fired: 1, Reviewed: 1, FalsePositives: 1, Examples: []string{"x/3"}}, stats[1])
	require.Equal(t, store.RuleStat{Rule: "es.suggestion.seria", Fired: 1, Reviewed: 1, WrongLabel: 1}, stats[2])
	require.InDelta(t, 0.5, stats[0].FalsePositiveRate(), 1e-9)

	// Filtering by the corrected verdict.
	items, total, err := st.Inbox(ctx, store.InboxQuery{Label: escucha.LabelComplaint})
	require.NoError(t, err)
	require.Equal(t, 2, total)
	require.Equal(t, "x/2", items[0].Mention.Key())
	items, _, err = st.Inbox(ctx, store.InboxQuery{Severity: escucha.SeverityCritical})
	require.NoError(t, err)
	require.Len(t, items, 1)
	require.Equal(t, "x/1", items[0].Mention.Key())
}

func TestInboxFilters(t *testing.T) {
	st := reviewFixture(t)
	ctx := t.Context()
	_, err := st.ApplyReview(ctx, "x/2", store.ReviewOp{Kind: store.OpAssign, By: "ana", Assignee: "luis"})
	require.NoError(t, err)

	keys := func(q store.InboxQuery) []string {
		items, _, err := st.Inbox(ctx, q)
		require.NoError(t, err)
		var out []string
		for _, it := range items {
			out = append(out, it.Mention.Key())
		}
		return out
	}
	require.Equal(t, []string{"x/3", "x/2", "x/1"}, keys(store.InboxQuery{}), "flagged only, newest first")
	require.Equal(t, []string{"x/1"}, keys(store.InboxQuery{Recipient: "elena"}))
	require.Equal(t, []string{"x/2"}, keys(store.InboxQuery{Assignee: "luis"}))
	require.Equal(t, []string{"x/3", "x/1"}, keys(store.InboxQuery{Assignee: "-"}))
	require.Equal(t, []string{"x/3", "x/1"}, keys(store.InboxQuery{Text: "FUNCIONA"}))
	require.Equal(t, []string{"x/2"}, keys(store.InboxQuery{Text: "nombre 2"}))
	require.Equal(t, []string{"x/2"}, keys(store.InboxQuery{Since: r0.Add(time.Minute), Until: r0.Add(2 * time.Hour)}))
	require.Equal(t, []string{"x/3", "x/2", "x/1"}, keys(store.InboxQuery{Status: store.StatusOpen}))
	require.Empty(t, keys(store.InboxQuery{Status: store.StatusResolved}))
	require.Empty(t, keys(store.InboxQuery{Source: "demo"}))
	require.Equal(t, []string{"x/2"}, keys(store.InboxQuery{Limit: 1, Offset: 1}))
	_, total, err := st.Inbox(ctx, store.InboxQuery{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, 3, total)
}

// missedFixture is reviewFixture plus three more mentions the rules did
// not flag: demo/5 in English, on which a rule fired without flagging it,
// x/6, and x/0, posted at the same instant as the flagged x/1.
func missedFixture(t *testing.T) *store.Store {
	t.Helper()
	st := reviewFixture(t)
	items := []store.Item{
		{Mention: escucha.Mention{Source: "demo", ID: "5", Text: "The charger at the mall is broken again", Lang: "en", PostedAt: r0.Add(4 * time.Hour),
			Author: escucha.Author{Handle: "user5", Name: "Name 5"}},
			Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "en", Rules: []escucha.RuleHit{{ID: "en.complaint.broken"}}}},
		{Mention: escucha.Mention{Source: "x", ID: "6", Text: "Buen viaje a Sevilla", Lang: "es", PostedAt: r0.Add(30 * time.Minute),
			Author: escucha.Author{Handle: "user6", Name: "Nombre 6"}},
			Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}},
		{Mention: escucha.Mention{Source: "x", ID: "0", Text: "Mañana pruebo el coche", Lang: "es", PostedAt: r0,
			Author: escucha.Author{Handle: "user0", Name: "Nombre 0"}},
			Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}},
	}
	_, err := st.Commit(t.Context(), store.Batch{Source: "x", Items: items})
	require.NoError(t, err)
	return st
}

func TestInboxNotFlagged(t *testing.T) {
	st := missedFixture(t)
	ctx := t.Context()
	// The rules missed a complaint; a flagged mention is a false positive;
	// x/6 is assigned.
	r, err := st.ApplyReview(ctx, "demo/5", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectLabel,
		Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, Text: "se les pasó"})
	require.NoError(t, err)
	require.Equal(t, store.StatusOpen, r.Status, "a missed complaint stays open")
	require.Equal(t, store.Correction{Kind: store.CorrectLabel, By: "ana", At: r.Corrections[0].At, FromLabel: escucha.LabelOther,
		Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, Rules: []string{"en.complaint.broken"}, Note: "se les pasó"}, r.Corrections[0])
	_, err = st.ApplyReview(ctx, "x/3", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectFalsePositive})
	require.NoError(t, err)
	_, err = st.ApplyReview(ctx, "x/6", store.ReviewOp{Kind: store.OpAssign, By: "ana", Assignee: "luis"})
	require.NoError(t, err)

	keys := func(q store.InboxQuery) ([]string, int) {
		items, total, err := st.Inbox(ctx, q)
		require.NoError(t, err)
		var out []string
		for _, it := range items {
			out = append(out, it.Mention.Key())
		}
		return out, total
	}
	for _, tc := range []struct {
		name  string
		q     store.InboxQuery
		want  []string
		total int
	}{
		{"flagged by default, unchanged", store.InboxQuery{}, []string{"x/3", "x/2", "x/1"}, 3},
		{"not flagged, newest first, the corrected one included", store.InboxQuery{NotFlagged: true}, []string{"demo/5", "x/4", "x/6", "x/0"}, 4},
		{"by corrected label", store.InboxQuery{NotFlagged: true, Label: escucha.LabelComplaint}, []string{"demo/5"}, 1},
		{"still other", store.InboxQuery{NotFlagged: true, Label: escucha.LabelOther}, []string{"x/4", "x/6", "x/0"}, 3},
		{"by corrected severity", store.InboxQuery{NotFlagged: true, Severity: escucha.SeverityHigh}, []string{"demo/5"}, 1},
		{"source", store.InboxQuery{NotFlagged: true, Source: "demo"}, []string{"demo/5"}, 1},
		{"lang", store.InboxQuery{NotFlagged: true, Lang: "es"}, []string{"x/4", "x/6", "x/0"}, 3},
		{"text", store.InboxQuery{NotFlagged: true, Text: "HOLA"}, []string{"x/4"}, 1},
		{"author name", store.InboxQuery{NotFlagged: true, Text: "nombre 6"}, []string{"x/6"}, 1},
		{"status", store.InboxQuery{NotFlagged: true, Status: store.StatusOpen}, []string{"demo/5", "x/4", "x/6", "x/0"}, 4},
		{"false positives stay flagged", store.InboxQuery{NotFlagged: true, Status: store.StatusFalsePositive}, nil, 0},
		{"assignee", store.InboxQuery{NotFlagged: true, Assignee: "luis"}, []string{"x/6"}, 1},
		{"unassigned", store.InboxQuery{NotFlagged: true, Assignee: "-"}, []string{"demo/5", "x/4", "x/0"}, 3},
		{"no alerts, no recipients", store.InboxQuery{NotFlagged: true, Recipient: "comms"}, nil, 0},
		{"window", store.InboxQuery{NotFlagged: true, Since: r0.Add(time.Hour), Until: r0.Add(4 * time.Hour)}, []string{"x/4"}, 1},
		{"window edge: since includes, until excludes", store.InboxQuery{NotFlagged: true, Since: r0.Add(30 * time.Minute), Until: r0.Add(3 * time.Hour)}, []string{"x/6"}, 1},
		{"paging", store.InboxQuery{NotFlagged: true, Limit: 1, Offset: 1}, []string{"x/4"}, 4},
		{"offset past the end", store.InboxQuery{NotFlagged: true, Offset: 5}, nil, 4},
		{"same instant as a flagged one", store.InboxQuery{NotFlagged: true, Since: r0, Until: r0.Add(time.Minute)}, []string{"x/0"}, 1},
		{"and the flagged one is only flagged", store.InboxQuery{Since: r0, Until: r0.Add(time.Minute)}, []string{"x/1"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total := keys(tc.q)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.total, total)
		})
	}

	items, _, err := st.Inbox(ctx, store.InboxQuery{NotFlagged: true, Source: "demo"})
	require.NoError(t, err)
	require.Equal(t, escucha.LabelOther, items[0].Verdict.Label, "the classifier's verdict is kept")
	require.Equal(t, escucha.LabelComplaint, items[0].Review.EffectiveLabel(items[0].Verdict))
	require.Equal(t, escucha.SeverityHigh, items[0].Review.EffectiveSeverity(items[0].Verdict))
	require.True(t, items[0].Review.Corrected())
}

func TestCorrectingMissedMentions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		op      store.ReviewOp
		invalid bool
		label   escucha.Label
		sev     escucha.Severity
		status  store.ReviewStatus
	}{
		{"a complaint with a severity", store.ReviewOp{Correction: store.CorrectLabel, Label: escucha.LabelComplaint, Severity: escucha.SeverityLow},
			false, escucha.LabelComplaint, escucha.SeverityLow, store.StatusOpen},
		{"a suggestion", store.ReviewOp{Correction: store.CorrectLabel, Label: escucha.LabelSuggestion},
			false, escucha.LabelSuggestion, "", store.StatusOpen},
		{"a complaint needs a severity", store.ReviewOp{Correction: store.CorrectLabel, Label: escucha.LabelComplaint}, true, "", "", ""},
		{"a suggestion has none", store.ReviewOp{Correction: store.CorrectLabel, Label: escucha.LabelSuggestion, Severity: escucha.SeverityLow}, true, "", "", ""},
		{"already other", store.ReviewOp{Correction: store.CorrectLabel, Label: escucha.LabelOther}, true, "", "", ""},
		{"other has no severity", store.ReviewOp{Correction: store.CorrectSeverity, Severity: escucha.SeverityHigh}, true, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := missedFixture(t)
			tc.op.Kind, tc.op.By = store.OpCorrect, "ana"
			r, err := st.ApplyReview(t.Context(), "x/4", tc.op)
			if tc.invalid {
				require.ErrorIs(t, err, store.ErrInvalidReview)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.label, r.Label)
			require.Equal(t, tc.sev, r.Severity)
			require.Equal(t, tc.status, r.Status)
			require.Equal(t, escucha.LabelOther, r.Corrections[0].FromLabel)
			require.Empty(t, r.Corrections[0].Rules, "no rule fired")
		})
	}
}

func TestMissedStatsAndRuleStats(t *testing.T) {
	st := missedFixture(t)
	ctx := t.Context()
	before, err := st.RuleStats(ctx, time.Time{}, time.Time{})
	require.NoError(t, err)
	m, err := st.MissedStats(ctx, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, store.MissedStat{}, m, "no review yet")

	correct := func(key string, label escucha.Label, sev escucha.Severity) {
		t.Helper()
		_, err := st.ApplyReview(ctx, key, store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectLabel, Label: label, Severity: sev})
		require.NoError(t, err)
	}
	correct("demo/5", escucha.LabelComplaint, escucha.SeverityHigh)
	correct("x/6", escucha.LabelSuggestion, "")
	correct("x/4", escucha.LabelComplaint, escucha.SeverityLow)
	correct("x/4", escucha.LabelOther, "")                         // corrected back: not missed
	correct("x/2", escucha.LabelComplaint, escucha.SeverityMedium) // flagged: a wrong label, not missed
	_, err = st.ApplyReview(ctx, "x/1", store.ReviewOp{Kind: store.OpNote, By: "ana", Text: "ok"})
	require.NoError(t, err)

	for _, tc := range []struct {
		name         string
		since, until time.Time
		want         store.MissedStat
	}{
		{"all", time.Time{}, time.Time{}, store.MissedStat{Complaints: 1, Suggestions: 1, Examples: []string{"demo/5", "x/6"}}},
		{"since", r0.Add(time.Hour), time.Time{}, store.MissedStat{Complaints: 1, Examples: []string{"demo/5"}}},
		{"until excludes", time.Time{}, r0.Add(4 * time.Hour), store.MissedStat{Suggestions: 1, Examples: []string{"x/6"}}},
		{"since includes", r0.Add(30 * time.Minute), r0.Add(time.Hour), store.MissedStat{Suggestions: 1, Examples: []string{"x/6"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.MissedStats(ctx, tc.since, tc.until)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.want.Complaints+tc.want.Suggestions, got.Total())
		})
	}

	// The rules' counts see only flagged mentions: the rule that fired on
	// demo/5 without flagging it is not there, and the corrections of
	// unflagged mentions count nowhere.
	after, err := st.RuleStats(ctx, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, after, len(before))
	for _, s := range after {
		require.NotEqual(t, "en.complaint.broken", s.Rule)
	}
	require.Equal(t, store.RuleStat{Rule: "es.suggestion.seria", Fired: 1, Reviewed: 1, WrongLabel: 1}, after[0])
}
