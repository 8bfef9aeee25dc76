package listener

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/escucha/escucha/config"
)

// BuildOptions are the runtime parts sources need.
type BuildOptions struct {
	// HTTPClient makes the API calls (default: a client with a 30 s timeout).
	HTTPClient *http.Client
	// Logger receives the sources' own logs (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// factory builds one source from its (defaulted) config block.
type factory func(cfg config.Config, s config.Source, o BuildOptions) (Source, error)

// registry maps a source type to its constructor.
var registry = map[string]factory{
	"demo": func(_ config.Config, s config.Source, o BuildOptions) (Source, error) { return newDemo(s, o) },
	"x":    newX,
}

// DemoSourceName is the name of the source added by cfg.Demo.
const DemoSourceName = "demo"

// Build creates every configured source through the registry. Each entry
// of cfg.Sources passes through config.DefaultSource; when cfg.Demo is
// true a demo source named "demo" is added (unless one is configured).
// Construction errors of all sources are joined.
func Build(cfg config.Config, opts BuildOptions) ([]Source, error) {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var (
		out  []Source
		errs []error
		seen = map[string]bool{}
	)
	blocks := cfg.Sources
	if cfg.Demo {
		has := false
		for _, s := range blocks {
			has = has || s.Name == DemoSourceName
		}
		if !has {
			blocks = append(blocks[:len(blocks):len(blocks)], config.Source{Name: DemoSourceName, Type: "demo"})
		}
	}
	for i, s := range blocks {
		s = config.DefaultSource(s)
		f, ok := registry[s.Type]
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("sources[%d].name: empty", i))
			continue
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("sources[%d].name: duplicate source %q", i, s.Name))
			continue
		case !ok:
			errs = append(errs, fmt.Errorf("sources[%d].type: unknown source type %q", i, s.Type))
			continue
		}
		seen[s.Name] = true
		src, err := f(cfg, s, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("source %q: %w", s.Name, err))
			continue
		}
		out = append(out, src)
	}
	return out, errors.Join(errs...)
}
