package report

import (
	"fmt"
	"time"

	"github.com/escucha/escucha/config"
)

// Calendar is a working calendar: the working hours of each working day in
// one time zone. Business-hours figures count only the time of an interval
// that falls inside it.
type Calendar struct {
	loc        *time.Location
	start, end time.Duration // since local midnight
	days       [7]bool
}

// NewCalendar builds a calendar from config (empty fields take the
// defaults of config.BusinessHours.WithDefaults).
func NewCalendar(b config.BusinessHours) (*Calendar, error) {
	b = b.WithDefaults("UTC")
	loc, err := time.LoadLocation(b.Timezone)
	if err != nil {
		return nil, fmt.Errorf("business hours: timezone %q: %w", b.Timezone, err)
	}
	start, err := config.ParseClock(b.Start)
	if err != nil {
		return nil, fmt.Errorf("business hours: start: %w", err)
	}
	end, err := config.ParseClock(b.End)
	if err != nil {
		return nil, fmt.Errorf("business hours: end: %w", err)
	}
	if end <= start {
		return nil, fmt.Errorf("business hours: end %s is not after start %s", b.End, b.Start)
	}
	c := &Calendar{loc: loc, start: start, end: end}
	for _, d := range b.Days {
		wd, ok := config.ParseWeekday(d)
		if !ok {
			return nil, fmt.Errorf("business hours: unknown day %q", d)
		}
		c.days[wd] = true
	}
	return c, nil
}

// Calendars builds the global calendar of cfg and one per recipient.
func Calendars(cfg config.Config) (*Calendar, map[string]*Calendar, error) {
	global, err := NewCalendar(cfg.Report.BusinessHours)
	if err != nil {
		return nil, nil, err
	}
	per := make(map[string]*Calendar, len(cfg.Recipients))
	for id := range cfg.Recipients {
		c, err := NewCalendar(cfg.RecipientHours(id))
		if err != nil {
			return nil, nil, fmt.Errorf("recipient %s: %w", id, err)
		}
		per[id] = c
	}
	return global, per, nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Between returns the working time between a and b (zero if b is not
// after a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	a, b = a.In(c.loc), b.In(c.loc)
	var total time.Duration
	day := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, c.loc)
	for !day.After(b) {
		// Skip whole weeks in the middle of long intervals.
		if b.Sub(day) > 15*24*time.Hour && day.After(a) {
			weeks := int(b.Sub(day)/(7*24*time.Hour)) - 1
			total += time.Duration(weeks) * c.week()
			day = day.AddDate(0, 0, 7*weeks)
			continue
		}
		if c.days[day.Weekday()] {
			ws := c.at(day, c.start)
			we := c.at(day, c.end)
			s, e := maxTime(ws, a), minTime(we, b)
			if e.After(s) {
				total += e.Sub(s)
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return total
}

func (c *Calendar) at(day time.Time, d time.Duration) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(d/time.Hour), int(d%time.Hour/time.Minute), 0, 0, c.loc)
}

func (c *Calendar) week() time.Duration {
	var n time.Duration
	for _, on := range c.days {
		if on {
			n++
		}
	}
	return n * (c.end - c.start)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// FromConfig returns the report options that come from configuration:
// the SLA, the language, the global and per-recipient business-hours
// calendars, and the global calendar's zone as Location. The caller sets
// the period and grouping. `escucha report` and the web page both start
// from it, so they render the same report.
func FromConfig(cfg config.Config) (Options, error) {
	global, per, err := Calendars(cfg)
	if err != nil {
		return Options{}, err
	}
	return Options{SLA: cfg.Report.SLA, Language: cfg.Language, Calendar: global, Calendars: per, Location: global.Location()}, nil
}
