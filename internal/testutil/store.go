package testutil

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/escucha/escucha/store"
)

// TempStore opens a store in a fresh t.TempDir() with NoSync. At cleanup
// it checks the file's consistency (bbolt's Tx.Check), unless the test
// closed the store itself, and closes it.
func TempStore(t testing.TB) *store.Store {
	t.Helper()
	return TempStoreWith(t, store.Options{})
}

// TempStoreWith is TempStore with options (a clock, a logger); NoSync is
// always set.
func TempStoreWith(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	opts.NoSync = true
	s, err := store.Open(filepath.Join(t.TempDir(), "escucha.db"), opts)
	if err != nil {
		t.Fatalf("open temp store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil && !errors.Is(err, store.ErrClosed) {
			t.Errorf("temp store inconsistent: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("close temp store: %v", err)
		}
	})
	return s
}
