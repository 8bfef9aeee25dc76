package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/escucha/escucha/report"
)

// parseWhen reads a point in time for the report form: a duration back
// from now ("7d", "36h"), a date (2026-11-20) or RFC 3339.
func parseWhen(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && strings.HasSuffix(s, "d") && n >= 0 {
		return now.AddDate(0, 0, -n), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use 7d, 36h, 2026-11-20 or RFC 3339", s)
}

type reportQuery struct{ Since, Until, By string }

func readReportQuery(r *http.Request) reportQuery {
	q := r.URL.Query()
	rq := reportQuery{Since: q.Get("since"), Until: q.Get("until"), By: q.Get("by")}
	if !q.Has("since") {
		rq.Since = "30d"
	}
	return rq
}

func (rq reportQuery) values() url.Values {
	v := url.Values{}
	v.Set("since", rq.Since)
	if rq.Until != "" {
		v.Set("until", rq.Until)
	}
	if rq.By != "" {
		v.Set("by", rq.By)
	}
	return v
}

// buildReport builds the report the page and the exports show, from the
// same options as `escucha report` (report.FromConfig).
func (s *Server) buildReport(r *http.Request, rq reportQuery, lang string) (report.Report, error) {
	opts, err := report.FromConfig(s.cfg)
	if err != nil {
		return report.Report{}, err
	}
	now := s.now()
	since, err := parseWhen(rq.Since, now, opts.Location)
	if err != nil {
		return report.Report{}, errStatus(http.StatusBadRequest, err)
	}
	until, err := parseWhen(rq.Until, now, opts.Location)
	if err != nil {
		return report.Report{}, errStatus(http.StatusBadRequest, err)
	}
	if rq.By != "" && !slices.Contains(report.Groupings, rq.By) {
		return report.Report{}, errStatus(http.StatusBadRequest, fmt.Errorf("unknown grouping %q", rq.By))
	}
	opts.Since, opts.Until, opts.By, opts.Language = since, until, rq.By, lang
	opts.Now = s.now
	return report.Build(r.Context(), s.st, opts)
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) error {
	rq := readReportQuery(r)
	base := s.base(r, "/reports")
	rep, err := s.buildReport(r, rq, base.Lang)
	if err != nil {
		return err
	}
	p := report.Page{Nonce: base.Nonce, Stylesheet: "/static/app.css",
		Form: &report.Form{Action: "/reports", Since: rq.Since, Until: rq.Until, By: rq.By,
			SinceLabel: base.T["report_since"], UntilLabel: base.T["report_until"]}}
	for _, n := range base.Nav {
		p.Nav = append(p.Nav, report.Link{Href: n.Href, Label: n.Label, Current: n.Current})
	}
	p.Nav = append(p.Nav, report.Link{Href: "/lang?l=" + base.OtherLang + "&next=" + url.QueryEscape(r.URL.RequestURI()), Label: base.T["switch_lang"]})
	v := rq.values().Encode()
	p.Exports = []report.Link{{Href: "/reports.csv?" + v, Label: base.T["report_csv"]}, {Href: "/reports.json?" + v, Label: base.T["report_json"]}}
	var b bytes.Buffer
	if err := rep.RenderPage(&b, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write(b.Bytes())
	return err
}

// reportsExport serves the report as CSV (a download) or JSON.
func (s *Server) reportsExport(format string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rep, err := s.buildReport(r, readReportQuery(r), s.lang(r))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := rep.Render(&b, format); err != nil {
			return err
		}
		switch format {
		case "csv":
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="escucha-report-`+s.now().Format("2006-01-02")+`.csv"`)
		default:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		_, err = w.Write(b.Bytes())
		return err
	}
}
