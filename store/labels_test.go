package store_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/store"
)

func TestExportLabels(t *testing.T) {
	st := reviewFixture(t)
	ctx := t.Context()
	apply := func(key string, op store.ReviewOp) {
		t.Helper()
		op.At = r0.Add(5 * time.Hour)
		_, err := st.ApplyReview(ctx, key, op)
		require.NoError(t, err)
	}
	apply("x/1", store.ReviewOp{Kind: store.OpRespond, By: "luis"})                                        // confirms the complaint
	apply("x/2", store.ReviewOp{Kind: store.OpAssign, By: "ana", Assignee: "luis"})                        // confirms nothing
	apply("x/3", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectFalsePositive}) // praise, not a complaint
	apply("x/4", store.ReviewOp{Kind: store.OpCorrect, By: "eva", Correction: store.CorrectLabel,          // a missed complaint
		Label: escucha.LabelComplaint, Severity: escucha.SeverityMedium})

	export := func(q store.LabelQuery) ([]map[string]any, store.LabelCounts) {
		t.Helper()
		var buf bytes.Buffer
		n, err := st.ExportLabels(ctx, &buf, q)
		require.NoError(t, err)
		var lines []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), l)
			lines = append(lines, m)
		}
		require.Len(t, lines, n.Written)
		return lines, n
	}
	ids := func(lines []map[string]any) (out []string) {
		for _, l := range lines {
			out = append(out, l["id"].(string))
		}
		return out
	}

	lines, n := export(store.LabelQuery{})
	require.Equal(t, []string{"x/4", "x/3", "x/1"}, ids(lines), "only what a person confirmed, newest first")
	require.Equal(t, store.LabelCounts{Written: 3, Reviewed: 3, Corrected: 2,
		ByLabel: map[escucha.Label]int{escucha.LabelComplaint: 2, escucha.LabelOther: 1}}, n)

	missed, fp, answered := lines[0], lines[1], lines[2]
	require.Equal(t, "complaint", missed["label"])
	require.Equal(t, "medium", missed["severity"])
	require.Equal(t, "other", missed["classifier_label"])
	require.Equal(t, "eva", missed["reviewed_by"])
	require.Equal(t, []any{}, missed["rules"])

	require.Equal(t, "other", fp["label"])
	require.Nil(t, fp["severity"], "only complaints have a severity")
	require.Contains(t, fp, "severity")
	require.Equal(t, "complaint", fp["classifier_label"])
	require.Equal(t, []any{"es.complaint.nofunciona", "es.complaint.mal"}, fp["rules"])
	require.Equal(t, "No funciona mal el coche, ¡me encanta!", fp["text"])
	require.Equal(t, "es", fp["lang"])

	require.Equal(t, "complaint", answered["label"])
	require.Equal(t, "high", answered["severity"])
	require.Equal(t, true, answered["reviewed"])
	require.NotContains(t, answered, "reviewed_by", "confirmed by an answer, not corrected")

	lines, n = export(store.LabelQuery{Unreviewed: true})
	require.Equal(t, []string{"x/4", "x/3", "x/2", "x/1"}, ids(lines))
	require.Equal(t, 3, n.Reviewed)
	require.Equal(t, false, lines[2]["reviewed"])
	require.Equal(t, "suggestion", lines[2]["label"])

	lines, _ = export(store.LabelQuery{Since: r0.Add(90 * time.Minute), Unreviewed: true})
	require.Equal(t, []string{"x/4", "x/3"}, ids(lines))
	lines, _ = export(store.LabelQuery{Until: r0.Add(90 * time.Minute), Unreviewed: true})
	require.Equal(t, []string{"x/2", "x/1"}, ids(lines))
}
