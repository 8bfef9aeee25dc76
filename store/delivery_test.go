package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func pushSub(recipient, endpoint string) PushSubscription {
	s := PushSubscription{Recipient: recipient, Endpoint: endpoint}
	s.Keys.P256dh, s.Keys.Auth = "BPubKey", "authsecret"
	return s
}

func TestPushSubscriptions(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "escucha.db"), Options{NoSync: true})
	require.NoError(t, err)
	defer st.Close()
	ctx := t.Context()

	none, err := st.PushSubscriptions(ctx, "elena")
	require.NoError(t, err)
	require.Empty(t, none, "no bucket yet")

	require.NoError(t, st.SavePushSubscription(ctx, pushSub("elena", "https://push.example/a")))
	require.NoError(t, st.SavePushSubscription(ctx, pushSub("elena", "https://push.example/a")), "saving again refreshes")
	require.NoError(t, st.SavePushSubscription(ctx, pushSub("elenab", "https://push.example/b")))
	subs, err := st.PushSubscriptions(ctx, "elena")
	require.NoError(t, err)
	require.Len(t, subs, 1, "per recipient, and a recipient id that prefixes another does not leak")
	require.False(t, subs[0].CreatedAt.IsZero())

	for _, bad := range []PushSubscription{
		pushSub("", "https://push.example/a"),
		pushSub("elena", "http://push.example/a"),
		pushSub("elena", "not a url"),
		{Recipient: "elena", Endpoint: "https://push.example/nokeys"},
	} {
		require.ErrorIs(t, st.SavePushSubscription(ctx, bad), ErrInvalid, bad)
	}
	require.NoError(t, st.SavePushSubscription(ctx, pushSub("elena", "http://127.0.0.1:9/p")), "loopback http for tests")

	// Beyond the limit the oldest goes.
	base := time.Now()
	for i := range MaxPushSubscriptions + 2 {
		s := pushSub("bob", fmt.Sprintf("https://push.example/bob/%d", i))
		s.CreatedAt = base.Add(time.Duration(i) * time.Second)
		require.NoError(t, st.SavePushSubscription(ctx, s))
	}
	subs, err = st.PushSubscriptions(ctx, "bob")
	require.NoError(t, err)
	require.Len(t, subs, MaxPushSubscriptions)
	for _, s := range subs {
		require.NotEqual(t, "https://push.example/bob/0", s.Endpoint)
		require.NotEqual(t, "https://push.example/bob/1", s.Endpoint)
	}

	require.NoError(t, st.DeletePushSubscription(ctx, "elena", "https://push.example/a"))
	require.NoError(t, st.DeletePushSubscription(ctx, "elena", "https://push.example/unknown"))
	subs, err = st.PushSubscriptions(ctx, "elena")
	require.NoError(t, err)
	require.Len(t, subs, 1)
	require.Equal(t, "http://127.0.0.1:9/p", subs[0].Endpoint)
	require.NoError(t, st.Check())
}
