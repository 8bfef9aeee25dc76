package listener

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/escucha/escucha"
)

// memStore is the test's stand-in for the store at the listener's
// boundary: it commits mentions, replies and cursor together, keyed like
// the real store (source + native id), and can be told to fail.
type memStore struct {
	mu         sync.Mutex
	cursors    map[string]string
	mentions   map[string]escucha.Mention
	order      []string
	replies    map[string]escucha.Reply
	deliveries int
	failNext   int // fail this many deliveries
	cursorErr  error
}

func newMemStore() *memStore {
	return &memStore{cursors: map[string]string{}, mentions: map[string]escucha.Mention{}, replies: map[string]escucha.Reply{}}
}

func (s *memStore) Cursor(source string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cursorErr != nil {
		err := s.cursorErr
		s.cursorErr = nil
		return "", err
	}
	return s.cursors[source], nil
}

func (s *memStore) Deliver(_ context.Context, source string, p Page) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries++
	if s.failNext > 0 {
		s.failNext--
		return errors.New("disk full")
	}
	for _, m := range p.Mentions {
		if _, ok := s.mentions[m.Key()]; !ok {
			s.order = append(s.order, m.Key())
		}
		s.mentions[m.Key()] = m
	}
	for _, r := range p.Replies {
		s.replies[escucha.MentionKey(r.Source, r.ID)] = r
	}
	if p.Cursor != "" {
		s.cursors[source] = p.Cursor
	}
	return nil
}

func (s *memStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mentions)
}

func (s *memStore) cursor(src string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursors[src]
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
