package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha/config"
)

func TestCalendarBetween(t *testing.T) {
	cal, err := NewCalendar(config.BusinessHours{Start: "09:00", End: "18:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Timezone: "Europe/Madrid"})
	require.NoError(t, err)
	mad, _ := time.LoadLocation("Europe/Madrid")
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, mad) } // 2026-11-20 is a Friday
	cases := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"inside one day", at(20, 10, 0), at(20, 10, 30), 30 * time.Minute},
		{"before opening counts from 09:00", at(20, 7, 0), at(20, 9, 15), 15 * time.Minute},
		{"friday evening to monday morning", at(20, 17, 0), at(23, 10, 0), 2 * time.Hour},
		{"whole weekend", at(21, 0, 0), at(23, 0, 0), 0},
		{"reversed", at(20, 11, 0), at(20, 10, 0), 0},
		{"night", at(19, 18, 0), at(20, 9, 0), 0},
		{"five weeks", at(2, 9, 0), at(2, 9, 0).AddDate(0, 0, 35), 25 * 9 * time.Hour},
		{"four weeks and a bit", at(2, 9, 0), at(2, 12, 0).AddDate(0, 0, 29), (21*9 + 3) * time.Hour},
	}
	for _, c := range cases {
		require.Equal(t, c.want, cal.Between(c.a, c.b), c.name)
	}
	// A UTC timestamp is placed in the calendar's zone: 08:30 UTC is 09:30 in Madrid.
	require.Equal(t, 30*time.Minute, cal.Between(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)))

	_, err = NewCalendar(config.BusinessHours{Start: "18:00", End: "09:00"})
	require.Error(t, err)
	_, err = NewCalendar(config.BusinessHours{Days: []string{"lun"}})
	require.Error(t, err)
}

func TestBusinessHoursAndWeeks(t *testing.T) {
	st := fixture(t, "x", "pablo")
	// t0 is Friday 2026-11-20 10:00 UTC. Business hours 10:00–10:01 UTC
	// make every working-time sample at most one minute.
	global, err := NewCalendar(config.BusinessHours{Start: "10:00", End: "10:01", Days: []string{"fri"}})
	require.NoError(t, err)
	pabloCal, err := NewCalendar(config.BusinessHours{Start: "00:00", End: "00:01", Days: []string{"mon"}})
	require.NoError(t, err)
	r, err := Build(t.Context(), st, Options{SLA: sla, By: "recipient", Calendar: global, Calendars: map[string]*Calendar{"pablo": pabloCal}})
	require.NoError(t, err)
	// Totals: post→alert of x/1 (10s, inside 10:00–10:01) is 10s in both;
	// the others (posted 11:00 and later, or on Saturday) are 0s of work.
	tot := r.Totals[0]
	require.Equal(t, PostToAlert, tot.Interval)
	require.NotNil(t, tot.Business)
	require.Equal(t, 10*time.Second, tot.Business.Max)
	require.Equal(t, time.Duration(0), tot.Business.Median)
	require.Equal(t, 30*time.Second, tot.Median, "calendar figures unchanged")
	require.InDelta(t, 1.0, tot.Business.WithinSLA, 1e-9)
	// pablo's calendar (Mondays 00:00–00:01) contains none of his samples.
	for _, row := range r.Rows {
		if row.Group == "pablo" && row.Count > 0 {
			require.Equal(t, time.Duration(0), row.Business.Max, row.Interval)
		}
	}
	var c bytes.Buffer
	require.NoError(t, r.Render(&c, "csv"))
	recs, err := csv.NewReader(&c).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"0", "10", "10", "1"}, recs[1][9:], "elena post→alert in business hours: median, p90 (rank 5 of 5), max, share")

	var h bytes.Buffer
	r.Language = "es"
	require.NoError(t, r.RenderPage(&h, Page{Nonce: "abc", Nav: []Link{{Href: "/", Label: "Bandeja"}}}))
	page := h.String()
	require.Contains(t, page, "Horario laboral")
	require.Contains(t, page, `<style nonce="abc">`)
	require.Contains(t, page, `id="sla-chart"`)
	require.NotContains(t, page, "style=\"", "no inline style attributes: the web CSP forbids them")

	w, err := Build(t.Context(), st, Options{SLA: sla, By: "week"})
	require.NoError(t, err)
	var groups []string
	for _, row := range w.Rows {
		if row.Interval == PostToAlert {
			groups = append(groups, row.Group)
		}
	}
	// t0+24h is Saturday 21st, still ISO week 47.
	require.Equal(t, []string{"2026-W47"}, groups)
	require.Equal(t, 5, w.Rows[0].Count)
	var tb bytes.Buffer
	require.NoError(t, w.Render(&tb, "table"))
	require.True(t, strings.Contains(tb.String(), "Week"))
}
