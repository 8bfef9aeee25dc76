package listener

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/store"
)

// pollLog records when and with which cursor a source was polled.
type pollLog struct {
	mu      sync.Mutex
	at      []time.Time
	cursors []string
}

func (p *pollLog) add(c string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at = append(p.at, time.Now())
	p.cursors = append(p.cursors, c)
	return len(p.at)
}

func (p *pollLog) snapshot() ([]time.Time, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.at...), append([]string(nil), p.cursors...)
}

func mention(src, id string) escucha.Mention {
	return escucha.Mention{Source: src, ID: id, Text: "hola " + id, PostedAt: time.Now(), FetchedAt: time.Now()}
}

// runFor runs the listener inside the bubble for d of fake time, then stops it.
func runFor(t *testing.T, l *Listener, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	time.Sleep(d)
	synctest.Wait()
	cancel()
	require.NoError(t, <-done)
}

func TestRunnerRateLimitWaitsUntilResetAndKeepsCursor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log pollLog
		var reset time.Time
		src := &funcSource{name: "x", interval: time.Minute, poll: func(_ context.Context, c string) (Page, error) {
			n := log.add(c)
			switch {
			case n == 1:
				return Page{Mentions: []escucha.Mention{mention("x", "1")}, Cursor: "c1"}, nil
			case reset.IsZero() || time.Now().Before(reset):
				if reset.IsZero() {
					reset = time.Now().Add(90 * time.Second)
				}
				return Page{}, fmt.Errorf("search: %w", &RateLimitError{Reset: reset})
			default:
				return Page{Mentions: []escucha.Mention{mention("x", "2")}, Cursor: "c2"}, nil
			}
		}}
		st := newMemStore(t)
		l := New([]Source{src}, st, st, Options{Registerer: prometheus.NewRegistry()})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- l.Run(ctx) }()

		time.Sleep(61 * time.Second) // first poll, then the second one at 1 min is rate limited
		synctest.Wait()
		require.Equal(t, "c1", st.cursor("x"), "a rate-limited poll does not move the cursor")
		h := l.Health()[0]
		require.False(t, h.Up)
		require.Equal(t, ResultRateLimited, h.LastErrorClass)
		require.False(t, h.NextPoll.Before(reset), "next poll is not before the reset")
		require.Equal(t, 1.0, testutil.ToFloat64(l.m.rlWaits.WithLabelValues("x")))
		require.Equal(t, 1.0, testutil.ToFloat64(l.m.polls.WithLabelValues("x", ResultRateLimited)))

		time.Sleep(2 * time.Minute)
		synctest.Wait()
		cancel()
		require.NoError(t, <-done)
		at, cursors := log.snapshot()
		require.GreaterOrEqual(t, len(at), 3)
		require.Equal(t, []string{"", "c1", "c1"}, cursors[:3])
		gap := at[2].Sub(at[1])
		require.GreaterOrEqual(t, gap, 90*time.Second)
		require.Less(t, gap, 92*time.Second, "sleep until reset plus at most 1s jitter, no backoff")
		require.Equal(t, "c2", st.cursor("x"))
		require.Equal(t, 2, st.count())
		require.True(t, l.Ready())
		require.Equal(t, 1.0, testutil.ToFloat64(l.m.polls.WithLabelValues("x", ResultRateLimited)), "polled once in the window, not again")
	})
}

func TestRunnerTransientBackoffGrowsCapsAndResets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log pollLog
		fails := 8
		src := &funcSource{name: "s", interval: time.Hour, poll: func(_ context.Context, c string) (Page, error) {
			n := log.add(c)
			if n <= fails {
				return Page{}, errors.New("HTTP 500")
			}
			return Page{Cursor: "c" + strconv.Itoa(n)}, nil
		}}
		st := newMemStore(t)
		l := New([]Source{src}, st, st, Options{MaxBackoff: 10 * time.Second})
		runFor(t, l, 2*time.Minute)
		at, _ := log.snapshot()
		require.Len(t, at, fails+1, "recovered, then waits the 1h interval")
		caps := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second}
		for i := 1; i < len(at); i++ {
			gap := at[i].Sub(at[i-1])
			require.GreaterOrEqual(t, gap, caps[i-1]/2, "gap %d", i)
			require.Less(t, gap, caps[i-1], "gap %d", i)
		}
		h := l.Health()[0]
		require.True(t, h.Up)
		require.Zero(t, h.ConsecutiveErrors)
		require.Equal(t, "c9", st.cursor("s"))
		require.Equal(t, 8.0, testutil.ToFloat64(l.m.polls.WithLabelValues("s", ResultError)))
		require.Equal(t, 1.0, testutil.ToFloat64(l.m.up.WithLabelValues("s")))
	})
}

func TestRunnerSinkFailureKeepsCursor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log pollLog
		src := &funcSource{name: "s", interval: time.Hour, poll: func(_ context.Context, c string) (Page, error) {
			log.add(c)
			return Page{Mentions: []escucha.Mention{mention("s", "a")}, Cursor: "next"}, nil
		}}
		st := newMemStore(t)
		st.failNext = 2
		l := New([]Source{src}, st, st, Options{})
		runFor(t, l, 10*time.Second)
		_, cursors := log.snapshot()
		require.Equal(t, []string{"", "", ""}, cursors, "cursor advances only after the sink commits")
		require.Equal(t, "next", st.cursor("s"))
		require.Equal(t, 1, st.count())
	})
}

func TestRunnerMorePollsImmediatelyAndDeliversEmptyPagesWithCursor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log pollLog
		src := &funcSource{name: "s", interval: time.Minute, poll: func(_ context.Context, c string) (Page, error) {
			n := log.add(c)
			switch {
			case n < 3:
				return Page{Mentions: []escucha.Mention{mention("s", strconv.Itoa(n))}, Cursor: "p" + strconv.Itoa(n), More: true}, nil
			case n == 3:
				return Page{Cursor: "p3"}, nil // empty page, new cursor
			default:
				return Page{}, nil // nothing new, nothing to deliver
			}
		}}
		st := newMemStore(t)
		l := New([]Source{src}, st, st, Options{})
		runFor(t, l, 90*time.Second)
		at, cursors := log.snapshot()
		require.Equal(t, []string{"", "p1", "p2", "p3"}, cursors)
		require.Equal(t, at[0], at[2], "More polls again at once")
		require.Equal(t, time.Minute, at[3].Sub(at[2]))
		require.Equal(t, 3, st.deliveries, "the page with no news and no cursor is not delivered")
		require.Equal(t, "p3", st.cursor("s"))
	})
}

func TestRunnerUnauthorizedAndQuotaWaitLong(t *testing.T) {
	for _, sentinel := range []error{escucha.ErrUnauthorized, escucha.ErrQuota} {
		t.Run(sentinel.Error(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var log pollLog
				src := &funcSource{name: "s", interval: time.Minute, poll: func(_ context.Context, c string) (Page, error) {
					log.add(c)
					return Page{}, fmt.Errorf("api: %w", sentinel)
				}}
				st := newMemStore(t)
				l := New([]Source{src}, st, st, Options{})
				runFor(t, l, 3*time.Hour)
				at, _ := log.snapshot()
				want := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, time.Hour}
				require.GreaterOrEqual(t, len(at), 4)
				for i := 1; i < len(at); i++ {
					require.Equal(t, want[i-1], at[i].Sub(at[i-1]))
				}
				h := l.Health()[0]
				require.False(t, h.Up)
				require.Equal(t, len(at), h.ConsecutiveErrors)
				require.False(t, l.Ready())
			})
		})
	}
}

func TestRunnerRecoversFromPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log pollLog
		src := &funcSource{name: "s", interval: time.Minute, poll: func(_ context.Context, c string) (Page, error) {
			if log.add(c) == 1 {
				var m map[string]int
				m["boom"]++ // nil map write
			}
			return Page{Cursor: "ok"}, nil
		}}
		st := newMemStore(t)
		l := New([]Source{src}, st, st, Options{})
		runFor(t, l, 2*time.Second)
		h := l.Health()[0]
		require.True(t, h.Up, "the panic was recovered and the next poll succeeded")
		require.Equal(t, "ok", st.cursor("s"))
		require.Equal(t, 1.0, testutil.ToFloat64(l.m.polls.WithLabelValues("s", ResultPanic)))
	})
}

func TestRunnerCursorLoadRetriedAndCancelStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log pollLog
		src := &funcSource{name: "s", interval: time.Minute, poll: func(ctx context.Context, c string) (Page, error) {
			log.add(c)
			<-ctx.Done() // a poll in flight when the daemon stops
			return Page{}, ctx.Err()
		}}
		st := newMemStore(t)
		_, err := st.st.Commit(t.Context(), store.Batch{Source: "s", Cursor: "stored"})
		require.NoError(t, err)
		st.cursorErr = errors.New("store not open")
		l := New([]Source{src}, st, st, Options{})
		require.False(t, l.Ready())
		runFor(t, l, 5*time.Second)
		_, cursors := log.snapshot()
		require.Equal(t, []string{"stored"}, cursors)
		require.Zero(t, st.deliveries)
	})
}
