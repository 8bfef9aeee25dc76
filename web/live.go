package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// hub fans change notices out to the open inbox pages. A slow page misses
// notices rather than blocking: each subscriber keeps at most one pending.
type hub struct {
	mu     sync.Mutex
	subs   map[chan string]struct{}
	closed bool
	done   chan struct{}
}

func newHub() *hub { return &hub{subs: map[chan string]struct{}{}, done: make(chan struct{})} }

func (h *hub) subscribe() (chan string, func()) {
	ch := make(chan string, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.subs[ch] = struct{}{}
	}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs, ch)
	}
}

// notify tells every page that key changed ("" for "something changed").
func (h *hub) notify(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- key:
		default:
		}
	}
}

// close ends every stream (at server shutdown).
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// startLive subscribes to new mentions and alert events on NATS and turns
// them into change notices. Without a NATS connection pages still refresh
// on the fallback timer and on actions taken in the web.
func (s *Server) startLive(ctx context.Context) (func(), error) {
	if s.opts.NATS == nil {
		return func() {}, nil
	}
	var subs []*nats.Subscription
	stop := func() {
		for _, sub := range subs {
			_ = sub.Unsubscribe()
		}
	}
	for _, subj := range []string{s.opts.Prefix + ".mentions.>", s.opts.Prefix + ".events"} {
		sub, err := s.opts.NATS.Subscribe(subj, func(m *nats.Msg) { s.hub.notify(changedKey(m)) })
		if err != nil {
			stop()
			return nil, fmt.Errorf("web: subscribe %s: %w", subj, err)
		}
		subs = append(subs, sub)
	}
	return stop, nil
}

// changedKey finds the mention key in a mention message or an alert event,
// best effort; "" means "refresh anyway".
func changedKey(m *nats.Msg) string {
	var v struct {
		AlertID string `json:"alert_id"`
		Mention struct {
			Source string `json:"source"`
			ID     string `json:"id"`
		} `json:"mention"`
	}
	if json.Unmarshal(m.Data, &v) != nil {
		return ""
	}
	if v.Mention.Source != "" {
		return v.Mention.Source + "/" + v.Mention.ID
	}
	if i := strings.LastIndexByte(v.AlertID, '/'); i > 0 {
		if j := strings.LastIndexByte(v.AlertID[:i], '/'); j > 0 {
			return v.AlertID[:j]
		}
	}
	return ""
}

// events streams change notices as server-sent events ("change", data the
// mention key as JSON), with a comment every 25s to keep proxies open.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	ch, unsubscribe := s.hub.subscribe()
	defer unsubscribe()
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n: connected\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.hub.done:
			return nil
		case key := <-ch:
			data, _ := json.Marshal(map[string]string{"key": key})
			if _, err := fmt.Fprintf(w, "event: change\ndata: %s\n\n", data); err != nil {
				return nil
			}
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
