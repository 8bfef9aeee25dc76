package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// stopper is a named teardown registered the moment its resource exists.
type stopper struct {
	name string
	fn   func(context.Context) error
}

// lifecycle runs teardowns in reverse order of registration, once.
type lifecycle struct {
	mu      sync.Mutex
	stops   []stopper
	stopped bool
	err     error
}

// onStop registers fn to run at Stop, after every later registration.
func (l *lifecycle) onStop(name string, fn func(context.Context) error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stops = append(l.stops, stopper{name: name, fn: fn})
}

// stop runs every teardown, last registered first; it is idempotent and
// bounded by ctx. first is true for the call that did the work.
func (l *lifecycle) stop(ctx context.Context, log *slog.Logger) (first bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false, l.err
	}
	l.stopped = true
	var errs []error
	for i := len(l.stops) - 1; i >= 0; i-- {
		s := l.stops[i]
		if err := s.fn(ctx); err != nil {
			log.Error("stop failed", "component", s.name, "err", err)
			errs = append(errs, fmt.Errorf("stop %s: %w", s.name, err))
		} else {
			log.Debug("stopped", "component", s.name)
		}
	}
	l.err = errors.Join(errs...)
	return true, l.err
}
