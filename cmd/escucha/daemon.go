package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/notifier"
	"github.com/escucha/escucha/store"
)

// openStoreOrDaemon opens the store directly when no daemon holds it. When
// a daemon runs (the bbolt file is locked), it returns a NATS connection to
// that daemon instead, so the CLI acts through it.
func openStoreOrDaemon(ctx context.Context, cfg config.Config) (*store.Store, *nats.Conn, error) {
	path := filepath.Join(cfg.DataDir, "escucha.db")
	st, err := store.Open(path, store.Options{Timeout: 300 * time.Millisecond})
	if err == nil {
		return st, nil, nil
	}
	if !errors.Is(err, store.ErrLocked) {
		return nil, nil, err
	}
	nc, nerr := connectNATS(ctx, cfg)
	if nerr != nil {
		return nil, nil, fmt.Errorf("%w; and the running daemon cannot be reached over NATS: %w", err, nerr)
	}
	return nil, nc, nil
}

// connectNATS connects the CLI to the NATS server the daemon uses.
func connectNATS(ctx context.Context, cfg config.Config) (*nats.Conn, error) {
	url := cfg.NATS.URL
	if url == "" {
		if cfg.NATS.Embedded.Port <= 0 {
			return nil, errors.New("the embedded NATS server has no TCP port (nats.embedded.port)")
		}
		url = fmt.Sprintf("nats://%s:%d", cfg.NATS.Embedded.Host, cfg.NATS.Embedded.Port)
	}
	opts := []nats.Option{nats.Name("escucha-cli"), nats.Timeout(3 * time.Second)}
	if cfg.NATS.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.NATS.CredsFile))
	} else if cfg.NATS.User != "" {
		pw, err := cfg.NATS.Password.Resolve()
		if err != nil {
			return nil, fmt.Errorf("nats.password: %w", err)
		}
		opts = append(opts, nats.UserInfo(cfg.NATS.User, pw))
	} else if cfg.NATS.URL == "" {
		// The embedded server requires logins once recipients have NATS
		// passwords; the daemon leaves a local credential for the CLI.
		if user, pw, err := notifier.LocalCredentials(cfg.DataDir); err == nil {
			opts = append(opts, nats.UserInfo(user, pw))
		}
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	return nc, nil
}
