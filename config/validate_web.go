package config

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// validateWeb checks the web users and the business hours.
func (c Config) validateWeb() []error {
	var errs []error
	add := func(key string, value any, err error, hint string) {
		errs = append(errs, &Error{Key: key, Value: value, Err: err, Hint: hint})
	}
	if c.Web.SessionTTL < 0 {
		add("web.session_ttl", c.Web.SessionTTL, ErrInvalid, "a positive duration such as 12h (0 uses 12h)")
	}
	for name, u := range c.Web.Users {
		k := "web.users." + name
		if !validToken(name) {
			add(k, name, ErrInvalid, "login names are letters, digits, - and _")
		}
		switch u.Role {
		case RoleComms, RoleOps, RoleAdmin:
		case "":
			add(k+".role", nil, ErrRequired, "use comms, ops or admin")
		default:
			add(k+".role", u.Role, ErrInvalid, "use comms, ops or admin")
		}
		if err := CheckPasswordHash(u.PasswordHash); err != nil {
			// Never echo the hash itself.
			add(k+".password_hash", nil, err, "create one with `escucha passwd`")
		}
		if u.Language != "" && u.Language != "es" && u.Language != "en" {
			add(k+".language", u.Language, ErrInvalid, `use "es" or "en"`)
		}
		if u.Recipient != "" {
			if _, ok := c.Recipients[u.Recipient]; !ok {
				add(k+".recipient", u.Recipient, fmt.Errorf("%w: undefined recipient", ErrInvalid), "define it under recipients")
			}
		}
	}
	errs = append(errs, validateHours("report.business_hours", c.Report.BusinessHours)...)
	for id, r := range c.Recipients {
		if r.BusinessHours != nil {
			errs = append(errs, validateHours("recipients."+id+".business_hours", *r.BusinessHours)...)
		}
	}
	return errs
}

// CheckPasswordHash reports whether h looks like a bcrypt hash
// ($2a$/$2b$/$2y$) or an argon2id hash in PHC form ($argon2id$v=19$...).
func CheckPasswordHash(h string) error {
	switch {
	case h == "":
		return ErrRequired
	case strings.HasPrefix(h, "$argon2id$"):
		if len(strings.Split(h, "$")) != 6 {
			return fmt.Errorf("%w: malformed argon2id hash", ErrInvalid)
		}
		return nil
	case strings.HasPrefix(h, "$2"):
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			return fmt.Errorf("%w: malformed bcrypt hash", ErrInvalid)
		}
		return nil
	}
	return fmt.Errorf("%w: not a bcrypt or argon2id hash", ErrInvalid)
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseWeekday reads mon, tue, wed, thu, fri, sat or sun.
func ParseWeekday(s string) (time.Weekday, bool) {
	d, ok := weekdays[strings.ToLower(s)]
	return d, ok
}

// ParseClock reads "HH:MM" as a duration since midnight (Clock in minutes).
func ParseClock(s string) (time.Duration, error) {
	m, err := Clock(s)
	return time.Duration(m) * time.Minute, err
}

func validateHours(k string, b BusinessHours) []error {
	var errs []error
	add := func(key string, value any, hint string) {
		errs = append(errs, &Error{Key: key, Value: value, Err: ErrInvalid, Hint: hint})
	}
	full := b.WithDefaults("UTC")
	start, errStart := ParseClock(full.Start)
	if errStart != nil {
		add(k+".start", b.Start, "HH:MM, for example 09:00")
	}
	end, errEnd := ParseClock(full.End)
	if errEnd != nil {
		add(k+".end", b.End, "HH:MM, for example 18:00")
	}
	if errStart == nil && errEnd == nil && end <= start {
		add(k+".end", b.End, "the end of the working day must be after its start")
	}
	for i, d := range b.Days {
		if _, ok := ParseWeekday(d); !ok {
			add(fmt.Sprintf("%s.days[%d]", k, i), d, "use mon, tue, wed, thu, fri, sat or sun")
		}
	}
	if b.Timezone != "" {
		if _, err := time.LoadLocation(b.Timezone); err != nil {
			add(k+".timezone", b.Timezone, "an IANA zone such as Europe/Madrid")
		}
	}
	return errs
}
