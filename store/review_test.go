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
