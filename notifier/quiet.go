package notifier

import (
	"fmt"
	"time"

	"github.com/escucha/escucha/config"
)

// quietHours is a recipient's daily quiet span in their time zone: start
// and end in minutes after midnight; end < start spans midnight.
type quietHours struct {
	start, end int
	loc        *time.Location
}

// newQuietHours parses a recipient's quiet hours in zone (UTC when empty).
func newQuietHours(q config.QuietHours, zone string) (*quietHours, error) {
	start, err := config.Clock(q.Start)
	if err != nil {
		return nil, fmt.Errorf("quiet_hours.start: %w", err)
	}
	end, err := config.Clock(q.End)
	if err != nil {
		return nil, fmt.Errorf("quiet_hours.end: %w", err)
	}
	if start == end {
		return nil, fmt.Errorf("quiet_hours: start and end are both %s", q.Start)
	}
	loc := time.UTC
	if zone != "" {
		if loc, err = time.LoadLocation(zone); err != nil {
			return nil, fmt.Errorf("timezone: %w", err)
		}
	}
	return &quietHours{start: start, end: end, loc: loc}, nil
}

// until reports whether t falls in quiet hours and, if so, when they end.
// Times are read on the recipient's wall clock, so a daylight-saving change
// moves the span with the clock.
func (q *quietHours) until(t time.Time) (time.Time, bool) {
	if q == nil {
		return time.Time{}, false
	}
	lt := t.In(q.loc)
	minute := lt.Hour()*60 + lt.Minute()
	y, mo, d := lt.Date()
	endOn := func(dayOffset int) time.Time {
		return time.Date(y, mo, d+dayOffset, q.end/60, q.end%60, 0, 0, q.loc)
	}
	if q.start < q.end { // same day, e.g. 13:00-15:00
		if minute >= q.start && minute < q.end {
			return endOn(0), true
		}
		return time.Time{}, false
	}
	// Over midnight, e.g. 22:00-07:00.
	switch {
	case minute >= q.start:
		return endOn(1), true
	case minute < q.end:
		return endOn(0), true
	}
	return time.Time{}, false
}
