package config

import (
	"fmt"
	"time"
)

// maxRepeat bounds Escalation.Repeat, so a typo cannot page forever.
const maxRepeat = 100

// validateAlerting checks the alerting section and the alerting keys of
// recipients and routes.
func (c Config) validateAlerting() []error {
	var errs []error
	add := func(key string, value any, err error, hint string) {
		errs = append(errs, &Error{Key: key, Value: value, Err: err, Hint: hint})
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"alerting.group_window", c.Alerting.GroupWindow},
		{"alerting.group_update", c.Alerting.GroupUpdate},
		{"alerting.digest_interval", c.Alerting.DigestInterval},
		{"alerting.snooze", c.Alerting.Snooze},
	} {
		if d.v < 0 {
			add(d.key, d.v, ErrInvalid, "a positive duration such as 10m (0 takes the default)")
		}
	}
	if c.Alerting.Budget.PerHour < 0 {
		add("alerting.budget.per_hour", c.Alerting.Budget.PerHour, ErrInvalid, "0 (no limit) or more")
	}
	for id, r := range c.Recipients {
		k := "recipients." + id
		if r.Budget != nil && r.Budget.PerHour < 0 {
			add(k+".budget.per_hour", r.Budget.PerHour, ErrInvalid, "0 (no limit) or more")
		}
		if q := r.QuietHours; q != nil {
			start, err1 := Clock(q.Start)
			end, err2 := Clock(q.End)
			if err1 != nil {
				add(k+".quiet_hours.start", q.Start, ErrInvalid, `a time of day such as "22:00"`)
			}
			if err2 != nil {
				add(k+".quiet_hours.end", q.End, ErrInvalid, `a time of day such as "07:00"`)
			}
			if err1 == nil && err2 == nil && start == end {
				add(k+".quiet_hours", q.Start+"-"+q.End, ErrInvalid, "start and end must differ")
			}
		}
	}
	for i, rt := range c.Routes {
		k := fmt.Sprintf("routes[%d]", i)
		if rt.Group.Window < 0 {
			add(k+".group.window", rt.Group.Window, ErrInvalid, "a positive duration such as 10m (0 takes alerting.group_window)")
		}
		e := rt.Escalation
		if e.Repeat < 0 || e.Repeat > maxRepeat {
			add(k+".escalation.repeat", e.Repeat, ErrInvalid, fmt.Sprintf("between 0 and %d", maxRepeat))
		}
		if e.Repeat > 0 && len(e.Steps) == 0 {
			add(k+".escalation.steps", nil, ErrRequired, "repeat needs at least one step")
		}
		for j, s := range e.Steps {
			sk := fmt.Sprintf("%s.escalation.steps[%d]", k, j)
			if s.After <= 0 {
				add(sk+".after", s.After, ErrInvalid, "a positive duration such as 10m")
			}
			if len(s.Recipients) == 0 {
				add(sk+".recipients", nil, ErrRequired, "")
			}
			for n, name := range s.Recipients {
				if _, ok := c.Recipients[name]; !ok {
					add(fmt.Sprintf("%s.recipients[%d]", sk, n), name, fmt.Errorf("%w: undefined recipient", ErrInvalid), "define it under recipients")
				}
			}
		}
	}
	return errs
}
