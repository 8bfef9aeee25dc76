package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/escucha/escucha"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// openTemp opens a store in a temp dir and checks and closes it at cleanup.
// (The store's own tests cannot use internal/testutil: import cycle.)
func openTemp(t testing.TB, path string) *Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "escucha.db")
	}
	s, err := Open(path, Options{NoSync: true, Now: func() time.Time { return t0.Add(time.Hour) }})
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := s.Check(); !errors.Is(err, ErrClosed) {
			require.NoError(t, err)
		}
		require.NoError(t, s.Close())
	})
	return s
}

func mention(id string, posted time.Time) escucha.Mention {
	return escucha.Mention{
		Source: "x", ID: id, Text: "texto " + id, Lang: "es",
		Author:   escucha.Author{Handle: "ana", Followers: 10},
		PostedAt: posted, FetchedAt: posted.Add(time.Second),
	}
}

func complaint(at time.Time) escucha.Verdict {
	return escucha.Verdict{Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh, Lang: "es",
		Rules: []escucha.RuleHit{{ID: "es.complaint.espera", Weight: 1}}, ClassifiedAt: at}
}

func alertFor(m escucha.Mention, recipient string, step int) escucha.Alert {
	return escucha.Alert{ID: escucha.AlertID(m.Key(), recipient, step), Recipient: recipient,
		Escalation: step, Label: escucha.LabelComplaint, Title: "queja", Mention: m}
}

func item(id string, posted time.Time, recipients ...string) Item {
	m := mention(id, posted)
	it := Item{Mention: m, Verdict: complaint(posted.Add(2 * time.Second))}
	for _, r := range recipients {
		it.Alerts = append(it.Alerts, alertFor(m, r, 0))
	}
	return it
}

func TestDuplicateMentionStoredAndAlertedOnce(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	it := item("1", t0, "elena", "pablo")

	res, err := s.Commit(ctx, Batch{Source: "x", Cursor: "c1", Items: []Item{it, it}})
	require.NoError(t, err)
	require.Len(t, res.New, 1)
	require.Len(t, res.New[0].Alerts, 2)
	require.Equal(t, 1, res.Duplicates)

	res, err = s.Commit(ctx, Batch{Source: "x", Cursor: "c2", Items: []Item{it}})
	require.NoError(t, err)
	require.Empty(t, res.New)
	require.Equal(t, 1, res.Duplicates)

	pending, err := s.PendingAlerts(ctx, 0)
	require.NoError(t, err)
	require.Len(t, pending, 2)
	all, err := s.Alerts(ctx, AlertQuery{})
	require.NoError(t, err)
	require.Len(t, all, 2)
	ms, err := s.Mentions(ctx, MentionQuery{})
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.Equal(t, []string{"x/1/elena/0", "x/1/pablo/0"}, ms[0].Alerts)
	c, err := s.Cursor("x")
	require.NoError(t, err)
	require.Equal(t, "c2", c)
}

func TestInvalidItemRejectsWholeBatch(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	_, err := s.Commit(ctx, Batch{Source: "x", Cursor: "c1", Items: []Item{item("1", t0)}})
	require.NoError(t, err)

	bad := item("", t0)
	_, err = s.Commit(ctx, Batch{Source: "x", Cursor: "c2", Items: []Item{item("2", t0, "elena"), bad}})
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorContains(t, err, "item 1")

	c, err := s.Cursor("x")
	require.NoError(t, err)
	require.Equal(t, "c1", c, "cursor must not move when the batch is rejected")
	_, err = s.Mention(ctx, "x/2")
	require.ErrorIs(t, err, escucha.ErrNotFound)
	pending, err := s.PendingAlerts(ctx, 0)
	require.NoError(t, err)
	require.Empty(t, pending)

	_, err = s.Commit(ctx, Batch{Cursor: "c3"})
	require.ErrorIs(t, err, ErrInvalid, "a cursor needs a source")
	_, err = s.Commit(ctx, Batch{Source: "x", Items: []Item{{Mention: escucha.Mention{Source: "a/b", ID: "1"}}}})
	require.ErrorIs(t, err, ErrInvalid)
	noRecipient := item("3", t0, "")
	_, err = s.Commit(ctx, Batch{Source: "x", Items: []Item{noRecipient}})
	require.ErrorIs(t, err, ErrInvalid)
}

// TestFailingWriteDoesNotFailOthers runs a batch of writes in one
// transaction where the middle one fails: the others are committed, the
// failing one gets its own error and leaves nothing behind.
func TestFailingWriteDoesNotFailOthers(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	put := func(k string) *op {
		return &op{ctx: ctx, weight: 1, err: make(chan error, 1), fn: func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCursors).Put([]byte(k), []byte("v"))
		}}
	}
	boom := errors.New("boom")
	bad := &op{ctx: ctx, weight: 1, err: make(chan error, 1), fn: func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketCursors).Put([]byte("bad"), []byte("v")); err != nil {
			return err
		}
		return boom
	}}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	late := put("late")
	late.ctx = cancelled
	ops := []*op{put("a"), bad, put("b"), late, put("c")}
	s.inflight.Add(int64(len(ops)))
	s.run(ops)

	require.NoError(t, <-ops[0].err)
	require.ErrorIs(t, <-bad.err, boom)
	require.NoError(t, <-ops[2].err)
	require.ErrorIs(t, <-late.err, context.Canceled)
	require.NoError(t, <-ops[4].err)
	require.Zero(t, s.inflight.Load())
	for k, want := range map[string]string{"a": "v", "b": "v", "c": "v", "bad": "", "late": ""} {
		got, err := s.Cursor(k)
		require.NoError(t, err)
		require.Equal(t, want, got, k)
	}
}

func TestConcurrentCommitsEachGetTheirResult(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for g := range 64 {
		wg.Go(func() {
			for i := range 20 {
				var it Item
				if g%8 == 7 && i == 10 {
					it = item("", t0) // invalid: rejected before queuing
				} else {
					it = item(fmt.Sprintf("%d-%d", g, i), t0.Add(time.Duration(i)*time.Second), "elena")
				}
				if _, err := s.Commit(ctx, Batch{Source: fmt.Sprintf("s%d", g), Cursor: fmt.Sprint(i), Items: []Item{it}}); err != nil {
					errs[g] = errors.Join(errs[g], err)
				}
			}
		})
	}
	wg.Wait()
	for g, err := range errs {
		if g%8 == 7 {
			require.ErrorIs(t, err, ErrInvalid)
		} else {
			require.NoError(t, err)
		}
		c, err := s.Cursor(fmt.Sprintf("s%d", g))
		require.NoError(t, err)
		require.Equal(t, "19", c)
	}
	ms, err := s.Mentions(ctx, MentionQuery{})
	require.NoError(t, err)
	require.Len(t, ms, 64*20-8)
}

func TestReplies(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	r1 := escucha.Reply{Source: "x", ID: "r1", InReplyTo: "1", Account: "marca", PostedAt: t0.Add(10 * time.Minute)}
	r1b := escucha.Reply{Source: "x", ID: "r1b", InReplyTo: "1", Account: "marca", PostedAt: t0.Add(5 * time.Minute)}

	// The replies arrive before the mention: remembered, earliest kept.
	res, err := s.Commit(ctx, Batch{Source: "x", Replies: []escucha.Reply{r1}})
	require.NoError(t, err)
	require.Empty(t, res.Responded)
	_, err = s.Commit(ctx, Batch{Source: "x", Replies: []escucha.Reply{r1b}})
	require.NoError(t, err)

	res, err = s.Commit(ctx, Batch{Source: "x", Items: []Item{item("1", t0)}})
	require.NoError(t, err)
	require.Equal(t, []string{"x/1"}, res.Responded)
	m, err := s.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, t0.Add(5*time.Minute), m.Ledger.RespondedAt)

	// A later reply does not move the first response.
	res, err = s.Commit(ctx, Batch{Source: "x", Replies: []escucha.Reply{{Source: "x", ID: "r2", InReplyTo: "1", PostedAt: t0.Add(time.Hour)}}})
	require.NoError(t, err)
	require.Empty(t, res.Responded)
	m, err = s.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, t0.Add(5*time.Minute), m.Ledger.RespondedAt)

	// Reply in the same batch as its mention.
	res, err = s.Commit(ctx, Batch{Source: "x", Items: []Item{item("2", t0)},
		Replies: []escucha.Reply{{Source: "x", ID: "r3", InReplyTo: "2", PostedAt: t0.Add(3 * time.Minute)}}})
	require.NoError(t, err)
	require.Equal(t, []string{"x/2"}, res.Responded)
	m, err = s.Mention(ctx, "x/2")
	require.NoError(t, err)
	require.Equal(t, t0.Add(3*time.Minute), m.Ledger.RespondedAt)
	require.Equal(t, t0, m.Ledger.PostedAt)
	require.Equal(t, t0.Add(time.Second), m.Ledger.FetchedAt)
	require.Equal(t, t0.Add(2*time.Second), m.Ledger.ClassifiedAt)
}

func TestOutbox(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	_, err := s.Commit(ctx, Batch{Source: "x", Items: []Item{item("2", t0.Add(time.Minute), "elena")}})
	require.NoError(t, err)
	_, err = s.Commit(ctx, Batch{Source: "x", Items: []Item{item("1", t0, "elena", "pablo")}})
	require.NoError(t, err)

	pending, err := s.PendingAlerts(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"x/2/elena/0", "x/1/elena/0", "x/1/pablo/0"}, alertIDs(pending), "oldest created first")
	require.Equal(t, t0.Add(time.Hour), pending[0].CreatedAt, "CreatedAt from the store's clock")
	require.Equal(t, "texto 2", pending[0].Mention.Text)
	two, err := s.PendingAlerts(ctx, 2)
	require.NoError(t, err)
	require.Len(t, two, 2)

	n1 := t0.Add(90 * time.Second)
	require.NoError(t, s.MarkNotified(ctx, "x/1/elena/0", n1))
	require.NoError(t, s.MarkNotified(ctx, "x/1/pablo/0", n1.Add(time.Minute)))
	require.NoError(t, s.MarkNotified(ctx, "x/1/elena/0", n1.Add(time.Hour)), "idempotent")
	require.ErrorIs(t, s.MarkNotified(ctx, "x/9/elena/0", n1), escucha.ErrNotFound)

	pending, err = s.PendingAlerts(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"x/2/elena/0"}, alertIDs(pending))
	a, err := s.Alert(ctx, "x/1/elena/0")
	require.NoError(t, err)
	require.Equal(t, n1, a.NotifiedAt)
	m, err := s.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, n1, m.Ledger.NotifiedAt, "first notification of any recipient")

	require.NoError(t, s.MarkDelivered(ctx, "x/1/pablo/0", n1.Add(2*time.Minute)))
	require.NoError(t, s.MarkDelivered(ctx, "x/1/pablo/0", n1.Add(3*time.Minute)))
	a, err = s.Alert(ctx, "x/1/pablo/0")
	require.NoError(t, err)
	require.Equal(t, n1.Add(2*time.Minute), a.DeliveredAt)

	notYet, err := s.Alerts(ctx, AlertQuery{Pending: true})
	require.NoError(t, err)
	require.Equal(t, []string{"x/2/elena/0"}, recordIDs(notYet))
}

func TestAddAlerts(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	it := item("1", t0, "elena")
	_, err := s.Commit(ctx, Batch{Source: "x", Items: []Item{it}})
	require.NoError(t, err)

	step1 := alertFor(escucha.Mention{Source: "x", ID: "1"}, "ceo", 1)
	require.NoError(t, s.AddAlerts(ctx, []escucha.Alert{it.Alerts[0], step1}))
	require.NoError(t, s.AddAlerts(ctx, []escucha.Alert{step1}), "existing ids are skipped")
	pending, err := s.PendingAlerts(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"x/1/elena/0", "x/1/ceo/1"}, alertIDs(pending))
	require.Equal(t, "texto 1", pending[1].Mention.Text, "the stored mention is attached")
	m, err := s.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, []string{"x/1/elena/0", "x/1/ceo/1"}, m.Alerts)

	orphan := alertFor(escucha.Mention{Source: "x", ID: "404"}, "ceo", 1)
	err = s.AddAlerts(ctx, []escucha.Alert{alertFor(escucha.Mention{Source: "x", ID: "1"}, "ana", 1), orphan})
	require.ErrorIs(t, err, escucha.ErrNotFound)
	_, err = s.Alert(ctx, "x/1/ana/1")
	require.ErrorIs(t, err, escucha.ErrNotFound, "all or nothing")
}

func TestActionsSetLedger(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	_, err := s.Commit(ctx, Batch{Source: "x", Items: []Item{item("1", t0, "elena", "pablo")}})
	require.NoError(t, err)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

	require.NoError(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/elena/0", Action: escucha.ActionSnooze, At: at(3), By: "elena"}))
	require.NoError(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/elena/0", Action: escucha.ActionAck, At: at(4), By: "elena"}))
	require.NoError(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/pablo/0", Action: escucha.ActionAck, At: at(5), By: "pablo"}))
	require.NoError(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/elena/0", Action: escucha.ActionAck, At: at(6), By: "elena"}))
	require.NoError(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/pablo/0", Action: escucha.ActionResponded, At: at(20), By: "pablo"}))
	require.NoError(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/pablo/0", Action: escucha.ActionResolved, By: "pablo"}))
	require.ErrorIs(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/nobody/0", Action: escucha.ActionAck}), escucha.ErrNotFound)
	require.ErrorIs(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/elena/0", Action: "delete"}), escucha.ErrInvalidAction)

	m, err := s.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, at(4), m.Ledger.AckedAt)
	require.Equal(t, at(20), m.Ledger.RespondedAt)
	require.Equal(t, t0.Add(time.Hour), m.Ledger.ResolvedAt, "zero At is the store's now")

	a, err := s.Alert(ctx, "x/1/elena/0")
	require.NoError(t, err)
	require.Equal(t, at(4), a.AckedAt)
	require.Len(t, a.Actions, 3)
	require.Equal(t, escucha.ActionSnooze, a.Actions[0].Action)
	require.Equal(t, "elena", a.Actions[2].By)
	require.Equal(t, at(6), a.Actions[2].At)
	p, err := s.Alert(ctx, "x/1/pablo/0")
	require.NoError(t, err)
	require.Equal(t, at(5), p.AckedAt)
}

func TestQueriesOrdered(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	var items []Item
	for i := range 6 {
		it := item(fmt.Sprint(i), t0.Add(time.Duration(i%3)*time.Minute), "elena")
		if i == 4 {
			it.Verdict = escucha.Verdict{Label: escucha.LabelOther, Lang: "en"}
			it.Alerts = nil
		}
		if i == 5 {
			it.Mention.Source = "demo"
			it.Alerts = []escucha.Alert{alertFor(it.Mention, "pablo", 0)}
		}
		items = append(items, it)
	}
	_, err := s.Commit(ctx, Batch{Source: "x", Items: items})
	require.NoError(t, err)

	all, err := s.Mentions(ctx, MentionQuery{})
	require.NoError(t, err)
	// posted: 0,3 → +0; 1,4 → +1m; 2,5 → +2m; ties by key descending.
	require.Equal(t, []string{"x/2", "demo/5", "x/4", "x/1", "x/3", "x/0"}, keys(all))

	flagged, err := s.Mentions(ctx, MentionQuery{Flagged: true})
	require.NoError(t, err)
	require.Equal(t, []string{"x/2", "demo/5", "x/1", "x/3", "x/0"}, keys(flagged))

	window, err := s.Mentions(ctx, MentionQuery{Since: t0.Add(time.Minute), Until: t0.Add(2 * time.Minute)})
	require.NoError(t, err)
	require.Equal(t, []string{"x/4", "x/1"}, keys(window))

	limited, err := s.Mentions(ctx, MentionQuery{Source: "x", Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"x/2", "x/4"}, keys(limited))

	en, err := s.Mentions(ctx, MentionQuery{Lang: "en"})
	require.NoError(t, err)
	require.Equal(t, []string{"x/4"}, keys(en))
	other, err := s.Mentions(ctx, MentionQuery{Label: escucha.LabelOther, Severity: escucha.SeverityNone})
	require.NoError(t, err)
	require.Equal(t, []string{"x/4"}, keys(other))

	pablo, err := s.Alerts(ctx, AlertQuery{Recipient: "pablo"})
	require.NoError(t, err)
	require.Equal(t, []string{"demo/5/pablo/0"}, recordIDs(pablo))
	alerts, err := s.Alerts(ctx, AlertQuery{Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"x/3/elena/0", "x/2/elena/0"}, recordIDs(alerts))
	none, err := s.Alerts(ctx, AlertQuery{Until: t0})
	require.NoError(t, err)
	require.Empty(t, none)

	var walked []string
	require.NoError(t, s.ForEachMention(ctx, func(r MentionRecord) (bool, error) {
		walked = append(walked, r.Mention.Key())
		return len(walked) < 3, nil
	}))
	require.Equal(t, []string{"x/0", "x/3", "x/1"}, walked)
}

func TestReopenPersistsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "escucha.db")
	ctx := t.Context()
	s, err := Open(path, Options{})
	require.NoError(t, err)
	_, err = s.Commit(ctx, Batch{Source: "x", Cursor: "42", Items: []Item{item("1", t0, "elena"), item("2", t0, "elena")},
		Replies: []escucha.Reply{{Source: "x", ID: "r", InReplyTo: "3", PostedAt: t0.Add(time.Minute)}}})
	require.NoError(t, err)
	require.NoError(t, s.MarkNotified(ctx, "x/1/elena/0", t0.Add(time.Second)))
	require.NoError(t, s.RecordAction(ctx, escucha.Action{AlertID: "x/1/elena/0", Action: escucha.ActionAck, At: t0.Add(time.Minute)}))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "idempotent")
	_, err = s.Commit(ctx, Batch{Source: "x", Cursor: "43"})
	require.ErrorIs(t, err, ErrClosed)

	s = openTemp(t, path)
	c, err := s.Cursor("x")
	require.NoError(t, err)
	require.Equal(t, "42", c)
	m, err := s.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Second), m.Ledger.NotifiedAt)
	require.Equal(t, t0.Add(time.Minute), m.Ledger.AckedAt)
	require.Equal(t, complaint(t0.Add(2*time.Second)), m.Verdict)
	pending, err := s.PendingAlerts(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"x/2/elena/0"}, alertIDs(pending))
	res, err := s.Commit(ctx, Batch{Source: "x", Items: []Item{item("1", t0), item("3", t0)}})
	require.NoError(t, err)
	require.Equal(t, 1, res.Duplicates)
	require.Equal(t, []string{"x/3"}, res.Responded, "the pending reply survived the restart")
}

// TestCloseDrainsQueuedCommits closes while 16 goroutines commit: each
// commit either returned nil and is stored, or returned ErrClosed and is not.
func TestCloseDrainsQueuedCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "escucha.db")
	ctx := t.Context()
	s, err := Open(path, Options{NoSync: true})
	require.NoError(t, err)
	var wg sync.WaitGroup
	results := make([][]error, 16)
	started := make(chan struct{}, 16)
	for g := range 16 {
		wg.Go(func() {
			started <- struct{}{}
			for i := range 50 {
				_, err := s.Commit(ctx, Batch{Source: "x", Items: []Item{item(fmt.Sprintf("%d-%d", g, i), t0)}})
				results[g] = append(results[g], err)
			}
		})
	}
	for range 16 {
		<-started
	}
	require.NoError(t, s.Close())
	wg.Wait()

	s = openTemp(t, path)
	stored, closed := 0, 0
	for g, errs := range results {
		for i, err := range errs {
			_, getErr := s.Mention(ctx, fmt.Sprintf("x/%d-%d", g, i))
			if err == nil {
				stored++
				require.NoError(t, getErr)
			} else {
				closed++
				require.ErrorIs(t, err, ErrClosed)
				require.ErrorIs(t, getErr, escucha.ErrNotFound)
			}
		}
	}
	require.Equal(t, 16*50, stored+closed)
}

func TestLockedFileGivesClearError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "escucha.db")
	openTemp(t, path)
	_, err := Open(path, Options{Timeout: 50 * time.Millisecond})
	require.ErrorIs(t, err, ErrLocked)
	require.ErrorContains(t, err, "daemon already running")
	require.ErrorContains(t, err, path)
}

func TestSanitize(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	long := strings.Repeat("€", MaxTextBytes) // 3 bytes each
	m := mention("1", time.Time{})
	m.FetchedAt = time.Time{}
	m.Text = long
	m.Author.Name = "bad \xff name"
	it := Item{Mention: m, Verdict: complaint(t0), Alerts: []escucha.Alert{alertFor(m, "elena", 0)}}
	res, err := s.Commit(ctx, Batch{Source: "x", Items: []Item{it}})
	require.NoError(t, err)
	require.Equal(t, long, it.Mention.Text, "the caller's batch is not modified")

	r, err := s.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.LessOrEqual(t, len(r.Mention.Text), MaxTextBytes)
	require.True(t, utf8.ValidString(r.Mention.Text))
	require.True(t, strings.HasSuffix(r.Mention.Text, TruncatedMarker))
	require.Equal(t, (MaxTextBytes-len(TruncatedMarker))/3*3, len(strings.TrimSuffix(r.Mention.Text, TruncatedMarker)), "cut at a rune boundary")
	require.Equal(t, "bad \uFFFD name", r.Mention.Author.Name)
	require.Equal(t, t0.Add(time.Hour), r.Mention.FetchedAt, "zero fetched_at is now")
	require.Equal(t, t0.Add(time.Hour), r.Ledger.PostedAt, "zero posted_at is fetched_at")
	require.Equal(t, r.Mention, res.New[0].Mention)
	a, err := s.Alert(ctx, "x/1/elena/0")
	require.NoError(t, err)
	require.Equal(t, r.Mention, a.Mention, "the alert carries the repaired mention")
}

func TestBackup(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	_, err := s.Commit(ctx, Batch{Source: "x", Cursor: "7", Items: []Item{item("1", t0, "elena")}})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, s.Backup(ctx, &buf))
	path := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	c := openTemp(t, path)
	cur, err := c.Cursor("x")
	require.NoError(t, err)
	require.Equal(t, "7", cur)
	_, err = c.Mention(ctx, "x/1")
	require.NoError(t, err)
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "escucha.db")
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keySchema, []byte("99"))
	}))
	require.NoError(t, db.Close())
	_, err = Open(path, Options{})
	require.ErrorContains(t, err, "schema version 99")
}

func alertIDs(as []escucha.Alert) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func recordIDs(as []AlertRecord) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func keys(ms []MentionRecord) []string {
	ks := make([]string, len(ms))
	for i, m := range ms {
		ks[i] = m.Mention.Key()
	}
	return ks
}
