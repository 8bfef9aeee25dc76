package testutil

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func get(t *testing.T, s *XServer, path string, q url.Values, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL()+path+"?"+q.Encode(), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp, out
}

func TestXServerSearchPaginationAndHeaders(t *testing.T) {
	s := NewXServer(t)
	for i := range 12 {
		s.AddTweet(Tweet{Text: "Volta " + strconv.Itoa(i), Username: "ana", Followers: 7})
	}
	s.AddTweet(Tweet{Text: "unrelated", Username: "bob"})
	q := url.Values{"query": {`("Volta") -is:retweet`}, "max_results": {"10"}, "expansions": {"author_id"}}
	resp, body := get(t, s, "/2/tweets/search/recent", q, XToken)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "450", resp.Header.Get("x-rate-limit-limit"))
	require.Equal(t, "449", resp.Header.Get("x-rate-limit-remaining"))
	require.NotEmpty(t, resp.Header.Get("x-rate-limit-reset"))
	meta := body["meta"].(map[string]any)
	require.EqualValues(t, 10, meta["result_count"])
	require.NotEmpty(t, meta["next_token"])
	users := body["includes"].(map[string]any)["users"].([]any)
	require.EqualValues(t, 7, users[0].(map[string]any)["public_metrics"].(map[string]any)["followers_count"])
	newest := meta["newest_id"].(string)

	q.Set("next_token", meta["next_token"].(string))
	_, body = get(t, s, "/2/tweets/search/recent", q, XToken)
	require.EqualValues(t, 2, body["meta"].(map[string]any)["result_count"])
	require.NotContains(t, body["meta"], "next_token")

	q.Del("next_token")
	q.Set("since_id", newest)
	_, body = get(t, s, "/2/tweets/search/recent", q, XToken)
	require.NotContains(t, body, "data", "an empty page has no data")
	require.EqualValues(t, 0, body["meta"].(map[string]any)["result_count"])
	require.Equal(t, 3, s.Requests(XSearch))
	require.Equal(t, newest, s.LastQuery(XSearch).Get("since_id"))
}

func TestXServerAuthFailuresAndUsers(t *testing.T) {
	s := NewXServer(t)
	u := s.AddUser(User{Username: "volta", Followers: 5})
	resp, _ := get(t, s, "/2/users/by/username/volta", nil, "wrong")
	require.Equal(t, 401, resp.StatusCode)
	_, body := get(t, s, "/2/users/by/username/volta", nil, XToken)
	require.Equal(t, u.ID, body["data"].(map[string]any)["id"])
	_, body = get(t, s, "/2/users/by/username/nadie", nil, XToken)
	require.Contains(t, body, "errors")

	for f, want := range map[XFailure]int{XFailUsageCap: 429, XFailCredits: 402, XFailUnauthorized: 401, XFailServer: 500, XFailMalformed: 200} {
		s.Fail(XMentions, f, 1)
		resp, body := get(t, s, "/2/users/"+u.ID+"/mentions", url.Values{"max_results": {"5"}}, XToken)
		require.Equal(t, want, resp.StatusCode, "failure %d", f)
		if f == XFailMalformed {
			require.Nil(t, body)
		}
	}
	reset := s.ExhaustWindow(XSearch, time.Minute)
	resp, body = get(t, s, "/2/tweets/search/recent", url.Values{"query": {"x"}}, XToken)
	require.Equal(t, 429, resp.StatusCode)
	require.Equal(t, "Too Many Requests", body["title"])
	require.Equal(t, "0", resp.Header.Get("x-rate-limit-remaining"))
	require.Equal(t, strconv.FormatInt(reset.Unix(), 10), resp.Header.Get("x-rate-limit-reset"))
}

func TestXServerV1Shapes(t *testing.T) {
	s := NewXServer(t)
	s.AddTweet(Tweet{Text: "@volta hola", Username: "ana", Lang: "es"})
	s.SetV1MentionsUser("volta")
	_, body := get(t, s, "/1.1/search/tweets.json", url.Values{"q": {"volta"}, "count": {"100"}, "tweet_mode": {"extended"}}, XToken)
	st := body["statuses"].([]any)[0].(map[string]any)
	require.Equal(t, "@volta hola", st["full_text"])
	_, err := time.Parse(time.RubyDate, st["created_at"].(string))
	require.NoError(t, err)
	require.Equal(t, "ana", st["user"].(map[string]any)["screen_name"])
	s.Fail(XV1Mentions, XFailRateLimit, 1)
	resp, body := get(t, s, "/1.1/statuses/mentions_timeline.json", url.Values{"count": {"100"}}, XToken)
	require.Equal(t, 429, resp.StatusCode)
	require.EqualValues(t, 88, body["errors"].([]any)[0].(map[string]any)["code"])
}
