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

// Alerting configures how alerts reach phones beyond NATS: escalation,
// fatigue control and push gateways. See the recipients and routes too.
type Alerting struct{}
