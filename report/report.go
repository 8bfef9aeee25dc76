// Package report owns escucha's time-to-response report: for each interval
// of the ledger (post→alert, alert→ack, post→response, post→resolution) the
// count, median, p90 and max and the share within its SLA, overall or per
// source, label, severity, recipient or day, rendered as an aligned table,
// CSV, JSON or a self-contained HTML page. It only reads the store.
//
// Definitions:
//
//   - The population is the flagged mentions (complaints and suggestions)
//     whose PostedAt is in [Since, Until).
//   - post→alert = ledger.NotifiedAt − PostedAt, alert→ack = ledger.AckedAt
//     − ledger.NotifiedAt (the first notification and the first ack of any
//     recipient), post→response = RespondedAt − PostedAt, post→resolution =
//     ResolvedAt − PostedAt.
//   - Grouped by recipient, each recipient counts once per mention it was
//     alerted about, with its own alerts' first NotifiedAt and first AckedAt
//     (escalation steps included); post→response and post→resolution are
//     the mention's and count in every recipient group of that mention.
//     Totals are always per mention.
//   - A sample exists when both ends are set; when only the start is set
//     the mention is counted as Open (still waiting) and is not in the
//     statistics. A negative interval (a source clock ahead of ours) counts
//     as zero.
//   - Percentiles are nearest-rank: the p-th percentile of n sorted samples
//     is the sample of rank ⌈p/100 × n⌉; the median is the 50th percentile,
//     so for an even n it is the lower of the two middle samples. Every
//     reported value is a real observed interval.
//   - WithinSLA is the share of samples ≤ the interval's SLA; with no SLA
//     (zero) it is not reported (NaN in Stats, null in JSON, empty in CSV).
//   - Business-hours figures (when Options.Calendar is set) measure the same
//     samples counting only working time: the global calendar, or the
//     recipient's own calendar in groups by recipient. The SLA applies to
//     working time there.
package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/store"
)

// Options chooses what a report covers.
type Options struct {
	// Since and Until bound the mentions' PostedAt: Since <= PostedAt < Until.
	// Zero values are open.
	Since, Until time.Time
	// By groups the rows: "" (no grouping), "source", "label", "severity",
	// "recipient", "day" or "week" (ISO week, 2026-W47).
	By string
	// SLA is the target of each interval.
	SLA config.SLA
	// Now stamps the report; default time.Now.
	Now func() time.Time
	// Language of table and HTML headings: "es" or "en" (default). CSV
	// headers and JSON keys are always English, for machines.
	Language string
	// Location is the time zone of "day" and "week" groups and printed
	// times; default UTC.
	Location *time.Location
	// Calendar, when set, adds business-hours figures measured on it.
	Calendar *Calendar
	// Calendars are the recipients' own calendars, used in groups by
	// recipient; a recipient without one uses Calendar.
	Calendars map[string]*Calendar
}

// Groupings lists the values Options.By accepts besides "".
var Groupings = []string{"source", "label", "severity", "recipient", "day", "week"}

// Interval names one measured interval of the ledger.
type Interval string

// The intervals, in report order.
const (
	PostToAlert      Interval = "post_to_alert"
	AlertToAck       Interval = "alert_to_ack"
	PostToResponse   Interval = "post_to_response"
	PostToResolution Interval = "post_to_resolution"
)

// Intervals lists every interval in report order.
var Intervals = []Interval{PostToAlert, AlertToAck, PostToResponse, PostToResolution}

// SLA returns the target of interval i in s, zero if none.
func (i Interval) SLA(s config.SLA) time.Duration {
	switch i {
	case PostToAlert:
		return s.PostToAlert
	case AlertToAck:
		return s.AlertToAck
	case PostToResponse:
		return s.PostToResponse
	case PostToResolution:
		return s.PostToResolution
	}
	return 0
}

// Stats summarises one interval in one group.
type Stats struct {
	Interval Interval
	// Group is the value of the grouping key ("" when not grouped).
	Group string
	// Count is the number of samples (both ends known).
	Count int
	// Open counts mentions whose interval started and has not ended.
	Open             int
	Median, P90, Max time.Duration
	// SLA is the interval's target (zero: none).
	SLA time.Duration
	// WithinSLA is the share (0..1) of samples within SLA; NaN if there is
	// no SLA or no sample.
	WithinSLA float64
	// Business holds the same figures in working time; nil without a
	// calendar.
	Business *BusinessStats
}

// BusinessStats are the figures of one Stats counted in business hours.
type BusinessStats struct {
	Median, P90, Max time.Duration
	// WithinSLA is the share of samples whose working time is within SLA;
	// NaN if there is no SLA or no sample.
	WithinSLA float64
}

// Report is a built report.
type Report struct {
	Options
	// GeneratedAt is when Build ran.
	GeneratedAt time.Time
	// Mentions is the number of flagged mentions covered.
	Mentions int
	// Rows has one Stats per group and interval, groups in order
	// (severity from most to least urgent, days in time order, others
	// alphabetically), intervals in Intervals order. Without grouping Rows
	// equals Totals.
	Rows []Stats
	// Totals has one Stats per interval over all mentions.
	Totals []Stats
}

// Build reads the store and computes the report. An unknown By is an error.
func Build(ctx context.Context, st *store.Store, opts Options) (Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Language == "" {
		opts.Language = "en"
	}
	if opts.By != "" && !slices.Contains(Groupings, opts.By) {
		return Report{}, fmt.Errorf("report: unknown grouping %q (want source, label, severity, recipient, day or week)", opts.By)
	}
	if opts.Language != "es" && opts.Language != "en" {
		return Report{}, fmt.Errorf("report: unknown language %q (want es or en)", opts.Language)
	}
	recs, err := st.Mentions(ctx, store.MentionQuery{Since: opts.Since, Until: opts.Until, Flagged: true})
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	r := Report{Options: opts, GeneratedAt: opts.Now(), Mentions: len(recs)}
	total := newSamples(opts.Calendar)
	groups := map[string]*samples{}
	group := func(name string) *samples {
		g, ok := groups[name]
		if !ok {
			cal := opts.Calendar
			if c, ok := opts.Calendars[name]; ok && opts.By == "recipient" && cal != nil {
				cal = c
			}
			g = newSamples(cal)
			groups[name] = g
		}
		return g
	}
	for _, rec := range recs {
		l := rec.Ledger
		total.addLedger(l)
		switch opts.By {
		case "source":
			group(rec.Mention.Source).addLedger(l)
		case "label":
			group(string(rec.Verdict.Label)).addLedger(l)
		case "severity":
			group(severityGroup(rec.Verdict.Severity)).addLedger(l)
		case "day":
			group(l.PostedAt.In(opts.Location).Format(time.DateOnly)).addLedger(l)
		case "week":
			y, w := l.PostedAt.In(opts.Location).ISOWeek()
			group(fmt.Sprintf("%04d-W%02d", y, w)).addLedger(l)
		case "recipient":
			per, err := perRecipient(ctx, st, rec)
			if err != nil {
				return Report{}, err
			}
			for name, pl := range per {
				group(name).addLedger(pl)
			}
		}
	}
	r.Totals = total.stats("", opts.SLA)
	if opts.By == "" {
		r.Rows = r.Totals
		return r, nil
	}
	names := make([]string, 0, len(groups))
	for name := range groups {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if opts.By == "severity" {
			if c := cmp.Compare(escucha.Severity(groupSeverity(b)).Rank(), escucha.Severity(groupSeverity(a)).Rank()); c != 0 {
				return c
			}
		}
		return cmp.Compare(a, b)
	})
	for _, name := range names {
		r.Rows = append(r.Rows, groups[name].stats(name, opts.SLA)...)
	}
	return r, nil
}

const noSeverity = "none"

func severityGroup(s escucha.Severity) string {
	if s == escucha.SeverityNone {
		return noSeverity
	}
	return string(s)
}

func groupSeverity(g string) string {
	if g == noSeverity {
		return ""
	}
	return g
}

// perRecipient builds, for each recipient alerted about rec, a ledger
// whose NotifiedAt and AckedAt are that recipient's first.
func perRecipient(ctx context.Context, st *store.Store, rec store.MentionRecord) (map[string]escucha.Ledger, error) {
	out := map[string]escucha.Ledger{}
	for _, id := range rec.Alerts {
		a, err := st.Alert(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("report: mention %s: %w", rec.Mention.Key(), err)
		}
		l, ok := out[a.Recipient]
		if !ok {
			l = rec.Ledger
			l.NotifiedAt, l.AckedAt, l.DeliveredAt = time.Time{}, time.Time{}, time.Time{}
		}
		l.NotifiedAt = earliest(l.NotifiedAt, a.NotifiedAt)
		l.AckedAt = earliest(l.AckedAt, a.AckedAt)
		l.DeliveredAt = earliest(l.DeliveredAt, a.DeliveredAt)
		out[a.Recipient] = l
	}
	return out, nil
}

func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// samples collects the intervals of one group.
type samples struct {
	d    map[Interval][]time.Duration
	bh   map[Interval][]time.Duration
	open map[Interval]int
	cal  *Calendar
}

func newSamples(cal *Calendar) *samples {
	return &samples{d: map[Interval][]time.Duration{}, bh: map[Interval][]time.Duration{}, open: map[Interval]int{}, cal: cal}
}

func (s *samples) addLedger(l escucha.Ledger) {
	s.add(PostToAlert, l.PostedAt, l.NotifiedAt)
	s.add(AlertToAck, l.NotifiedAt, l.AckedAt)
	s.add(PostToResponse, l.PostedAt, l.RespondedAt)
	s.add(PostToResolution, l.PostedAt, l.ResolvedAt)
}

func (s *samples) add(i Interval, start, end time.Time) {
	switch {
	case start.IsZero():
	case end.IsZero():
		s.open[i]++
	default:
		s.d[i] = append(s.d[i], max(end.Sub(start), 0))
		if s.cal != nil {
			s.bh[i] = append(s.bh[i], s.cal.Between(start, end))
		}
	}
}

func (s *samples) stats(group string, sla config.SLA) []Stats {
	out := make([]Stats, 0, len(Intervals))
	for _, i := range Intervals {
		st := summarize(i, group, s.d[i], s.open[i], i.SLA(sla))
		if s.cal != nil {
			b := summarize(i, group, s.bh[i], 0, i.SLA(sla))
			st.Business = &BusinessStats{Median: b.Median, P90: b.P90, Max: b.Max, WithinSLA: b.WithinSLA}
		}
		out = append(out, st)
	}
	return out
}

func summarize(i Interval, group string, ds []time.Duration, open int, sla time.Duration) Stats {
	st := Stats{Interval: i, Group: group, Count: len(ds), Open: open, SLA: sla, WithinSLA: math.NaN()}
	if len(ds) == 0 {
		return st
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	st.Median = Percentile(ds, 50)
	st.P90 = Percentile(ds, 90)
	st.Max = ds[len(ds)-1]
	if sla > 0 {
		n, _ := slices.BinarySearch(ds, sla+1)
		st.WithinSLA = float64(n) / float64(len(ds))
	}
	return st
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted: the sample of rank ⌈p/100 × n⌉. It returns 0 for no samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(n) / 100))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}
