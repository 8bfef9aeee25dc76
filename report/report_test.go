package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
	"github.com/stretchr/testify/require"
)

var (
	t0  = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sla = config.SLA{PostToAlert: 30 * time.Second, AlertToAck: 15 * time.Minute, PostToResponse: time.Hour, PostToResolution: 7 * 24 * time.Hour}
)

// fixture stores six mentions with known ledgers:
//
//	mention  source  posted        post→alert     alert→ack        response  resolution
//	x/1      x       t0            10s (pablo 50s) 60s (pablo 30s)  30m       24h
//	x/2      x       t0+1h         20s            2m               2h        -
//	x/3      x       t0+2h         30s            3m               -         -
//	demo/4   demo    t0+3h         40s            10m              -         -
//	demo/5   demo    t0+24h (sugg) 100s           -                -         -
//	x/6      x       t0+4h, label other: not in the report
func fixture(t *testing.T, source, pablo string) *store.Store {
	t.Helper()
	st := testutil.TempStore(t)
	ctx := t.Context()
	type spec struct {
		id       string
		source   string
		posted   time.Time
		label    escucha.Label
		notify   time.Duration
		ack      time.Duration // after notify; 0 = none
		respond  time.Duration // after post, by reply; 0 = none
		resolved time.Duration
	}
	specs := []spec{
		{"1", source, t0, escucha.LabelComplaint, 10 * time.Second, time.Minute, 30 * time.Minute, 24 * time.Hour},
		{"2", source, t0.Add(time.Hour), escucha.LabelComplaint, 20 * time.Second, 2 * time.Minute, 0, 0},
		{"3", source, t0.Add(2 * time.Hour), escucha.LabelComplaint, 30 * time.Second, 3 * time.Minute, 0, 0},
		{"4", "demo", t0.Add(3 * time.Hour), escucha.LabelComplaint, 40 * time.Second, 10 * time.Minute, 0, 0},
		{"5", "demo", t0.Add(24 * time.Hour), escucha.LabelSuggestion, 100 * time.Second, 0, 0, 0},
		{"6", source, t0.Add(4 * time.Hour), escucha.LabelOther, 0, 0, 0, 0},
	}
	for _, s := range specs {
		m := escucha.Mention{Source: s.source, ID: s.id, Text: "t", PostedAt: s.posted, FetchedAt: s.posted.Add(time.Second)}
		v := escucha.Verdict{Label: s.label, Lang: "es", ClassifiedAt: s.posted.Add(2 * time.Second)}
		if s.label == escucha.LabelComplaint {
			v.Severity = escucha.SeverityHigh
		}
		it := store.Item{Mention: m, Verdict: v}
		if s.notify > 0 {
			it.Alerts = append(it.Alerts, escucha.Alert{ID: escucha.AlertID(m.Key(), "elena", 0), Recipient: "elena"})
		}
		if s.id == "1" {
			it.Alerts = append(it.Alerts, escucha.Alert{ID: escucha.AlertID(m.Key(), pablo, 0), Recipient: pablo})
		}
		_, err := st.Commit(ctx, store.Batch{Source: s.source, Items: []store.Item{it}})
		require.NoError(t, err)
		if s.notify == 0 {
			continue
		}
		elena := escucha.AlertID(m.Key(), "elena", 0)
		notified := s.posted.Add(s.notify)
		require.NoError(t, st.MarkNotified(ctx, elena, notified))
		if s.ack > 0 {
			require.NoError(t, st.RecordAction(ctx, escucha.Action{AlertID: elena, Action: escucha.ActionAck, At: notified.Add(s.ack)}))
		}
		if s.respond > 0 {
			_, err := st.Commit(ctx, store.Batch{Source: s.source, Replies: []escucha.Reply{{Source: s.source, ID: "r" + s.id, InReplyTo: s.id, PostedAt: s.posted.Add(s.respond)}}})
			require.NoError(t, err)
		}
		if s.resolved > 0 {
			require.NoError(t, st.RecordAction(ctx, escucha.Action{AlertID: elena, Action: escucha.ActionResolved, At: s.posted.Add(s.resolved)}))
		}
	}
	// x/2 is marked responded by hand, 2h after the post.
	require.NoError(t, st.RecordAction(ctx, escucha.Action{AlertID: escucha.AlertID(source+"/2", "elena", 0), Action: escucha.ActionResponded, At: t0.Add(3 * time.Hour)}))
	// pablo, on x/1: notified at 50s, acked 30s later.
	p := escucha.AlertID(source+"/1", pablo, 0)
	require.NoError(t, st.MarkNotified(ctx, p, t0.Add(50*time.Second)))
	require.NoError(t, st.RecordAction(ctx, escucha.Action{AlertID: p, Action: escucha.ActionAck, At: t0.Add(80 * time.Second)}))
	return st
}

func find(t *testing.T, rows []Stats, group string, i Interval) Stats {
	t.Helper()
	for _, s := range rows {
		if s.Group == group && s.Interval == i {
			return s
		}
	}
	t.Fatalf("no row %q %s", group, i)
	return Stats{}
}

type want struct {
	count, open         int
	median, p90, maxDur time.Duration
	within              float64
}

func check(t *testing.T, s Stats, w want) {
	t.Helper()
	require.Equal(t, w.count, s.Count, "count %s %s", s.Group, s.Interval)
	require.Equal(t, w.open, s.Open, "open %s %s", s.Group, s.Interval)
	require.Equal(t, w.median, s.Median, "median %s %s", s.Group, s.Interval)
	require.Equal(t, w.p90, s.P90, "p90 %s %s", s.Group, s.Interval)
	require.Equal(t, w.maxDur, s.Max, "max %s %s", s.Group, s.Interval)
	if math.IsNaN(w.within) {
		require.True(t, math.IsNaN(s.WithinSLA), "within %s %s", s.Group, s.Interval)
	} else {
		require.InDelta(t, w.within, s.WithinSLA, 1e-9, "within %s %s", s.Group, s.Interval)
	}
}

func TestTotals(t *testing.T) {
	st := fixture(t, "x", "pablo")
	r, err := Build(t.Context(), st, Options{SLA: sla, Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	require.Equal(t, 5, r.Mentions, "the 'other' mention is left out")
	require.Equal(t, r.Totals, r.Rows)
	require.Len(t, r.Rows, 4)
	s, m := time.Second, time.Minute
	// post→alert samples 10 20 30 40 100: median rank ⌈2.5⌉=3, p90 rank ⌈4.5⌉=5.
	check(t, find(t, r.Rows, "", PostToAlert), want{5, 0, 30 * s, 100 * s, 100 * s, 0.6})
	// alert→ack 1m 2m 3m 10m (x/1: elena's ack, the first): ranks 2 and ⌈3.6⌉=4.
	check(t, find(t, r.Rows, "", AlertToAck), want{4, 1, 2 * m, 10 * m, 10 * m, 1})
	check(t, find(t, r.Rows, "", PostToResponse), want{2, 3, 30 * m, 2 * time.Hour, 2 * time.Hour, 0.5})
	check(t, find(t, r.Rows, "", PostToResolution), want{1, 4, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour, 1})

	// A window keeps only mentions posted in [Since, Until).
	r, err = Build(t.Context(), st, Options{SLA: sla, Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)})
	require.NoError(t, err)
	require.Equal(t, 2, r.Mentions)
	check(t, find(t, r.Rows, "", PostToAlert), want{2, 0, 20 * s, 30 * s, 30 * s, 1})

	// No SLA: the share is not computed.
	r, err = Build(t.Context(), st, Options{})
	require.NoError(t, err)
	check(t, find(t, r.Rows, "", PostToAlert), want{5, 0, 30 * s, 100 * s, 100 * s, math.NaN()})
}

func TestGroups(t *testing.T) {
	st := fixture(t, "x", "pablo")
	ctx := t.Context()
	s, m := time.Second, time.Minute

	r, err := Build(ctx, st, Options{SLA: sla, By: "recipient"})
	require.NoError(t, err)
	require.Len(t, r.Rows, 8)
	require.Equal(t, "elena", r.Rows[0].Group)
	check(t, find(t, r.Rows, "elena", PostToAlert), want{5, 0, 30 * s, 100 * s, 100 * s, 0.6})
	check(t, find(t, r.Rows, "elena", AlertToAck), want{4, 1, 2 * m, 10 * m, 10 * m, 1})
	check(t, find(t, r.Rows, "pablo", PostToAlert), want{1, 0, 50 * s, 50 * s, 50 * s, 0})
	check(t, find(t, r.Rows, "pablo", AlertToAck), want{1, 0, 30 * s, 30 * s, 30 * s, 1})
	check(t, find(t, r.Rows, "pablo", PostToResponse), want{1, 0, 30 * m, 30 * m, 30 * m, 1})
	check(t, find(t, r.Totals, "", PostToAlert), want{5, 0, 30 * s, 100 * s, 100 * s, 0.6})

	r, err = Build(ctx, st, Options{SLA: sla, By: "source"})
	require.NoError(t, err)
	require.Equal(t, "demo", r.Rows[0].Group)
	check(t, find(t, r.Rows, "x", PostToAlert), want{3, 0, 20 * s, 30 * s, 30 * s, 1})
	check(t, find(t, r.Rows, "demo", PostToAlert), want{2, 0, 40 * s, 100 * s, 100 * s, 0})
	check(t, find(t, r.Rows, "demo", AlertToAck), want{1, 1, 10 * m, 10 * m, 10 * m, 1})

	r, err = Build(ctx, st, Options{SLA: sla, By: "day"})
	require.NoError(t, err)
	require.Equal(t, "2026-11-20", r.Rows[0].Group)
	check(t, find(t, r.Rows, "2026-11-20", PostToAlert), want{4, 0, 20 * s, 40 * s, 40 * s, 0.75})
	check(t, find(t, r.Rows, "2026-11-21", PostToAlert), want{1, 0, 100 * s, 100 * s, 100 * s, 0})
	// In UTC-12 the posts at 10:00 and 11:00 UTC fall on the day before.
	r, err = Build(ctx, st, Options{SLA: sla, By: "day", Location: time.FixedZone("X", -12*3600)})
	require.NoError(t, err)
	check(t, find(t, r.Rows, "2026-11-19", PostToAlert), want{2, 0, 10 * s, 20 * s, 20 * s, 1})

	r, err = Build(ctx, st, Options{SLA: sla, By: "severity"})
	require.NoError(t, err)
	require.Equal(t, []string{"high", "high", "high", "high", "none", "none", "none", "none"}, groups(r.Rows))
	check(t, find(t, r.Rows, "none", PostToAlert), want{1, 0, 100 * s, 100 * s, 100 * s, 0})

	r, err = Build(ctx, st, Options{By: "label"})
	require.NoError(t, err)
	require.Equal(t, "complaint", r.Rows[0].Group)
	check(t, find(t, r.Rows, "suggestion", AlertToAck), want{0, 1, 0, 0, 0, math.NaN()})

	_, err = Build(ctx, st, Options{By: "colour"})
	require.ErrorContains(t, err, `unknown grouping "colour"`)
}

func groups(rows []Stats) []string {
	out := make([]string, len(rows))
	for i, s := range rows {
		out[i] = s.Group
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	d := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x)
		}
		return out
	}
	require.Equal(t, time.Duration(0), Percentile(nil, 50))
	require.Equal(t, time.Duration(7), Percentile(d(7), 90))
	require.Equal(t, time.Duration(1), Percentile(d(1, 2), 50), "lower middle for even n")
	require.Equal(t, time.Duration(2), Percentile(d(1, 2), 90))
	ten := d(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	require.Equal(t, time.Duration(9), Percentile(ten, 90))
	require.Equal(t, time.Duration(5), Percentile(ten, 50))
	twenty := d(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)
	require.Equal(t, time.Duration(18), Percentile(twenty, 90))
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                           "0s",
		850 * time.Millisecond:      "850ms",
		45 * time.Second:            "45s",
		92 * time.Second:            "1m32s",
		time.Hour - time.Second:     "59m59s",
		3*time.Hour + 5*time.Minute: "3h05m",
		3*time.Hour + 5*time.Minute + 40*time.Second: "3h06m",
		24*time.Hour - 10*time.Second:                "1d00h",
		52 * time.Hour:                               "2d04h",
	} {
		require.Equal(t, want, Duration(d), d.String())
	}
}

func TestRenderFormats(t *testing.T) {
	st := fixture(t, "x", "pablo")
	r, err := Build(t.Context(), st, Options{SLA: sla, By: "recipient", Now: func() time.Time { return t0 }})
	require.NoError(t, err)

	var table bytes.Buffer
	require.NoError(t, r.Render(&table, "table"))
	out := table.String()
	require.Contains(t, out, "Recipient")
	require.Contains(t, out, "post → alert")
	require.Contains(t, out, "1m40s", "max post→alert")
	require.Contains(t, out, "60.0%")
	require.Contains(t, out, "Totals")
	lines := strings.Split(out, "\n")
	require.Regexp(t, `^\s+elena\s+post → alert\s+5\s+0\s+30s\s+1m40s\s+1m40s\s+30s\s+60\.0%$`, lines[3])

	var es bytes.Buffer
	r.Language = "es"
	require.NoError(t, r.Render(&es, "table"))
	require.Contains(t, es.String(), "Destinatario")
	require.Contains(t, es.String(), "publicación → alerta")
	require.Contains(t, es.String(), "Mediana")
	r.Language = "en"

	var c bytes.Buffer
	require.NoError(t, r.Render(&c, "csv"))
	recs, err := csv.NewReader(&c).ReadAll()
	require.NoError(t, err)
	require.Equal(t, CSVHeader, recs[0])
	require.Len(t, recs, 1+len(r.Rows))
	require.Equal(t, []string{"elena", "post_to_alert", "5", "0", "30", "100", "100", "30", "0.6", "", "", "", ""}, recs[1])
	require.Equal(t, []string{"pablo", "alert_to_ack", "1", "0", "30", "30", "30", "900", "1", "", "", "", ""}, recs[6])

	var j bytes.Buffer
	require.NoError(t, r.Render(&j, "json"))
	var got struct {
		By          string    `json:"by"`
		GeneratedAt time.Time `json:"generated_at"`
		Mentions    int       `json:"mentions"`
		Rows        []struct {
			Group     string   `json:"group"`
			Interval  string   `json:"interval"`
			Count     int      `json:"count"`
			Open      int      `json:"open"`
			Median    float64  `json:"median_s"`
			P90       float64  `json:"p90_s"`
			Max       float64  `json:"max_s"`
			SLA       *float64 `json:"sla_s"`
			WithinSLA *float64 `json:"within_sla"`
		} `json:"rows"`
		Totals []json.RawMessage `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(j.Bytes(), &got))
	require.Equal(t, "recipient", got.By)
	require.Equal(t, 5, got.Mentions)
	require.True(t, t0.Equal(got.GeneratedAt))
	require.Len(t, got.Rows, 8)
	require.Len(t, got.Totals, 4)
	row := got.Rows[1] // elena alert_to_ack
	require.Equal(t, "alert_to_ack", row.Interval)
	require.Equal(t, 120.0, row.Median)
	require.Equal(t, 600.0, row.P90)
	require.Equal(t, 900.0, *row.SLA)
	require.Equal(t, 1.0, *row.WithinSLA)

	r, err = Build(t.Context(), st, Options{})
	require.NoError(t, err)
	j.Reset()
	require.NoError(t, r.Render(&j, "json"))
	require.Contains(t, j.String(), `"within_sla": null`)

	require.ErrorContains(t, r.Render(&j, "pdf"), `unknown format "pdf"`)
}

func TestHTMLEscapesStrangers(t *testing.T) {
	hostileRecipient := `<img src=x onerror=alert(1)>`
	hostileSource := `evil"<b>&'`
	st := fixture(t, hostileSource, hostileRecipient)
	for _, by := range []string{"recipient", "source"} {
		r, err := Build(t.Context(), st, Options{SLA: sla, By: by, Language: "es"})
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, r.Render(&b, "html"))
		page := b.String()
		require.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"))
		require.Contains(t, page, `<html lang="es">`)
		require.NotContains(t, page, "<img")
		require.NotContains(t, page, "<b>")
		require.NotContains(t, page, "<script")
		require.NotContains(t, page, "http", "no external resources")
		require.Contains(t, page, "<svg")
		require.Contains(t, page, "publicación → alerta")
		if by == "recipient" {
			require.Contains(t, page, "&lt;img src=x onerror=alert(1)&gt;")
		} else {
			require.Contains(t, page, "evil&#34;&lt;b&gt;&amp;&#39;")
		}

		var c bytes.Buffer
		require.NoError(t, r.Render(&c, "csv"))
		recs, err := csv.NewReader(&c).ReadAll()
		require.NoError(t, err)
		var gs []string
		for _, rec := range recs[1:] {
			gs = append(gs, rec[0])
		}
		if by == "source" {
			require.Contains(t, gs, hostileSource, "CSV quoting round-trips")
		}
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	require.Equal(t, "'=HYPERLINK(1)", csvSafe("=HYPERLINK(1)"))
	require.Equal(t, "'@sum", csvSafe("@sum"))
	require.Equal(t, "elena", csvSafe("elena"))
	require.Equal(t, "a b", tableSafe("a\tb"))
	require.Equal(t, " [31mred", tableSafe("\x1b[31mred"))
}

func TestLabelAndSeverityGroupsAreTranslatedForPeopleOnly(t *testing.T) {
	r := Report{Options: Options{By: "severity", Language: "es"}, Rows: []Stats{
		{Interval: PostToAlert, Group: "critical", Count: 1, Median: time.Second, P90: time.Second, Max: time.Second, WithinSLA: 1},
	}}
	var table, csvOut bytes.Buffer
	require.NoError(t, r.Render(&table, "table"))
	require.Contains(t, table.String(), "crítica")
	require.NoError(t, r.Render(&csvOut, "csv"))
	require.Contains(t, csvOut.String(), "critical,")
	require.NotContains(t, csvOut.String(), "crítica")
	r.By = "source"
	r.Rows[0].Group = "low"
	table.Reset()
	require.NoError(t, r.Render(&table, "table"))
	require.NotContains(t, table.String(), "baja", "only label and severity groups are translated")
}
