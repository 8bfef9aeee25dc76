package report

import (
	"bytes"

	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Formats lists the formats Render accepts.
var Formats = []string{"table", "csv", "json", "html"}

// Render writes the report in format "table" (aligned text for people),
// "csv" (one line per row, durations in seconds, English headers), "json"
// (durations in seconds, English keys) or "html" (a self-contained page
// with inline CSS and SVG bars, no scripts, every string escaped). Table
// and HTML print durations like 1m32s or 3h05m and use Options.Language.
func (r Report) Render(w io.Writer, format string) error {
	var err error
	switch format {
	case "table", "":
		err = r.renderTable(w)
	case "csv":
		err = r.renderCSV(w)
	case "json":
		err = r.renderJSON(w)
	case "html":
		err = r.renderHTML(w)
	default:
		return fmt.Errorf("render report: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("render report as %s: %w", format, err)
	}
	return nil
}

// Duration prints d for people: 850ms, 45s, 1m32s, 3h05m, 2d04h.
func Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		m := (s + 30) / 60 // round to the minute
		if m%60 == 0 && m/60 == 24 {
			return "1d00h"
		}
		return fmt.Sprintf("%dh%02dm", m/60, m%60)
	}
	h := (s + 1800) / 3600
	return fmt.Sprintf("%dd%02dh", h/24, h%24)
}

type texts struct {
	Title, Period, All, Since, Until, Generated, Mentions, Group, Interval, Count, Open,
	Median, P90, Max, SLA, Within, Totals, None string
	Calendar, Business, BH, WithinChart, GroupBy, NoGroup, Apply, ExportCSV, ExportJSON, ExportHTML string
	By                                                                                              map[string]string
	Intervals                                                                                       map[Interval]string
}

var lang = map[string]texts{
	"en": {
		Title: "Time to response", Period: "Period", All: "all", Since: "from", Until: "to",
		Generated: "Generated", Mentions: "Flagged mentions", Group: "Group", Interval: "Interval",
		Count: "Count", Open: "Open", Median: "Median", P90: "p90", Max: "Max", SLA: "SLA",
		Within: "Within SLA", Totals: "Totals", None: "—",
		Calendar: "Calendar time", Business: "Business hours", BH: "BH", WithinChart: "Share within SLA",
		GroupBy: "Group by", NoGroup: "no grouping", Apply: "Apply", ExportCSV: "Export CSV", ExportJSON: "JSON", ExportHTML: "Download HTML",
		By: map[string]string{"source": "Source", "label": "Label", "severity": "Severity", "recipient": "Recipient", "day": "Day", "week": "Week"},
		Intervals: map[Interval]string{PostToAlert: "post → alert", AlertToAck: "alert → ack",
			PostToResponse: "post → response", PostToResolution: "post → resolution"},
	},
	"es": {
		Title: "Tiempo de respuesta", Period: "Periodo", All: "todo", Since: "desde", Until: "hasta",
		Generated: "Generado", Mentions: "Menciones señaladas", Group: "Grupo", Interval: "Intervalo",
		Count: "Total", Open: "Abiertas", Median: "Mediana", P90: "p90", Max: "Máx.", SLA: "SLA",
		Within: "Dentro del SLA", Totals: "Totales", None: "—",
		Calendar: "Tiempo natural", Business: "Horario laboral", BH: "HL", WithinChart: "Proporción dentro del SLA",
		GroupBy: "Agrupar por", NoGroup: "sin agrupar", Apply: "Aplicar", ExportCSV: "Exportar CSV", ExportJSON: "JSON", ExportHTML: "Descargar HTML",
		By: map[string]string{"source": "Fuente", "label": "Etiqueta", "severity": "Gravedad", "recipient": "Destinatario", "day": "Día", "week": "Semana"},
		Intervals: map[Interval]string{PostToAlert: "publicación → alerta", AlertToAck: "alerta → acuse",
			PostToResponse: "publicación → respuesta", PostToResolution: "publicación → resolución"},
	},
}

// groupNames translates the label and severity values a report groups by;
// other groups (sources, recipients, days) are shown as they are. CSV and
// JSON keep the machine values.
var groupNames = map[string]map[string]string{
	"es": {"complaint": "queja", "suggestion": "sugerencia", "other": "otra",
		"critical": "crítica", "high": "alta", "medium": "media", "low": "baja", "none": "sin gravedad"},
	"en": {"none": "no severity"},
}

// groupName is how a person reads the group g of a label or severity report.
func (r Report) groupName(g string) string {
	if r.By != "label" && r.By != "severity" {
		return g
	}
	if n, ok := groupNames[r.Language][g]; ok {
		return n
	}
	return g
}

func (r Report) texts() texts {
	if t, ok := lang[r.Language]; ok {
		return t
	}
	return lang["en"]
}

func (r Report) period(t texts) string {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	f := func(x time.Time) string {
		if x.IsZero() {
			return "…"
		}
		return x.In(loc).Format("2006-01-02 15:04 MST")
	}
	if r.Since.IsZero() && r.Until.IsZero() {
		return t.All
	}
	return t.Since + " " + f(r.Since) + " " + t.Until + " " + f(r.Until)
}

func (r Report) within(s Stats, t texts) string { return share(s.WithinSLA, t) }

func share(v float64, t texts) string {
	if math.IsNaN(v) {
		return t.None
	}
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

func (r Report) durCell(s Stats, d time.Duration, t texts) string {
	if s.Count == 0 {
		return t.None
	}
	return Duration(d)
}

func (r Report) slaCell(s Stats, t texts) string {
	if s.SLA <= 0 {
		return t.None
	}
	return Duration(s.SLA)
}

func (r Report) renderTable(w io.Writer) error {
	t := r.texts()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s — %s: %s — %s: %d\n\n", t.Title, t.Period, r.period(t), t.Mentions, r.Mentions)
	write := func(rows []Stats, grouped bool) {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := []string{t.Interval, t.Count, t.Open, t.Median, t.P90, t.Max, t.SLA, t.Within}
		if r.Calendar != nil {
			head = append(head, t.Median+" "+t.BH, t.P90+" "+t.BH, t.Within+" "+t.BH)
		}
		if grouped {
			head = append([]string{t.By[r.By]}, head...)
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, s := range rows {
			cells := []string{t.Intervals[s.Interval], strconv.Itoa(s.Count), strconv.Itoa(s.Open),
				r.durCell(s, s.Median, t), r.durCell(s, s.P90, t), r.durCell(s, s.Max, t), r.slaCell(s, t), r.within(s, t)}
			if b := s.Business; b != nil {
				cells = append(cells, r.durCell(s, b.Median, t), r.durCell(s, b.P90, t), share(b.WithinSLA, t))
			}
			if grouped {
				cells = append([]string{tableSafe(r.groupName(s.Group))}, cells...)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		}
		_ = tw.Flush()
	}
	if r.By == "" {
		write(r.Rows, false)
	} else {
		write(r.Rows, true)
		fmt.Fprintf(&b, "\n%s\n", t.Totals)
		write(r.Totals, false)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// tableSafe keeps a stranger's string from breaking the table or the
// terminal: control characters (escape sequences, tabs, newlines) become
// spaces.
func tableSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

// CSVHeader is the header line of the CSV format. The bh_ columns are the
// business-hours figures, empty without a calendar.
var CSVHeader = []string{"group", "interval", "count", "open", "median_s", "p90_s", "max_s", "sla_s", "within_sla",
	"bh_median_s", "bh_p90_s", "bh_max_s", "bh_within_sla"}

func (r Report) renderCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, s := range r.Rows {
		sla, within := "", ""
		if s.SLA > 0 {
			sla = seconds(s.SLA)
		}
		if !math.IsNaN(s.WithinSLA) {
			within = strconv.FormatFloat(s.WithinSLA, 'f', -1, 64)
		}
		rec := []string{csvSafe(s.Group), string(s.Interval), strconv.Itoa(s.Count), strconv.Itoa(s.Open),
			seconds(s.Median), seconds(s.P90), seconds(s.Max), sla, within, "", "", "", ""}
		if b := s.Business; b != nil {
			rec[9], rec[10], rec[11] = seconds(b.Median), seconds(b.P90), seconds(b.Max)
			if !math.IsNaN(b.WithinSLA) {
				rec[12] = strconv.FormatFloat(b.WithinSLA, 'f', -1, 64)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formulas in a stranger's string (a leading
// = + - @ tab or CR) by prefixing a quote, as OWASP recommends.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

type jsonStats struct {
	Group     string   `json:"group,omitempty"`
	Interval  Interval `json:"interval"`
	Count     int      `json:"count"`
	Open      int      `json:"open"`
	Median    float64  `json:"median_s"`
	P90       float64  `json:"p90_s"`
	Max       float64  `json:"max_s"`
	SLA       *float64 `json:"sla_s"`
	WithinSLA *float64 `json:"within_sla"`
	// Business is the same in working time; absent without a calendar.
	Business *jsonBusiness `json:"business,omitempty"`
}

type jsonBusiness struct {
	Median    float64  `json:"median_s"`
	P90       float64  `json:"p90_s"`
	Max       float64  `json:"max_s"`
	WithinSLA *float64 `json:"within_sla"`
}

type jsonReport struct {
	Since       *time.Time  `json:"since,omitempty"`
	Until       *time.Time  `json:"until,omitempty"`
	By          string      `json:"by,omitempty"`
	GeneratedAt time.Time   `json:"generated_at"`
	Mentions    int         `json:"mentions"`
	Rows        []jsonStats `json:"rows"`
	Totals      []jsonStats `json:"totals"`
}

func toJSON(rows []Stats) []jsonStats {
	out := make([]jsonStats, len(rows))
	for i, s := range rows {
		j := jsonStats{Group: s.Group, Interval: s.Interval, Count: s.Count, Open: s.Open,
			Median: s.Median.Seconds(), P90: s.P90.Seconds(), Max: s.Max.Seconds()}
		if s.SLA > 0 {
			v := s.SLA.Seconds()
			j.SLA = &v
		}
		if !math.IsNaN(s.WithinSLA) {
			v := s.WithinSLA
			j.WithinSLA = &v
		}
		if b := s.Business; b != nil {
			j.Business = &jsonBusiness{Median: b.Median.Seconds(), P90: b.P90.Seconds(), Max: b.Max.Seconds()}
			if !math.IsNaN(b.WithinSLA) {
				v := b.WithinSLA
				j.Business.WithinSLA = &v
			}
		}
		out[i] = j
	}
	return out
}

func (r Report) renderJSON(w io.Writer) error {
	j := jsonReport{By: r.By, GeneratedAt: r.GeneratedAt, Mentions: r.Mentions, Rows: toJSON(r.Rows), Totals: toJSON(r.Totals)}
	if !r.Since.IsZero() {
		j.Since = &r.Since
	}
	if !r.Until.IsZero() {
		j.Until = &r.Until
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
