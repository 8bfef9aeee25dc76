package listener

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/store"
)

// memStore is the listener's boundary in these tests: a real bbolt store
// in t.TempDir() behind the Sink and Cursors interfaces, committing
// mentions, replies and cursor in one transaction as the daemon does. It
// also keeps what was delivered, for assertions on content, and can be
// told to fail (the faults a disk or a closed store would give).
type memStore struct {
	st         *store.Store
	mu         sync.Mutex
	mentions   map[string]escucha.Mention
	replies    map[string]escucha.Reply
	deliveries int
	failNext   int // fail this many deliveries
	cursorErr  error
}

// newMemStore opens the store; call it inside the synctest bubble that
// uses it, so the store's writer goroutine belongs to the bubble.
func newMemStore(t *testing.T) *memStore {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "escucha.db"), store.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return &memStore{st: st, mentions: map[string]escucha.Mention{}, replies: map[string]escucha.Reply{}}
}

func (s *memStore) Cursor(source string) (string, error) {
	s.mu.Lock()
	if s.cursorErr != nil {
		err := s.cursorErr
		s.cursorErr = nil
		s.mu.Unlock()
		return "", err
	}
	s.mu.Unlock()
	return s.st.Cursor(source)
}

func (s *memStore) Deliver(ctx context.Context, source string, p Page) error {
	s.mu.Lock()
	s.deliveries++
	if s.failNext > 0 {
		s.failNext--
		s.mu.Unlock()
		return errors.New("disk full")
	}
	s.mu.Unlock()
	b := store.Batch{Source: source, Cursor: p.Cursor, Replies: p.Replies}
	for _, m := range p.Mentions {
		b.Items = append(b.Items, store.Item{Mention: m, Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: m.Lang}})
	}
	if _, err := s.st.Commit(ctx, b); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range p.Mentions {
		s.mentions[m.Key()] = m
	}
	for _, r := range p.Replies {
		s.replies[escucha.MentionKey(r.Source, r.ID)] = r
	}
	return nil
}

// count is the number of mentions in the store.
func (s *memStore) count() int {
	n := 0
	if err := s.st.ForEachMention(context.Background(), func(store.MentionRecord) (bool, error) { n++; return true, nil }); err != nil {
		panic(err)
	}
	return n
}

// cursor is the source's cursor as committed in the store.
func (s *memStore) cursor(src string) string {
	c, err := s.st.Cursor(src)
	if err != nil {
		panic(err)
	}
	return c
}

// funcSource is a source whose Poll is a test function.
type funcSource struct {
	name     string
	interval time.Duration
	poll     func(ctx context.Context, cursor string) (Page, error)
}

func (f *funcSource) Name() string                                     { return f.name }
func (f *funcSource) Interval() time.Duration                          { return f.interval }
func (f *funcSource) Poll(ctx context.Context, c string) (Page, error) { return f.poll(ctx, c) }
