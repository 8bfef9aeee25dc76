package listener

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
)

// contractEnv is one source under the shared contract, with the means to
// make a new mention appear and to make its API fail.
type contractEnv struct {
	src Source
	// post makes one new mention visible to the source and returns its id.
	post func(text string) string
	// fail makes the next request fail (nil: the source has no remote API).
	fail func(f testutil.XFailure)
	// requests counts the requests the API received.
	requests func() int
}

// drain polls until the source says the round is over.
func drain(t *testing.T, src Source, cursor string) ([]escucha.Mention, []escucha.Reply, string) {
	t.Helper()
	var ms []escucha.Mention
	var rs []escucha.Reply
	for range 100 {
		p, err := src.Poll(t.Context(), cursor)
		require.NoError(t, err)
		ms = append(ms, p.Mentions...)
		rs = append(rs, p.Replies...)
		if p.Cursor != "" {
			cursor = p.Cursor
		}
		if !p.More {
			return ms, rs, cursor
		}
	}
	t.Fatal("the source never finished its round")
	return nil, nil, ""
}

// ids lists the distinct ids of ms: one round may find a post through
// two endpoints (search and a mention timeline); the store keeps it once.
func ids(ms []escucha.Mention) []string {
	var out []string
	for _, m := range ms {
		if !slices.Contains(out, m.ID) {
			out = append(out, m.ID)
		}
	}
	return out
}

// runContract is the contract every source passes.
func runContract(t *testing.T, newEnv func(t *testing.T) contractEnv) {
	t.Run("empty page", func(t *testing.T) {
		e := newEnv(t)
		ms, rs, cur := drain(t, e.src, "")
		require.Empty(t, ms)
		require.Empty(t, rs)
		ms, _, _ = drain(t, e.src, cur)
		require.Empty(t, ms)
	})
	t.Run("cursor advance", func(t *testing.T) {
		e := newEnv(t)
		_, _, cur := drain(t, e.src, "")
		a := e.post("@volta el cargador no funciona")
		b := e.post("@volta la app no carga")
		ms, _, cur := drain(t, e.src, cur)
		require.ElementsMatch(t, []string{a, b}, ids(ms))
		for _, m := range ms {
			require.Equal(t, e.src.Name(), m.Source)
			require.NotEmpty(t, m.Text)
			require.NotEmpty(t, m.Author.Handle)
			require.False(t, m.PostedAt.IsZero())
			require.False(t, m.FetchedAt.IsZero())
			require.NotEmpty(t, m.URL)
		}
		c := e.post("@volta tercera vez que falla")
		ms, _, _ = drain(t, e.src, cur)
		require.Equal(t, []string{c}, ids(ms), "only what is new after the cursor")
	})
	t.Run("dedup", func(t *testing.T) {
		e := newEnv(t)
		_, _, cur := drain(t, e.src, "")
		a := e.post("@volta reembolso ya")
		st := newMemStore(t)
		// A crash after the poll and before the commit polls again from the
		// same cursor: the mention comes twice and is stored once.
		for range 2 {
			ms, rs, next := drain(t, e.src, cur)
			require.Equal(t, []string{a}, ids(ms))
			require.NoError(t, st.Deliver(t.Context(), e.src.Name(), Page{Mentions: ms, Replies: rs, Cursor: next}))
		}
		require.Equal(t, 1, st.count())
		ms, _, _ := drain(t, e.src, st.cursor(e.src.Name()))
		require.Empty(t, ms)
	})
	t.Run("429", func(t *testing.T) {
		e := newEnv(t)
		if e.fail == nil {
			t.Skip("the source has no remote API to rate-limit it")
		}
		_, _, cur := drain(t, e.src, "")
		e.post("@volta hola")
		e.fail(testutil.XFailRateLimit)
		_, err := e.src.Poll(t.Context(), cur)
		require.ErrorIs(t, err, escucha.ErrRateLimited)
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		require.True(t, rl.Reset.After(time.Now()), "reset comes from x-rate-limit-reset")
		n := e.requests()
		_, err = e.src.Poll(t.Context(), cur)
		require.ErrorIs(t, err, escucha.ErrRateLimited, "still in the window")
		require.Equal(t, n, e.requests(), "no request is made before the reset")
	})
	t.Run("401", func(t *testing.T) {
		e := newEnv(t)
		if e.fail == nil {
			t.Skip("the source has no credentials")
		}
		e.fail(testutil.XFailUnauthorized)
		_, err := e.src.Poll(t.Context(), "")
		require.ErrorIs(t, err, escucha.ErrUnauthorized)
		require.NotErrorIs(t, err, escucha.ErrRateLimited)
	})
}

func xEnv(api string) func(t *testing.T) contractEnv {
	return func(t *testing.T) contractEnv {
		xs := testutil.NewXServer(t)
		xs.AddUser(testutil.User{Username: "volta", Name: "Volta", Followers: 50000})
		xs.AddUser(testutil.User{Username: "volta_ayuda", Name: "Volta Ayuda"})
		xs.AddUser(testutil.User{Username: "elenaruiz", Name: "Elena Ruiz"})
		xs.SetV1MentionsUser("volta")
		t.Setenv("TEST_X_TOKEN", testutil.XToken)
		base := xs.URL()
		if api == "v1.1" {
			base += "/1.1/"
		}
		cfg := config.Default()
		cfg.Sources = []config.Source{{Name: "x", Type: "x", X: config.XSource{API: api, BaseURL: base,
			BearerToken: config.SecretRef{Env: "TEST_X_TOKEN"}}}}
		srcs, err := Build(cfg, BuildOptions{})
		require.NoError(t, err)
		n := 0
		return contractEnv{
			src: srcs[0],
			post: func(text string) string {
				n++
				return xs.AddTweet(testutil.Tweet{Text: text, Username: "cliente" + strconv.Itoa(n), Followers: int64(n), Lang: "es"}).ID
			},
			fail: func(f testutil.XFailure) { xs.Fail(testutil.XAny, f, 1) },
			requests: func() int {
				return xs.Requests(testutil.XSearch) + xs.Requests(testutil.XMentions) + xs.Requests(testutil.XTweets) +
					xs.Requests(testutil.XUsers) + xs.Requests(testutil.XV1Search) + xs.Requests(testutil.XV1Mentions)
			},
		}
	}
}

// manualClock is a clock the demo contract moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *manualClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func demoEnv(t *testing.T) contractEnv {
	clk := &manualClock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	var lines []DemoLine
	for i := range 20 {
		lines = append(lines, DemoLine{At: float64(10 * (i + 1)), ID: "m" + strconv.Itoa(i), Handle: "h" + strconv.Itoa(i), Text: "line " + strconv.Itoa(i)})
	}
	d, err := NewDemoSource("demo", lines, 1, time.Second, clk.now)
	require.NoError(t, err)
	next := 0
	return contractEnv{
		src: d,
		post: func(string) string {
			clk.add(10 * time.Second) // the next line becomes due
			next++
			return "m" + strconv.Itoa(next-1)
		},
	}
}

func TestContractXV2(t *testing.T)  { runContract(t, xEnv("v2")) }
func TestContractXV11(t *testing.T) { runContract(t, xEnv("v1.1")) }
func TestContractDemo(t *testing.T) { runContract(t, demoEnv) }
