package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Validate checks the whole tree and returns every problem joined, each an
// *Error naming its key.
func (c Config) Validate() error {
	var errs []error
	add := func(key string, value any, err error, hint string) {
		errs = append(errs, &Error{Key: key, Value: value, Err: err, Hint: hint})
	}
	if c.Language != "es" && c.Language != "en" {
		add("language", c.Language, ErrInvalid, `use "es" or "en"`)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		add("data_dir", nil, ErrRequired, "")
	}
	if strings.TrimSpace(c.Brand.Name) == "" {
		add("brand.name", nil, ErrRequired, "the name people use for the company, for example \"Volta\"")
	}
	for i, h := range c.Brand.Handles {
		if !validHandle(h) {
			add(fmt.Sprintf("brand.handles[%d]", i), h, ErrInvalid, "a handle without @, letters, digits and _")
		}
	}
	for i, h := range c.CEO.Handles {
		if !validHandle(h) {
			add(fmt.Sprintf("ceo.handles[%d]", i), h, ErrInvalid, "a handle without @, letters, digits and _")
		}
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		add("log.level", c.Log.Level, ErrInvalid, "use debug, info, warn or error")
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		add("log.format", c.Log.Format, ErrInvalid, "use text or json")
	}
	if c.HTTP.Addr != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
			add("http.addr", c.HTTP.Addr, ErrInvalid, "use host:port, for example 127.0.0.1:8080")
		}
	}
	if c.HTTP.PublicURL != "" {
		if u, err := url.Parse(c.HTTP.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("http.public_url", c.HTTP.PublicURL, ErrInvalid, "an absolute http(s) URL")
		}
	}
	if c.NATS.URL != "" {
		for _, one := range strings.Split(c.NATS.URL, ",") {
			u, err := url.Parse(strings.TrimSpace(one))
			if err != nil || u.Host == "" || !slices.Contains([]string{"nats", "tls", "ws", "wss"}, u.Scheme) {
				add("nats.url", RedactURL(c.NATS.URL), ErrInvalid, "use nats://host:4222 (comma-separated for a cluster)")
				break
			}
			if u.User != nil {
				if _, has := u.User.Password(); has {
					add("nats.url", RedactURL(c.NATS.URL), ErrInvalid, "do not put a password in the URL; use nats.password.env or nats.password.file")
					break
				}
			}
		}
	}
	if !validToken(c.NATS.Prefix) {
		add("nats.prefix", c.NATS.Prefix, ErrInvalid, "one NATS subject token: letters, digits, - and _")
	}
	if p := c.NATS.Embedded.Port; p < -1 || p > 65535 {
		add("nats.embedded.port", p, ErrInvalid, "-1 (random), 0 (in-process only) or a port")
	}
	if p := c.NATS.Embedded.WebsocketPort; p < -1 || p > 65535 {
		add("nats.embedded.websocket_port", p, ErrInvalid, "-1 (random), 0 (off) or a port")
	}
	if c.NATS.DuplicateWindow <= 0 {
		add("nats.duplicate_window", c.NATS.DuplicateWindow, ErrInvalid, "a positive duration such as 24h")
	}
	if err := checkSecret(c.NATS.Password); err != nil {
		add("nats.password", nil, err, "")
	}
	if c.Classifier.Threshold < 0 || c.Classifier.Threshold > 1 {
		add("classifier.threshold", c.Classifier.Threshold, ErrInvalid, "a number between 0 and 1")
	}
	switch c.Classifier.Suggestions {
	case "", "brand", "any":
	default:
		add("classifier.suggestions", c.Classifier.Suggestions, ErrInvalid, "brand (proposals to the company) or any (advice to other customers too)")
	}
	if c.Classifier.RulesFile != "" {
		if err := fileExists(c.Classifier.RulesFile); err != nil {
			add("classifier.rules_file", c.Classifier.RulesFile, err, "")
		}
	}
	errs = append(errs, c.validateSources()...)
	errs = append(errs, c.validateRecipients()...)
	errs = append(errs, c.validateAlerting()...)
	errs = append(errs, c.validateWeb()...)
	errs = append(errs, c.validateDelivery()...)
	for name, d := range map[string]time.Duration{
		"report.sla.post_to_alert":      c.Report.SLA.PostToAlert,
		"report.sla.alert_to_ack":       c.Report.SLA.AlertToAck,
		"report.sla.post_to_response":   c.Report.SLA.PostToResponse,
		"report.sla.post_to_resolution": c.Report.SLA.PostToResolution,
	} {
		if d <= 0 {
			add(name, d, ErrInvalid, "a positive duration such as 15m")
		}
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		var ea, eb *Error
		if errors.As(a, &ea) && errors.As(b, &eb) {
			return strings.Compare(ea.Key, eb.Key)
		}
		return 0
	})
	return errors.Join(errs...)
}

func (c Config) validateSources() []error {
	var errs []error
	add := func(key string, value any, err error, hint string) {
		errs = append(errs, &Error{Key: key, Value: value, Err: err, Hint: hint})
	}
	if len(c.Sources) == 0 {
		add("sources", nil, ErrRequired, "configure at least one source, or run with --demo")
	}
	seen := map[string]int{}
	for i, s := range c.Sources {
		k := fmt.Sprintf("sources[%d]", i)
		if !validToken(s.Name) {
			add(k+".name", s.Name, ErrInvalid, "a short name: letters, digits, - and _")
		} else if j, dup := seen[s.Name]; dup {
			add(k+".name", s.Name, ErrInvalid, fmt.Sprintf("already used by sources[%d]", j))
		}
		seen[s.Name] = i
		if s.Interval <= 0 {
			add(k+".interval", s.Interval, ErrInvalid, "a positive duration such as 60s")
		}
		switch s.Type {
		case "x":
			if s.X.API != "v2" && s.X.API != "v1.1" {
				add(k+".x.api", s.X.API, ErrInvalid, `use "v2" or "v1.1"`)
			}
			if u, err := url.Parse(s.X.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				add(k+".x.base_url", s.X.BaseURL, ErrInvalid, "an absolute http(s) URL")
			}
			if s.X.MaxResults < 10 || s.X.MaxResults > 100 {
				add(k+".x.max_results", s.X.MaxResults, ErrInvalid, "between 10 and 100")
			}
			if len(s.X.Query) > 512 {
				add(k+".x.query", len(s.X.Query), ErrInvalid, "X accepts queries of at most 512 characters")
			}
			if err := checkSecret(s.X.BearerToken); err != nil {
				add(k+".x.bearer_token", nil, err, "")
			} else if tok, _ := s.X.BearerToken.Resolve(); tok == "" {
				hint := "set x.bearer_token.env or x.bearer_token.file (see README: pointing escucha at X)"
				if s.X.BearerToken.Env != "" {
					hint = "the environment variable " + s.X.BearerToken.Env + " is empty (see README: pointing escucha at X)"
				}
				add(k+".x.bearer_token", nil, ErrRequired, hint)
			}
			for j, h := range s.X.MentionAccounts {
				if !validHandle(h) {
					add(fmt.Sprintf("%s.x.mention_accounts[%d]", k, j), h, ErrInvalid, "a handle without @")
				}
			}
			for j, h := range s.X.ReplyAccounts {
				if !validHandle(h) {
					add(fmt.Sprintf("%s.x.reply_accounts[%d]", k, j), h, ErrInvalid, "a handle without @")
				}
			}
		case "demo":
			if s.Demo.Speed <= 0 {
				add(k+".demo.speed", s.Demo.Speed, ErrInvalid, "a positive number")
			}
			if s.Demo.File != "" {
				if err := fileExists(s.Demo.File); err != nil {
					add(k+".demo.file", s.Demo.File, err, "")
				}
			}
		case "":
			add(k+".type", nil, ErrRequired, `use "x" or "demo"`)
		default:
			add(k+".type", s.Type, ErrInvalid, `use "x" or "demo"`)
		}
	}
	return errs
}

func (c Config) validateRecipients() []error {
	var errs []error
	add := func(key string, value any, err error, hint string) {
		errs = append(errs, &Error{Key: key, Value: value, Err: err, Hint: hint})
	}
	for id, r := range c.Recipients {
		k := "recipients." + id
		if !validToken(id) {
			add(k, id, ErrInvalid, "recipient ids are NATS subject tokens: letters, digits, - and _")
		}
		if r.Language != "" && r.Language != "es" && r.Language != "en" {
			add(k+".language", r.Language, ErrInvalid, `use "es" or "en"`)
		}
		if r.Timezone != "" {
			if _, err := time.LoadLocation(r.Timezone); err != nil {
				add(k+".timezone", r.Timezone, ErrInvalid, "an IANA zone such as Europe/Madrid")
			}
		}
		if err := checkSecret(r.Password); err != nil {
			add(k+".password", nil, err, "")
		}
	}
	sources := map[string]bool{}
	for _, s := range c.Sources {
		sources[s.Name] = true
	}
	for i, rt := range c.Routes {
		k := fmt.Sprintf("routes[%d]", i)
		if len(rt.Recipients) == 0 {
			add(k+".recipients", nil, ErrRequired, "")
		}
		for j, r := range rt.Recipients {
			if _, ok := c.Recipients[r]; !ok {
				add(fmt.Sprintf("%s.recipients[%d]", k, j), r, fmt.Errorf("%w: undefined recipient", ErrInvalid), "define it under recipients")
			}
		}
		for j, l := range rt.Match.Labels {
			if l != "complaint" && l != "suggestion" {
				add(fmt.Sprintf("%s.match.labels[%d]", k, j), l, ErrInvalid, "use complaint or suggestion")
			}
		}
		switch rt.Match.MinSeverity {
		case "", "low", "medium", "high", "critical":
		default:
			add(k+".match.min_severity", rt.Match.MinSeverity, ErrInvalid, "use low, medium, high or critical")
		}
		for j, l := range rt.Match.Langs {
			if l != "es" && l != "en" {
				add(fmt.Sprintf("%s.match.langs[%d]", k, j), l, ErrInvalid, `use "es" or "en"`)
			}
		}
		for j, s := range rt.Match.Sources {
			if !sources[s] && !(s == "demo" && c.Demo) {
				add(fmt.Sprintf("%s.match.sources[%d]", k, j), s, fmt.Errorf("%w: undefined source", ErrInvalid), "")
			}
		}
	}
	return errs
}

func checkSecret(s SecretRef) error {
	if s.Env != "" && s.File != "" {
		return fmt.Errorf("%w: set env or file, not both", ErrInvalid)
	}
	if s.File != "" {
		if err := fileExists(s.File); err != nil {
			return fmt.Errorf("secret file: %w", err)
		}
	}
	return nil
}

func validToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validHandle(s string) bool {
	if s == "" || len(s) > 50 || strings.HasPrefix(s, "@") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// RedactURL hides the credentials of a URL, or of each URL of a
// comma-separated list (a NATS cluster), before it reaches a message or a
// log: a password becomes "xxxxx", and so does a bare user part, which may
// be a token. An unparsable URL is not echoed at all.
func RedactURL(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "<unparsable url>"
			continue
		}
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			} else {
				u.User = url.User("xxxxx")
			}
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
