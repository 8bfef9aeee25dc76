package report

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"math"
	"strconv"
	"sync"
	"time"
)

// Page holds what the web server adds around the HTML report: a CSP nonce
// for the inline style, navigation links, the filter form and export
// links. The zero Page gives the self-contained file of `escucha report
// --format html`; the report itself is the same in both.
type Page struct {
	// Nonce is the Content-Security-Policy nonce of the inline <style>.
	Nonce string
	// Stylesheet is the URL of an extra stylesheet (the web's layout).
	Stylesheet string
	// Nav links go in a bar above the report.
	Nav []Link
	// Form, when set, shows the period and grouping controls.
	Form *Form
	// Exports are links to the same report in other formats.
	Exports []Link
}

// Link is one navigation or export link.
type Link struct {
	Href, Label string
	// Current marks the page being shown.
	Current bool
}

// Form is the state of the report's filter form (a GET form).
type Form struct {
	Action       string
	Since, Until string
	By           string
	// Labels of the form fields, in the page's language.
	SinceLabel, UntilLabel string
	// Extra are hidden fields kept across submissions.
	Extra map[string]string
}

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate parses the page's template the first time a report is
// rendered, not at start-up: most commands of the binary (classify,
// the daemon until someone asks for a report) never render one.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Parse(htmlSource))
})

type htmlRow struct {
	Grouped                       bool
	Group                         string
	Interval, Count, Open         string
	Median, P90, Max, SLA, Within string
	// Bar geometry (SVG user units, 0..200).
	MedianW, P90W, SLAX float64
	HasBar, HasSLA      bool
	// Business-hours cells, when the report has a calendar.
	BHMedian, BHP90, BHWithin string
}

type htmlSection struct {
	Title   string
	Grouped bool
	Rows    []htmlRow
}

type chartBar struct {
	Label             string
	Y                 int
	CalW, BHW         float64
	CalText, BHText   string
	HasCal, HasBH     bool
	CalTextX, BHTextX float64
}

type byOption struct {
	Value, Label string
	Selected     bool
}

type htmlData struct {
	Lang, Title, Period, Generated, MentionsLabel string
	Mentions                                      int
	T                                             texts
	GroupHead                                     string
	Sections                                      []htmlSection
	Business                                      bool
	Chart                                         []chartBar
	ChartHeight                                   int
	Page                                          Page
	ByOptions                                     []byOption
}

const barWidth = 200.0

func (r Report) htmlRows(rows []Stats, grouped bool, t texts) []htmlRow {
	// Scale every bar of one interval to the largest p90 or SLA of that
	// interval, so bars of different groups compare.
	scale := map[Interval]time.Duration{}
	for _, s := range rows {
		scale[s.Interval] = max(scale[s.Interval], s.P90, s.SLA)
	}
	out := make([]htmlRow, len(rows))
	for i, s := range rows {
		h := htmlRow{Grouped: grouped, Group: r.groupName(s.Group), Interval: t.Intervals[s.Interval], Count: strconv.Itoa(s.Count),
			Open: strconv.Itoa(s.Open), Median: r.durCell(s, s.Median, t), P90: r.durCell(s, s.P90, t),
			Max: r.durCell(s, s.Max, t), SLA: r.slaCell(s, t), Within: r.within(s, t)}
		if full := scale[s.Interval]; full > 0 {
			f := func(d time.Duration) float64 { return math.Round(float64(d)/float64(full)*barWidth*10) / 10 }
			h.HasBar = s.Count > 0
			h.MedianW, h.P90W = f(s.Median), f(s.P90)
			h.HasSLA, h.SLAX = s.SLA > 0, f(s.SLA)
		}
		if b := s.Business; b != nil {
			h.BHMedian, h.BHP90, h.BHWithin = r.durCell(s, b.Median, t), r.durCell(s, b.P90, t), share(b.WithinSLA, t)
		}
		out[i] = h
	}
	return out
}

// chart draws the share within SLA of each interval over all mentions, in
// calendar time and (with a calendar) in business hours.
func (r Report) chart(t texts) ([]chartBar, int) {
	var out []chartBar
	y := 4
	for _, s := range r.Totals {
		c := chartBar{Label: t.Intervals[s.Interval], Y: y}
		if !math.IsNaN(s.WithinSLA) {
			c.HasCal, c.CalW, c.CalText = true, math.Round(s.WithinSLA*3000)/10, share(s.WithinSLA, t)
			c.CalTextX = c.CalW + 164
		}
		if b := s.Business; b != nil && !math.IsNaN(b.WithinSLA) {
			c.HasBH, c.BHW, c.BHText = true, math.Round(b.WithinSLA*3000)/10, share(b.WithinSLA, t)
			c.BHTextX = c.BHW + 164
		}
		out = append(out, c)
		y += 34
	}
	return out, y
}

// RenderPage writes the HTML report as a whole page with the additions of
// p. Render(w, "html") is RenderPage(w, Page{}).
func (r Report) RenderPage(w io.Writer, p Page) error {
	t := r.texts()
	d := htmlData{Lang: r.Language, Title: t.Title, Period: r.period(t), MentionsLabel: t.Mentions,
		Mentions: r.Mentions, T: t, GroupHead: t.By[r.By], Business: r.Calendar != nil, Page: p,
		Generated: r.GeneratedAt.In(cmpLoc(r.Location)).Format("2006-01-02 15:04 MST")}
	if d.Lang == "" {
		d.Lang = "en"
	}
	d.Chart, d.ChartHeight = r.chart(t)
	d.ByOptions = append(d.ByOptions, byOption{Value: "", Label: t.NoGroup, Selected: r.By == ""})
	for _, g := range Groupings {
		d.ByOptions = append(d.ByOptions, byOption{Value: g, Label: t.By[g], Selected: r.By == g})
	}
	if r.By == "" {
		d.Sections = []htmlSection{{Rows: r.htmlRows(r.Rows, false, t)}}
	} else {
		d.Sections = []htmlSection{
			{Grouped: true, Rows: r.htmlRows(r.Rows, true, t)},
			{Title: t.Totals, Rows: r.htmlRows(r.Totals, false, t)},
		}
	}
	var b bytes.Buffer
	if err := htmlTemplate().Execute(&b, d); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func (r Report) renderHTML(w io.Writer) error { return r.RenderPage(w, Page{}) }

func cmpLoc(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}
