package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/escucha/escucha"
	"github.com/stretchr/testify/require"
)

func TestHoldAndRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "escucha.db")
	s := openTemp(t, path)
	ctx := t.Context()
	_, err := s.Commit(ctx, Batch{Source: "x", Items: []Item{
		item("1", t0, "elena"), item("2", t0.Add(time.Minute), "elena"), item("3", t0.Add(2*time.Minute), "elena"),
	}})
	require.NoError(t, err)

	due1, due2 := t0.Add(10*time.Minute), t0.Add(20*time.Minute)
	h2 := HeldAlert{AlertID: "x/2/elena/0", Recipient: "elena", Batch: "digest/elena", Reason: "budget", Due: due2}
	h1 := HeldAlert{AlertID: "x/1/elena/0", Recipient: "elena", Batch: "g1", Reason: "group", Due: due1}
	require.NoError(t, s.HoldAlert(ctx, h2))
	require.NoError(t, s.HoldAlert(ctx, h1))
	require.NoError(t, s.HoldAlert(ctx, h1), "holding twice changes nothing")
	require.ErrorIs(t, s.HoldAlert(ctx, HeldAlert{AlertID: "x/9/elena/0", Due: due1}), escucha.ErrNotFound)

	pending, err := s.PendingAlerts(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"x/3/elena/0"}, alertIDs(pending), "held alerts leave the outbox")
	notYet, err := s.Alerts(ctx, AlertQuery{Pending: true})
	require.NoError(t, err)
	require.Len(t, notYet, 3, "held alerts are not notified")

	due, err := s.HeldAlerts(ctx, due1, 0)
	require.NoError(t, err)
	require.Len(t, due, 1)
	require.Equal(t, h1.AlertID, due[0].AlertID)
	require.Equal(t, "g1", due[0].Batch)
	require.Equal(t, t0.Add(time.Hour), due[0].HeldAt, "HeldAt from the store's clock")
	all, err := s.HeldAlerts(ctx, time.Time{}, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"x/1/elena/0", "x/2/elena/0"}, []string{all[0].AlertID, all[1].AlertID}, "earliest due first")

	// Restart: the held alerts are still there.
	require.NoError(t, s.Close())
	s = openTemp(t, path)

	at := t0.Add(11 * time.Minute)
	require.NoError(t, s.ReleaseHeld(ctx, due, at))
	a, err := s.Alert(ctx, h1.AlertID)
	require.NoError(t, err)
	require.Equal(t, at, a.NotifiedAt)
	m, err := s.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, at, m.Ledger.NotifiedAt)
	all, err = s.HeldAlerts(ctx, time.Time{}, 0)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, h2.AlertID, all[0].AlertID)
	require.NoError(t, s.ReleaseHeld(ctx, due, at.Add(time.Hour)), "releasing twice changes nothing")
	a, err = s.Alert(ctx, h1.AlertID)
	require.NoError(t, err)
	require.Equal(t, at, a.NotifiedAt)

	// A notified alert is not held again.
	require.NoError(t, s.HoldAlert(ctx, h1))
	all, err = s.HeldAlerts(ctx, time.Time{}, 0)
	require.NoError(t, err)
	require.Len(t, all, 1)
}

func TestNotifierState(t *testing.T) {
	s := openTemp(t, "")
	ctx := t.Context()
	v, err := s.NotifierState(ctx, "fatigue/elena")
	require.NoError(t, err)
	require.Nil(t, v)
	require.NoError(t, s.PutNotifierState(ctx, "fatigue/elena", []byte(`{"a":1}`)))
	v, err = s.NotifierState(ctx, "fatigue/elena")
	require.NoError(t, err)
	require.JSONEq(t, `{"a":1}`, string(v))
	require.NoError(t, s.PutNotifierState(ctx, "fatigue/elena", nil))
	v, err = s.NotifierState(ctx, "fatigue/elena")
	require.NoError(t, err)
	require.Nil(t, v)
	require.ErrorIs(t, s.PutNotifierState(ctx, "", []byte("x")), ErrInvalid)
}
