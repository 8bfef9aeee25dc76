package listener

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
)

func newXSource(t *testing.T, baseURL string, hc *http.Client, mod func(*config.Source)) *XSource {
	t.Helper()
	t.Setenv("TEST_X_TOKEN", testutil.XToken)
	cfg := config.Default()
	s := config.Source{Name: "x", Type: "x", X: config.XSource{BaseURL: baseURL, BearerToken: config.SecretRef{Env: "TEST_X_TOKEN"}}}
	if mod != nil {
		mod(&s)
	}
	cfg.Sources = []config.Source{s}
	srcs, err := Build(cfg, BuildOptions{HTTPClient: hc})
	require.NoError(t, err)
	return srcs[0].(*XSource)
}

func brandServer(t *testing.T) *testutil.XServer {
	xs := testutil.NewXServer(t)
	xs.AddUser(testutil.User{ID: "10", Username: "volta", Name: "Volta"})
	xs.AddUser(testutil.User{ID: "11", Username: "volta_ayuda", Name: "Volta Ayuda"})
	xs.AddUser(testutil.User{ID: "12", Username: "elenaruiz", Name: "Elena Ruiz"})
	return xs
}

func TestXMentionsRepliesEditsAndFields(t *testing.T) {
	xs := brandServer(t)
	src := newXSource(t, xs.URL(), nil, nil)
	_, _, cur := drain(t, src, "")

	at := time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)
	m := xs.AddTweet(testutil.Tweet{Text: "@volta_ayuda llevo 3 semanas esperando el reembolso 😡", Username: "cliente_ana",
		Name: "Ana", Followers: 1234, CreatedAt: at, Lang: "es"})
	ceo := xs.AddTweet(testutil.Tweet{Text: "@elenaruiz your chargers are always blocked", Username: "dan", Lang: "en"})
	reply := xs.AddReply("volta_ayuda", m.ID, "@cliente_ana te escribimos por DM")
	xs.AddTweet(testutil.Tweet{Text: "Nuevo Volta V4 ya disponible", Username: "volta"}) // the brand's own post
	const original = "1850000000000000001"
	edit := xs.AddTweet(testutil.Tweet{ID: "1860000000000000099", Text: "@volta (editado) sin cargador", Username: "eva",
		EditHistory: []string{original, "1860000000000000099"}})

	ms, rs, cur := drain(t, src, cur)
	byID := map[string]escucha.Mention{}
	for _, x := range ms {
		byID[x.ID] = x
	}
	require.Len(t, byID, 3)
	got := byID[m.ID]
	require.Equal(t, "x", got.Source)
	require.Equal(t, "https://x.com/cliente_ana/status/"+m.ID, got.URL)
	require.Equal(t, "es", got.Lang)
	require.Equal(t, escucha.Author{ID: m.AuthorID, Handle: "cliente_ana", Name: "Ana", Followers: 1234}, got.Author)
	require.Equal(t, at, got.PostedAt)
	require.Equal(t, m.ID, got.ConversationID)
	require.False(t, got.FetchedAt.IsZero())
	require.Contains(t, byID, ceo.ID)
	require.Contains(t, byID, original, "an edit is keyed on the first id of its edit history")
	require.Equal(t, "https://x.com/eva/status/"+edit.ID, byID[original].URL)

	require.NotEmpty(t, rs)
	for _, r := range rs {
		require.Equal(t, escucha.Reply{Source: "x", ID: reply.ID, InReplyTo: m.ID, Account: "volta_ayuda", PostedAt: reply.CreatedAt.Truncate(time.Millisecond).UTC()}, r)
	}
	require.Equal(t, 3, xs.Requests(testutil.XUsers), "each of the three handles resolved once")

	// The request follows X's documented parameters.
	q := xs.LastQuery(testutil.XSearch)
	require.Equal(t, `("Volta" OR @volta OR @volta_ayuda OR "voltacars" OR #volta OR "Elena Ruiz" OR @elenaruiz) -is:retweet`, q.Get("query"))
	require.Equal(t, "author_id", q.Get("expansions"))
	require.Contains(t, q.Get("user.fields"), "public_metrics")
	require.Equal(t, "100", q.Get("max_results"))

	// Restarting from the cursor neither re-resolves handles nor refetches.
	users := xs.Requests(testutil.XUsers)
	src2 := newXSource(t, xs.URL(), nil, nil)
	ms, _, _ = drain(t, src2, cur)
	require.Empty(t, ms)
	require.Equal(t, users, xs.Requests(testutil.XUsers))
	require.NotEmpty(t, xs.LastQuery(testutil.XSearch).Get("since_id"))
}

func TestXPaginationKeepsSinceIDThenMovesToFirstPageNewest(t *testing.T) {
	xs := brandServer(t)
	src := newXSource(t, xs.URL(), nil, func(s *config.Source) {
		s.X.MaxResults = 10
		s.X.MentionAccounts, s.X.ReplyAccounts = []string{"volta"}, []string{"volta"}
	})
	_, _, cur := drain(t, src, "")
	var want []string
	for range 25 {
		want = append(want, xs.AddTweet(testutil.Tweet{Text: "Volta me dejó tirado", Username: "cliente"}).ID)
	}
	before := xs.Requests(testutil.XSearch)
	since := xs.LastQuery(testutil.XSearch).Get("since_id")
	var got []string
	for {
		p, err := src.Poll(t.Context(), cur)
		require.NoError(t, err)
		for _, m := range p.Mentions {
			got = append(got, m.ID)
		}
		cur = p.Cursor
		if xs.Requests(testutil.XSearch) > before {
			q := xs.LastQuery(testutil.XSearch)
			require.Equal(t, since, q.Get("since_id"), "since_id stays the same while paginating")
		}
		if !p.More {
			break
		}
	}
	require.Equal(t, before+3, xs.Requests(testutil.XSearch), "25 posts in pages of 10")
	require.ElementsMatch(t, want, ids(strings2mentions(got)))
	xs.AddTweet(testutil.Tweet{Text: "Volta otra vez", Username: "cliente"})
	ms, _, _ := drain(t, src, cur)
	require.Len(t, ids(ms), 1)
	require.Equal(t, want[len(want)-1], xs.LastQuery(testutil.XSearch).Get("since_id"), "newest_id of the first page")
}

func strings2mentions(ids []string) []escucha.Mention {
	var out []escucha.Mention
	for _, id := range ids {
		out = append(out, escucha.Mention{ID: id})
	}
	return out
}

func TestXErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		f         testutil.XFailure
		sentinel  error
		transient bool
	}{
		{testutil.XFailUsageCap, escucha.ErrQuota, false},
		{testutil.XFailCredits, escucha.ErrQuota, false},
		{testutil.XFailUnauthorized, escucha.ErrUnauthorized, false},
		{testutil.XFailRateLimit, escucha.ErrRateLimited, false},
		{testutil.XFailServer, nil, true},
		{testutil.XFailMalformed, nil, true},
	} {
		xs := brandServer(t)
		src := newXSource(t, xs.URL(), nil, nil)
		_, _, cur := drain(t, src, "")
		xs.Fail(testutil.XSearch, tc.f, 1)
		_, err := src.Poll(t.Context(), cur)
		require.Error(t, err)
		if tc.transient {
			for _, s := range []error{escucha.ErrQuota, escucha.ErrUnauthorized, escucha.ErrRateLimited} {
				require.NotErrorIs(t, err, s)
			}
		} else {
			require.ErrorIs(t, err, tc.sentinel, "failure %d: %v", tc.f, err)
		}
		require.NotContains(t, err.Error(), testutil.XToken)
		// The next poll works again from the same cursor.
		_, err = src.Poll(t.Context(), cur)
		if tc.f == testutil.XFailRateLimit {
			require.ErrorIs(t, err, escucha.ErrRateLimited)
		} else {
			require.NoError(t, err)
		}
	}
}

func TestXBadInputNeverCrashes(t *testing.T) {
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-rate-limit-remaining", "449")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	t.Setenv("TEST_X_TOKEN", "tok")
	cfg := config.Default()
	cfg.Sources = []config.Source{{Name: "x", Type: "x", X: config.XSource{BaseURL: srv.URL, BearerToken: config.SecretRef{Env: "TEST_X_TOKEN"},
		MentionAccounts: []string{"-"}, ReplyAccounts: []string{"-"}}}}
	srcs, err := Build(cfg, BuildOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	src := srcs[0]
	// Handle "-" resolves to unknown: only search remains.
	body = []byte(`{"errors":[{"title":"Not Found Error","detail":"Could not find user"}]}`)
	_, err = src.Poll(t.Context(), "")
	require.NoError(t, err)
	p, err := src.Poll(t.Context(), "")
	require.NoError(t, err)
	cur := p.Cursor

	// Invalid UTF-8 is repaired, partial errors are logged.
	body = []byte("{\"data\":[{\"id\":\"5\",\"text\":\"mal \xff\xfe texto\",\"author_id\":\"9\",\"created_at\":\"bad\"}],\"errors\":[{\"title\":\"Not Found Error\",\"detail\":\"gone\"}],\"meta\":{\"newest_id\":\"5\",\"result_count\":1}}")
	p, err = src.Poll(t.Context(), cur)
	require.NoError(t, err)
	require.Len(t, p.Mentions, 1)
	require.Equal(t, "mal \uFFFD\uFFFD texto", p.Mentions[0].Text)
	require.Equal(t, "https://x.com/i/status/5", p.Mentions[0].URL)
	require.Contains(t, logs.String(), "partial errors")
	require.NotContains(t, logs.String(), "tok\"")

	// Renamed spellings of the newer spec are understood.
	body = []byte(`{"data":[{"id":"7","text":"@volta hola","author_id":"9","edit_history_post_ids":["6","7"],"referenced_posts":[{"type":"replied_to","id":"3"}]}],"meta":{"newest_id":"7","result_count":1}}`)
	p, err = src.Poll(t.Context(), cur)
	require.NoError(t, err)
	require.Equal(t, "6", p.Mentions[0].ID)
	require.Equal(t, "3", p.Mentions[0].InReplyTo)

	// Oversized and non-JSON bodies are errors, not panics.
	body = bytes.Repeat([]byte("a"), maxBody+10)
	_, err = src.Poll(t.Context(), cur)
	require.ErrorContains(t, err, "larger than")
	body = []byte(`{"data":"not a list"}`)
	_, err = src.Poll(t.Context(), cur)
	require.ErrorContains(t, err, "decode")
	rem, ok := src.(RateLimitReporter).RateLimitRemaining()
	require.True(t, ok)
	require.Equal(t, 449, rem)
}

// The daemon's view: a rate-limited X API makes the runner wait until the
// reset without moving the cursor; 500s and malformed JSON are logged and
// retried, never fatal.
func TestXRunnerRateLimitAndTransientErrors(t *testing.T) {
	xs := brandServer(t)
	synctest.Test(t, func(t *testing.T) {
		src := newXSource(t, "http://x.invalid", xs.Client(), func(s *config.Source) {
			s.X.MentionAccounts, s.X.ReplyAccounts = []string{"volta"}, []string{"volta"}
		})
		st := newMemStore(t)
		var logs bytes.Buffer
		l := New([]Source{src}, st, st, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- l.Run(ctx) }()

		time.Sleep(time.Second)
		synctest.Wait()
		require.True(t, l.Ready())
		cur := st.cursor("x")
		require.NotEmpty(t, cur)

		first := xs.AddTweet(testutil.Tweet{Text: "@volta el cargador no funciona", Username: "ana"})
		reset := xs.ExhaustWindow(testutil.XSearch, 5*time.Minute)
		searches := xs.Requests(testutil.XSearch)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		require.Equal(t, cur, st.cursor("x"), "no cursor advance while rate limited")
		require.Equal(t, searches+1, xs.Requests(testutil.XSearch), "one 429, then no request until the reset")
		h := l.Health()[0]
		require.Equal(t, ResultRateLimited, h.LastErrorClass)
		require.Equal(t, 0, h.RateLimitRemaining)

		time.Sleep(time.Until(reset) + 2*time.Second)
		synctest.Wait()
		require.Contains(t, st.mentions, "x/"+first.ID, "fetched after the reset")

		xs.Fail(testutil.XSearch, testutil.XFailServer, 1)
		xs.Fail(testutil.XSearch, testutil.XFailMalformed, 1)
		second := xs.AddTweet(testutil.Tweet{Text: "Volta: tercera avería", Username: "luis"})
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		require.Contains(t, st.mentions, "x/"+second.ID, "retried after 500 and malformed JSON")
		require.True(t, l.Health()[0].Up)
		require.Contains(t, logs.String(), "HTTP 500")
		require.Contains(t, logs.String(), "decode response")
		require.Contains(t, logs.String(), "source recovered")
		cancel()
		require.NoError(t, <-done)
	})
}

func TestXBuildErrors(t *testing.T) {
	t.Setenv("TEST_X_EMPTY", "")
	cfg := config.Default()
	cfg.Sources = []config.Source{
		{Name: "a", Type: "x", X: config.XSource{BearerToken: config.SecretRef{Env: "TEST_X_EMPTY"}}},
		{Name: "b", Type: "x", X: config.XSource{API: "v3", BearerToken: config.SecretRef{Env: "TEST_X_EMPTY"}}},
		{Name: "a", Type: "demo"},
	}
	_, err := Build(cfg, BuildOptions{})
	require.ErrorContains(t, err, `source "a": x.bearer_token: <secret from $TEST_X_EMPTY> is empty`)
	require.ErrorContains(t, err, `x.api: unknown API "v3"`)
	require.ErrorContains(t, err, `duplicate source "a"`)
}

func TestXStaleSinceIDStartsOver(t *testing.T) {
	xs := brandServer(t)
	xs.AddTweet(testutil.Tweet{Text: "Volta sin cargadores", Username: "ana"})
	stale := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2/tweets/search/recent" && r.URL.Query().Get("since_id") == "1" && stale {
			stale = false
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"title":"Invalid Request","detail":"'since_id' must be a post id created after 2026-11-13T00:00Z"}`))
			return
		}
		xs.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	src := newXSource(t, srv.URL, nil, func(s *config.Source) { s.X.MentionAccounts, s.X.ReplyAccounts = []string{"-"}, []string{"-"} })
	p, err := src.Poll(t.Context(), `{"users":{"-":""},"search":{"since_id":"1"}}`)
	require.NoError(t, err)
	require.True(t, p.More)
	require.NotContains(t, p.Cursor, `"since_id":"1"`)
	ms, _, _ := drain(t, src, p.Cursor)
	require.Len(t, ms, 1)
}
