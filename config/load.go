package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// LoadOptions says where configuration comes from.
type LoadOptions struct {
	// File is a YAML config file; empty uses Default().
	File string
	// Flags are command-line flags; each flag whose name is in FlagKeys and
	// that was set overrides its key.
	Flags *pflag.FlagSet
	// FlagKeys maps a flag name to the config key it sets; nil uses
	// DefaultFlagKeys.
	FlagKeys map[string]string
	// Demo adds the bundled demo source (escucha run --demo).
	Demo bool
	// AllowNoSources accepts a configuration without sources, for commands
	// that only read the store (report, ack, replay).
	AllowNoSources bool
}

// DefaultFlagKeys are the flags escucha's commands offer for config keys.
var DefaultFlagKeys = map[string]string{
	"data-dir":  "data_dir",
	"http-addr": "http.addr",
	"nats-url":  "nats.url",
	"log-level": "log.level",
	"language":  "language",
	// Only eval and classify offer it.
	"suggestions": "classifier.suggestions",
}

// Load reads the configuration: defaults, then the YAML file, then
// ESCUCHA_* environment variables (ESCUCHA_NATS_URL sets nats.url), then
// flags. It returns every problem found, each an *Error naming its key.
// Without a file the demo brand of Default() is used; with a file the brand
// and the recipients come from the file only.
func Load(opts LoadOptions) (Config, error) {
	base := Default()
	v := viper.NewWithOptions(viper.ExperimentalBindStruct())
	v.SetEnvPrefix("ESCUCHA")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if opts.File != "" {
		base.Brand = Brand{}
		base.CEO = CEO{}
		base.Recipients = nil
		base.Routes = nil
		v.SetConfigFile(opts.File)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("read config %s: %w", opts.File, err)
		}
	}
	if opts.Flags != nil {
		keys := opts.FlagKeys
		if keys == nil {
			keys = DefaultFlagKeys
		}
		for name, key := range keys {
			if f := opts.Flags.Lookup(name); f != nil && f.Changed {
				if err := v.BindPFlag(key, f); err != nil {
					return Config{}, fmt.Errorf("bind flag --%s: %w", name, err)
				}
			}
		}
	}
	// Lists and maps given in the file replace the defaults instead of
	// merging with them.
	for key, clear := range map[string]func(){
		"sources":        func() { base.Sources = nil },
		"recipients":     func() { base.Recipients = nil },
		"routes":         func() { base.Routes = nil },
		"brand.keywords": func() { base.Brand.Keywords = nil },
		"brand.handles":  func() { base.Brand.Handles = nil },
		"ceo.handles":    func() { base.CEO.Handles = nil },
		"ceo.aliases":    func() { base.CEO.Aliases = nil },
	} {
		if v.IsSet(key) {
			clear()
		}
	}
	err := v.UnmarshalExact(&base, func(dc *mapstructure.DecoderConfig) {
		dc.WeaklyTypedInput = false
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			stringScalarHook,
			mapstructure.StringToTimeDurationHookFunc(),
		)
	})
	if err != nil {
		return Config{}, decodeErrors(opts.File, err)
	}
	if opts.Demo {
		base.Demo = true
	}
	// Links in alerts follow http.addr unless http.public_url is set.
	if !v.IsSet("http.public_url") && base.HTTP.Addr != Default().HTTP.Addr {
		base.HTTP.PublicURL = ""
	}
	base.applyDefaults()
	err = base.Validate()
	if err != nil && opts.AllowNoSources {
		err = dropError(err, "sources", ErrRequired)
	}
	if err != nil {
		if opts.File != "" {
			return base, fmt.Errorf("config %s: %w", opts.File, err)
		}
		return base, err
	}
	return base, nil
}

// dropError removes the *Error with key and cause from a joined error.
func dropError(err error, key string, cause error) error {
	var keep []error
	for _, e := range Errors(err) {
		if e.Key == key && errors.Is(e.Err, cause) {
			continue
		}
		keep = append(keep, e)
	}
	return errors.Join(keep...)
}

// applyDefaults fills per-element defaults that Default() cannot express.
func (c *Config) applyDefaults() {
	hasDemo := false
	for i := range c.Sources {
		c.Sources[i] = DefaultSource(c.Sources[i])
		if c.Sources[i].Type == "demo" {
			hasDemo = true
		}
	}
	if c.Demo && !hasDemo {
		c.Sources = append(c.Sources, DefaultSource(Source{Name: "demo", Type: "demo"}))
	}
	if c.HTTP.PublicURL == "" && c.HTTP.Addr != "" {
		c.HTTP.PublicURL = publicURLFor(c.HTTP.Addr)
	}
}

// publicURLFor is the URL a browser on this machine uses to reach a server
// listening on addr: a wildcard host (":8080", "0.0.0.0:8080", "[::]:8080")
// becomes 127.0.0.1.
func publicURLFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr // Validate names the bad address
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// stringScalarHook lets environment variables and flags (always strings)
// set numbers, booleans and lists, without viper's weak typing, which
// would silently accept a list where a number belongs.
func stringScalarHook(from, to reflect.Type, data any) (any, error) {
	s, ok := data.(string)
	if !ok || from.Kind() != reflect.String {
		return data, nil
	}
	switch to.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		if to == reflect.TypeFor[time.Duration]() {
			return data, nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return n, nil
	case reflect.Float64, reflect.Float32:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return b, nil
	case reflect.Slice:
		if to.Elem().Kind() == reflect.String {
			if s == "" {
				return []string{}, nil
			}
			parts := strings.Split(s, ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			return parts, nil
		}
	}
	return data, nil
}

// decodeErrors turns mapstructure's errors into *Error values naming keys.
func decodeErrors(file string, err error) error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		var de *mapstructure.DecodeError
		if errors.As(e, &de) {
			key := de.Name()
			cause := de.Unwrap()
			var inner *mapstructure.DecodeError
			if errors.As(cause, &inner) {
				walk(cause)
				return
			}
			msg := cause.Error()
			switch {
			case strings.HasPrefix(msg, "has invalid keys: "):
				for _, k := range strings.Split(strings.TrimPrefix(msg, "has invalid keys: "), ", ") {
					full := k
					if key != "" {
						full = key + "." + k
					}
					out = append(out, &Error{Key: full, Err: ErrUnknownKey, Hint: "remove it or check its spelling"})
				}
			default:
				hint := ""
				if strings.Contains(msg, "duration") {
					hint = "use a duration such as 90s, 15m or 24h"
				}
				out = append(out, &Error{Key: key, Err: fmt.Errorf("%w: %s", ErrWrongType, msg), Hint: hint})
			}
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
			return
		}
		msg := e.Error()
		if strings.HasPrefix(msg, "has invalid keys: ") {
			for _, k := range strings.Split(strings.TrimPrefix(msg, "has invalid keys: "), ", ") {
				out = append(out, &Error{Key: k, Err: ErrUnknownKey, Hint: "remove it or check its spelling"})
			}
			return
		}
		out = append(out, e)
	}
	walk(err)
	where := "config"
	if file != "" {
		where = "config " + file
	}
	return fmt.Errorf("%s: %w", where, errors.Join(out...))
}

// fileExists reports whether path names a readable regular file.
func fileExists(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	return nil
}
