package listener

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha/config"
)

func TestBundledDemoFileIsRealistic(t *testing.T) {
	lines, err := ParseDemo(demoMentions)
	require.NoError(t, err)
	var mentions, replies, es, en, ceo int
	for _, l := range lines {
		if l.ReplyTo != "" {
			replies++
			require.Contains(t, []string{"volta", "volta_ayuda"}, l.Handle, "replies come from brand accounts")
			continue
		}
		mentions++
		switch l.Lang {
		case "es":
			es++
		case "en":
			en++
		}
		if strings.Contains(strings.ToLower(l.Text), "elenaruiz") {
			ceo++
		}
	}
	require.GreaterOrEqual(t, mentions, 60)
	require.LessOrEqual(t, mentions, 80)
	require.GreaterOrEqual(t, replies, 2)
	require.GreaterOrEqual(t, es, 25)
	require.GreaterOrEqual(t, en, 20)
	require.GreaterOrEqual(t, ceo, 4)
	require.LessOrEqual(t, lines[2].At, 3.0, "first alerts within seconds of start")
	last := lines[len(lines)-1].At
	require.Greater(t, last, 120.0)
	require.Less(t, last, 600.0)
}

func TestDemoReplaysWithTimingAndLoops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config.Default()
		cfg.Demo = true
		srcs, err := Build(cfg, BuildOptions{})
		require.NoError(t, err)
		require.Len(t, srcs, 1)
		demo := srcs[0].(*DemoSource)
		require.Equal(t, "demo", demo.Name())
		lines := demo.Lines()
		var nMentions int
		for _, l := range lines {
			if l.ReplyTo == "" {
				nMentions++
			}
		}

		st := newMemStore(t)
		l := New(srcs, st, st, Options{})
		runFor(t, l, 5*time.Second)
		early := st.count()
		require.GreaterOrEqual(t, early, 3, "the first mentions arrive within seconds")
		require.Less(t, early, 10, "the replay is spread over time")
		require.True(t, l.Ready())
		require.Equal(t, "0:"+itoa(early), st.cursor("demo"))

		// Restart from the stored cursor: no line is replayed twice, the rest follows.
		deliveriesBefore := st.deliveries
		l = New(srcs, st, st, Options{})
		runFor(t, l, time.Duration(lines[len(lines)-1].At+5)*time.Second)
		require.Equal(t, nMentions, countCycle0(st), "every line once")
		require.Equal(t, len(lines)-nMentions, countCycle0Replies(st))
		require.Greater(t, st.deliveries, deliveriesBefore)
		r := st.replies["demo/r001"]
		require.Equal(t, "1001", r.InReplyTo)
		require.Equal(t, "volta_ayuda", r.Account)
		m := st.mentions["demo/1002"]
		require.Equal(t, "en", m.Lang)
		require.Equal(t, "danwrites", m.Author.Handle)
		require.Positive(t, m.Author.Followers)
		require.False(t, m.PostedAt.After(m.FetchedAt))
		require.Equal(t, "demo/r001", "demo/"+st.mentions["demo/1033"].InReplyTo)

		// The loop goes on with new ids.
		runFor(t, l, 10*time.Second)
		require.Greater(t, st.count(), nMentions)
		_, ok := st.mentions["demo/1001-c1"]
		require.True(t, ok, "second cycle suffixes ids")
		require.True(t, strings.HasPrefix(st.cursor("demo"), "1:"))
	})
}

func TestDemoSpeedAndFileErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lines := []DemoLine{{At: 0, ID: "a", Handle: "h", Text: "x"}, {At: 100, ID: "b", Handle: "h", Text: "y"}}
		d, err := NewDemoSource("demo", lines, 10, time.Second, nil)
		require.NoError(t, err)
		st := newMemStore(t)
		runFor(t, New([]Source{d}, st, st, Options{}), 11*time.Second)
		require.Equal(t, 2, countCycle0(st), "speed 10 replays 100 s in 10 s")
	})
	_, err := ParseDemo([]byte(`{"at":1,"id":"a","handle":"h","text":"x"}` + "\n" + `{"at":0,"id":"b","handle":"h","text":"x"}`))
	require.ErrorContains(t, err, "line 2")
	_, err = ParseDemo([]byte(`{"at":1,"id":"a","handle":"h","text":"x","bogus":1}`))
	require.ErrorContains(t, err, "bogus")
	_, err = ParseDemo([]byte(`{"at":1,"id":"r","reply_to":"zz","handle":"volta","text":"x"}`))
	require.ErrorContains(t, err, "reply_to")
	cfg := config.Config{Sources: []config.Source{{Name: "d", Type: "demo", Demo: config.DemoSource{File: "/nonexistent/demo.jsonl"}}, {Name: "q", Type: "mastodon"}}}
	_, err = Build(cfg, BuildOptions{})
	require.ErrorContains(t, err, "demo file")
	require.ErrorContains(t, err, `sources[1].type: unknown source type "mastodon"`)
}

func itoa(n int) string { return strconv.Itoa(n) }

func countCycle0(st *memStore) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for k := range st.mentions {
		if !strings.Contains(k, "-c") {
			n++
		}
	}
	return n
}

func countCycle0Replies(st *memStore) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for k := range st.replies {
		if !strings.Contains(k, "-c") {
			n++
		}
	}
	return n
}
