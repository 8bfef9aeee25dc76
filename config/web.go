package config

import "time"

// Web configures the review inbox and reports served in the browser.
type Web struct {
	// Users who may log in, by login name.
	Users map[string]User `mapstructure:"users"`
	// SessionTTL is how long a login lasts.
	SessionTTL time.Duration `mapstructure:"session_ttl"`
	// SecureCookies marks session cookies Secure (set when served over https).
	SecureCookies bool `mapstructure:"secure_cookies"`
}

// User is a person of the comms team, ops or an administrator.
type User struct {
	// Name is the display name.
	Name string `mapstructure:"name"`
	// Role is comms, ops or admin.
	Role string `mapstructure:"role"`
	// PasswordHash is a bcrypt hash (create one with `escucha passwd`);
	// the password itself is never configured.
	PasswordHash string `mapstructure:"password_hash"`
	// Language of the interface for this user; empty uses the global one.
	Language string `mapstructure:"language"`
	// Recipient links the user to a recipient id, for "assigned to me".
	Recipient string `mapstructure:"recipient"`
}

// Roles of web users.
const (
	// RoleComms works the review inbox: reads and acts on mentions.
	RoleComms = "comms"
	// RoleOps reads the reports and the inbox, without acting.
	RoleOps = "ops"
	// RoleAdmin does everything, including the rules and users pages.
	RoleAdmin = "admin"
)

// BusinessHours is a working calendar: the hours of each working day in a
// time zone. Business-hours figures of the reports count only time inside
// it. The zero value means 09:00 to 18:00, Monday to Friday, UTC.
type BusinessHours struct {
	// Start and End of the working day, "HH:MM" (24-hour clock).
	Start string `mapstructure:"start"`
	End   string `mapstructure:"end"`
	// Days are the working days: mon, tue, wed, thu, fri, sat, sun.
	Days []string `mapstructure:"days"`
	// Timezone is an IANA zone; a recipient's override uses the
	// recipient's timezone when this is empty.
	Timezone string `mapstructure:"timezone"`
}

// WithDefaults fills empty fields of b: 09:00, 18:00, mon–fri and the
// given zone (UTC when empty).
func (b BusinessHours) WithDefaults(zone string) BusinessHours {
	if b.Start == "" {
		b.Start = "09:00"
	}
	if b.End == "" {
		b.End = "18:00"
	}
	if len(b.Days) == 0 {
		b.Days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	if b.Timezone == "" {
		b.Timezone = zone
	}
	if b.Timezone == "" {
		b.Timezone = "UTC"
	}
	return b
}

// RecipientHours returns the business hours of a recipient: its override
// or the global ones, in the recipient's timezone unless the hours name
// their own.
func (c Config) RecipientHours(id string) BusinessHours {
	r := c.Recipients[id]
	b := c.Report.BusinessHours
	if r.BusinessHours != nil {
		b = *r.BusinessHours
	}
	if b.Timezone == "" {
		b.Timezone = r.Timezone
	}
	return b.WithDefaults(c.Report.BusinessHours.Timezone)
}
