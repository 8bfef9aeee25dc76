// Package config owns escucha's configuration: the typed tree, its
// defaults, loading from a YAML file, ESCUCHA_* environment variables and
// flags (in that order of precedence) with unknown keys as errors, and
// validation whose every error names the offending key.
//
// Config types are plain data; the packages that use them build their
// runtime structures (the route tree, the sources) from them.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Config is the whole configuration of escucha.
type Config struct {
	// Language of every text the comms team and executives read: "es" or "en".
	Language string `mapstructure:"language"`
	// DataDir holds the bbolt file and the embedded NATS store.
	DataDir string `mapstructure:"data_dir"`
	// Demo replays the bundled sample mentions instead of (or besides) the
	// configured sources; set by `escucha run --demo`.
	Demo bool `mapstructure:"demo"`

	Brand      Brand                `mapstructure:"brand"`
	CEO        CEO                  `mapstructure:"ceo"`
	Log        Log                  `mapstructure:"log"`
	HTTP       HTTP                 `mapstructure:"http"`
	NATS       NATS                 `mapstructure:"nats"`
	Classifier Classifier           `mapstructure:"classifier"`
	Sources    []Source             `mapstructure:"sources"`
	Recipients map[string]Recipient `mapstructure:"recipients"`
	Routes     []Route              `mapstructure:"routes"`
	Report     Report               `mapstructure:"report"`
	Web        Web                  `mapstructure:"web"`
	Alerting   Alerting             `mapstructure:"alerting"`
	Delivery   Delivery             `mapstructure:"delivery"`
}

// Brand describes the company being listened for.
type Brand struct {
	// Name is the brand's name as people write it ("Volta").
	Name string `mapstructure:"name"`
	// Keywords are extra words and phrases that mean the brand (products,
	// hashtags, common misspellings).
	Keywords []string `mapstructure:"keywords"`
	// Handles are the brand's own accounts, without @. Their mentions are
	// watched and their replies mark mentions as responded.
	Handles []string `mapstructure:"handles"`
}

// CEO describes the chief executive whose mentions have their own route.
type CEO struct {
	// Name is the CEO's full name ("Elena Ruiz").
	Name string `mapstructure:"name"`
	// Handles are the CEO's accounts, without @.
	Handles []string `mapstructure:"handles"`
	// Aliases are other ways people name the CEO ("la CEO de Volta").
	Aliases []string `mapstructure:"aliases"`
}

// Log configures the daemon's structured logs.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `mapstructure:"level"`
	// Format is text or json.
	Format string `mapstructure:"format"`
}

// HTTP configures the web server (review inbox, mobile page, metrics).
type HTTP struct {
	// Addr is the listen address; empty disables the server.
	Addr string `mapstructure:"addr"`
	// PublicURL is how phones and browsers reach escucha; alert links use it.
	PublicURL string `mapstructure:"public_url"`
}

// NATS configures the broker: embedded by default, external when URL is set.
type NATS struct {
	// URL of an external NATS server or cluster; empty embeds a server.
	URL string `mapstructure:"url"`
	// Prefix of every subject and stream (default "escucha").
	Prefix string `mapstructure:"prefix"`
	// User and Password authenticate escucha to an external server.
	User     string    `mapstructure:"user"`
	Password SecretRef `mapstructure:"password"`
	// CredsFile is a NATS .creds file for an external server.
	CredsFile string `mapstructure:"creds_file"`
	// Embedded configures the in-process server.
	Embedded Embedded `mapstructure:"embedded"`
	// DuplicateWindow is JetStream's Nats-Msg-Id deduplication window.
	DuplicateWindow time.Duration `mapstructure:"duplicate_window"`
}

// Embedded configures the in-process NATS server.
type Embedded struct {
	// Host and Port of the client listener; Port -1 picks a free port and
	// Port 0 disables the TCP listener (in-process connections only).
	Host string `mapstructure:"host"`
	Port int    `mapstructure:"port"`
	// WebsocketPort serves NATS over WebSocket for the mobile page; 0 disables.
	WebsocketPort int `mapstructure:"websocket_port"`
}

// Classifier configures the rule-based classifier.
type Classifier struct {
	// RulesFile is the company's own rules file, added to the built-in rules.
	RulesFile string `mapstructure:"rules_file"`
	// Threshold is the score under which a verdict is low confidence.
	Threshold float64 `mapstructure:"threshold"`
	// Suggestions says whose proposals count as suggestions: "brand" (the
	// default: proposals to the company, as the label rules say) or "any"
	// (advice to other customers too: "ask for a room at the back", "I'd
	// recommend the late checkout"), what SemEval-2019 Task 9 counts.
	Suggestions string `mapstructure:"suggestions"`
}

// Source configures one place mentions come from.
type Source struct {
	// Name identifies the source in the store, logs, subjects and reports.
	Name string `mapstructure:"name"`
	// Type selects the implementation: "x" or "demo".
	Type string `mapstructure:"type"`
	// Interval between polls.
	Interval time.Duration `mapstructure:"interval"`
	// X configures a source of type "x".
	X XSource `mapstructure:"x"`
	// Demo configures a source of type "demo".
	Demo DemoSource `mapstructure:"demo"`
}

// XSource configures the X (Twitter) source.
type XSource struct {
	// API is "v2" (default) or "v1.1" (through go-twitter, for accounts that
	// still have v1.1 access).
	API string `mapstructure:"api"`
	// BaseURL of the API (default https://api.x.com); tests point it at a
	// local server.
	BaseURL string `mapstructure:"base_url"`
	// BearerToken is the app-only bearer token (default env
	// ESCUCHA_X_BEARER_TOKEN).
	BearerToken SecretRef `mapstructure:"bearer_token"`
	// Query is the recent-search query; empty builds one from the brand
	// and CEO names and handles.
	Query string `mapstructure:"query"`
	// MentionAccounts are handles whose mention timelines are read
	// (default: brand and CEO handles).
	MentionAccounts []string `mapstructure:"mention_accounts"`
	// ReplyAccounts are the brand's own handles whose replies mark mentions
	// as responded (default: brand handles).
	ReplyAccounts []string `mapstructure:"reply_accounts"`
	// MaxResults per page, 10 to 100.
	MaxResults int `mapstructure:"max_results"`
}

// DemoSource configures the bundled demo source.
type DemoSource struct {
	// File replaces the bundled sample mentions with a JSON Lines file.
	File string `mapstructure:"file"`
	// Speed multiplies the replay speed (2 replays twice as fast).
	Speed float64 `mapstructure:"speed"`
}

// Recipient is a person who receives alerts.
type Recipient struct {
	// Name is the person's display name.
	Name string `mapstructure:"name"`
	// Language of the alerts for this person; empty uses the global one.
	Language string `mapstructure:"language"`
	// Timezone is an IANA zone name for quiet hours and business hours.
	Timezone string `mapstructure:"timezone"`
	// Password lets the person's phone connect to NATS as this recipient.
	Password SecretRef `mapstructure:"password"`
	// BusinessHours overrides report.business_hours for this person (in Timezone).
	BusinessHours *BusinessHours `mapstructure:"business_hours"`
	// RecipientAlerting holds this person's budget and quiet_hours.
	RecipientAlerting `mapstructure:",squash"`
	// RecipientDelivery holds the push channels (ntfy, webhook) of this person.
	RecipientDelivery `mapstructure:",squash"`
}

// Route sends matching flagged mentions to recipients. Routes are tried
// in order; every matching route notifies its recipients unless Continue
// is false on an earlier match.
type Route struct {
	// Name identifies the route in logs and errors.
	Name string `mapstructure:"name"`
	// Match selects the mentions this route is for.
	Match Match `mapstructure:"match"`
	// Recipients are keys of the recipients map.
	Recipients []string `mapstructure:"recipients"`
	// Continue lets later routes match too (default false: first match wins).
	Continue bool `mapstructure:"continue"`
	// RouteAlerting holds the route's group and escalation.
	RouteAlerting `mapstructure:",squash"`
}

// Match selects mentions; empty fields match everything.
type Match struct {
	Labels      []string `mapstructure:"labels"`
	MinSeverity string   `mapstructure:"min_severity"`
	// CEO, when set, matches only mentions that do (true) or do not (false)
	// address the CEO.
	CEO      *bool    `mapstructure:"ceo"`
	Sources  []string `mapstructure:"sources"`
	Langs    []string `mapstructure:"langs"`
	Keywords []string `mapstructure:"keywords"`
}

// Report configures the response-time targets.
type Report struct {
	// SLA is the target of each interval: post_to_alert, alert_to_ack,
	// post_to_response, post_to_resolution.
	SLA SLA `mapstructure:"sla"`
	// BusinessHours is the default working calendar of business-hours figures.
	BusinessHours BusinessHours `mapstructure:"business_hours"`
}

// SLA holds the target duration of each response interval.
type SLA struct {
	PostToAlert      time.Duration `mapstructure:"post_to_alert"`
	AlertToAck       time.Duration `mapstructure:"alert_to_ack"`
	PostToResponse   time.Duration `mapstructure:"post_to_response"`
	PostToResolution time.Duration `mapstructure:"post_to_resolution"`
}

// SecretRef says where a secret comes from: an environment variable or a
// file. Secrets never appear in the config file itself, in logs or in the
// store.
type SecretRef struct {
	// Env names an environment variable holding the secret.
	Env string `mapstructure:"env"`
	// File is a path to a file holding the secret (trailing newline trimmed).
	File string `mapstructure:"file"`
}

// IsSet reports whether the reference names a place.
func (s SecretRef) IsSet() bool { return s.Env != "" || s.File != "" }

// Resolve reads the secret. An unset reference gives "", nil.
func (s SecretRef) Resolve() (string, error) {
	if s.File != "" {
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if s.Env != "" {
		return os.Getenv(s.Env), nil
	}
	return "", nil
}

// String never prints the secret, only where it comes from.
func (s SecretRef) String() string {
	switch {
	case s.File != "":
		return "<secret from file " + s.File + ">"
	case s.Env != "":
		return "<secret from $" + s.Env + ">"
	}
	return "<unset>"
}

// DemoBrand is the fictional company of the bundled demo mentions.
const DemoBrand = "Volta"

// Default returns the configuration used when no file is given: the demo
// brand, an embedded NATS server on 127.0.0.1:4222, the data dir
// ./escucha-data and the web server on 127.0.0.1:8080.
func Default() Config {
	return Config{
		Language: "es",
		DataDir:  "./escucha-data",
		Brand: Brand{
			Name:     DemoBrand,
			Keywords: []string{"volta", "voltacars", "#volta"},
			Handles:  []string{"volta", "volta_ayuda"},
		},
		CEO: CEO{
			Name:    "Elena Ruiz",
			Handles: []string{"elenaruiz"},
		},
		Log:  Log{Level: "info", Format: "text"},
		HTTP: HTTP{Addr: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080"},
		NATS: NATS{
			Prefix:          "escucha",
			Embedded:        Embedded{Host: "127.0.0.1", Port: 4222, WebsocketPort: 9222},
			DuplicateWindow: 24 * time.Hour,
		},
		Classifier: Classifier{Threshold: 0.5, Suggestions: "brand"},
		Recipients: map[string]Recipient{
			"elena": {Name: "Elena Ruiz", Language: "es", Timezone: "Europe/Madrid"},
			"comms": {Name: "Comms team", Language: "es", Timezone: "Europe/Madrid"},
		},
		Routes: []Route{
			{Name: "ceo", Match: Match{CEO: ptr(true)}, Recipients: []string{"elena", "comms"}},
			{Name: "urgent", Match: Match{Labels: []string{"complaint"}, MinSeverity: "high"}, Recipients: []string{"elena", "comms"}},
			{Name: "flagged", Match: Match{Labels: []string{"complaint", "suggestion"}}, Recipients: []string{"comms"}},
		},
		Report: Report{SLA: SLA{
			PostToAlert:      time.Minute,
			AlertToAck:       15 * time.Minute,
			PostToResponse:   time.Hour,
			PostToResolution: 7 * 24 * time.Hour,
		}},
	}
}

// DefaultSource fills the defaults of one source block.
func DefaultSource(s Source) Source {
	if s.Interval == 0 {
		switch s.Type {
		case "demo":
			s.Interval = time.Second
		default:
			s.Interval = time.Minute
		}
	}
	if s.Type == "x" {
		if s.X.API == "" {
			s.X.API = "v2"
		}
		if s.X.BaseURL == "" {
			if s.X.API == "v1.1" {
				s.X.BaseURL = "https://api.twitter.com/1.1/"
			} else {
				s.X.BaseURL = "https://api.x.com"
			}
		}
		if !s.X.BearerToken.IsSet() {
			s.X.BearerToken.Env = "ESCUCHA_X_BEARER_TOKEN"
		}
		if s.X.MaxResults == 0 {
			s.X.MaxResults = 100
		}
	}
	if s.Type == "demo" && s.Demo.Speed == 0 {
		s.Demo.Speed = 1
	}
	return s
}

func ptr[T any](v T) *T { return &v }
