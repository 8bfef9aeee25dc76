// Package testutil holds helpers shared by the tests of several packages:
// fake servers that speak the real JSON of the outside APIs escucha calls.
// It is imported only from _test.go files.
package testutil

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// XToken is the bearer token the fake X server accepts by default.
const XToken = "test-bearer-token"

// Endpoints of the fake X server, for Fail, Requests and LastQuery.
const (
	XSearch     = "search"            // GET /2/tweets/search/recent
	XMentions   = "mentions"          // GET /2/users/{id}/mentions
	XTweets     = "tweets"            // GET /2/users/{id}/tweets
	XUsers      = "users"             // GET /2/users/by/username/{username}
	XV1Search   = "v1.1/search"       // GET /1.1/search/tweets.json
	XV1Mentions = "v1.1/mentions"     // GET /1.1/statuses/mentions_timeline.json
	XAny        = ""                  // any endpoint, in Fail
	xRateLimit  = 450                 // x-rate-limit-limit of every endpoint
	xWindow     = 15 * time.Minute    // rate-limit window
	xFirstID    = 1860000000000000000 // first generated post id
)

// XFailure is a scripted error answer.
type XFailure int

// Scripted failures.
const (
	// XFailRateLimit answers 429 Too Many Requests with x-rate-limit-remaining 0
	// and x-rate-limit-reset one minute ahead (see also ExhaustWindow).
	XFailRateLimit XFailure = iota + 1
	// XFailUsageCap answers 429 UsageCapExceeded (monthly cap).
	XFailUsageCap
	// XFailCredits answers 402 credits depleted.
	XFailCredits
	// XFailUnauthorized answers 401.
	XFailUnauthorized
	// XFailServer answers 500 with an HTML body.
	XFailServer
	// XFailMalformed answers 200 with truncated JSON.
	XFailMalformed
	// XFailTier answers 403 code 453 (v1.1 endpoints not in the tier).
	XFailTier
)

// Tweet is a post the fake serves.
type Tweet struct {
	// ID is generated (increasing) when empty.
	ID       string
	Text     string
	AuthorID string
	// Username, Name and Followers describe the author; the user is added
	// (or updated) with the post. AuthorID is generated from Username when empty.
	Username  string
	Name      string
	Followers int64
	// CreatedAt defaults to now.
	CreatedAt time.Time
	Lang      string
	// InReplyTo is the id of the post this one replies to.
	InReplyTo string
	// ConversationID defaults to the replied post's conversation, or ID.
	ConversationID string
	// EditHistory defaults to [ID]; an edit lists the original first.
	EditHistory []string
}

// User is an account the fake knows.
type User struct {
	ID        string
	Username  string
	Name      string
	Followers int64
}

type window struct {
	used  int
	reset time.Time
	// exhaustedUntil makes every request 429 until then.
	exhaustedUntil time.Time
}

type failure struct {
	ep string
	f  XFailure
	n  int
}

// XServer is a fake X API (v2 and the two v1.1 endpoints go-twitter uses).
type XServer struct {
	t   testing.TB
	srv *httptest.Server

	// Now is the server's clock (default time.Now); inside a synctest
	// bubble time.Now is already fake.
	Now func() time.Time

	mu        sync.Mutex
	token     string
	tweets    []Tweet // newest first
	users     map[string]User
	nextID    int64
	fails     []failure
	windows   map[string]*window
	requests  map[string]int
	lastQuery map[string]url.Values
	v1Me      string
}

// NewXServer starts a fake X API server, closed when the test ends.
func NewXServer(t testing.TB) *XServer {
	s := &XServer{
		t: t, Now: time.Now, token: XToken, users: map[string]User{}, nextID: xFirstID,
		windows: map[string]*window{}, requests: map[string]int{}, lastQuery: map[string]url.Values{},
	}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL to configure as x.base_url (v2). For v1.1 use
// URL()+"/1.1/".
func (s *XServer) URL() string { return s.srv.URL }

// Token returns the bearer token the server accepts.
func (s *XServer) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// SetToken changes the accepted bearer token.
func (s *XServer) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = tok
}

// Client returns an *http.Client that calls the fake in-process, without
// a socket: usable inside a testing/synctest bubble.
func (s *XServer) Client() *http.Client {
	return &http.Client{Transport: inProcess{h: s}}
}

type inProcess struct{ h http.Handler }

func (p inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// AddUser adds or updates an account.
func (s *XServer) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(u)
}

func (s *XServer) addUserLocked(u User) User {
	if u.ID == "" {
		for _, o := range s.users {
			if strings.EqualFold(o.Username, u.Username) {
				u.ID = o.ID
			}
		}
	}
	if u.ID == "" {
		u.ID = strconv.Itoa(100000 + len(s.users))
	}
	if u.Name == "" {
		u.Name = u.Username
	}
	s.users[u.ID] = u
	return u
}

// AddTweet adds a post and its author, and returns it with defaults filled.
func (s *XServer) AddTweet(tw Tweet) Tweet {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tw.ID == "" {
		s.nextID++
		tw.ID = strconv.FormatInt(s.nextID, 10)
	}
	if tw.Username != "" || tw.AuthorID != "" {
		u := s.addUserLocked(User{ID: tw.AuthorID, Username: tw.Username, Name: tw.Name, Followers: tw.Followers})
		tw.AuthorID, tw.Username = u.ID, u.Username
	}
	if tw.CreatedAt.IsZero() {
		tw.CreatedAt = s.Now()
	}
	if tw.ConversationID == "" {
		tw.ConversationID = tw.ID
		for _, o := range s.tweets {
			if o.ID == tw.InReplyTo {
				tw.ConversationID = o.ConversationID
			}
		}
	}
	if len(tw.EditHistory) == 0 {
		tw.EditHistory = []string{tw.ID}
	}
	s.tweets = append(s.tweets, tw)
	slices.SortStableFunc(s.tweets, func(a, b Tweet) int { return cmpID(b.ID, a.ID) })
	return tw
}

// AddReply adds a reply by a brand account to the post inReplyTo.
func (s *XServer) AddReply(username, inReplyTo, text string) Tweet {
	return s.AddTweet(Tweet{Username: username, InReplyTo: inReplyTo, Text: text, Lang: "es"})
}

// Fail makes the next n requests to endpoint ep (XAny: any) answer f.
func (s *XServer) Fail(ep string, f XFailure, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{ep: ep, f: f, n: n})
}

// ExhaustWindow makes endpoint ep answer 429 with x-rate-limit-remaining 0
// and x-rate-limit-reset = now+d until that time.
func (s *XServer) ExhaustWindow(ep string, d time.Duration) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windowLocked(ep)
	w.exhaustedUntil = s.Now().Add(d).Truncate(time.Second)
	return w.exhaustedUntil
}

// SetV1MentionsUser sets whose mentions /1.1/statuses/mentions_timeline.json
// returns (the "authenticated user").
func (s *XServer) SetV1MentionsUser(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.v1Me = username
}

// Requests returns how many requests endpoint ep received (validated or
// not); XAny counts every endpoint.
func (s *XServer) Requests(ep string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep == XAny {
		n := 0
		for _, c := range s.requests {
			n += c
		}
		return n
	}
	return s.requests[ep]
}

// LastQuery returns the query parameters of the last request to ep.
func (s *XServer) LastQuery(ep string) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastQuery[ep]
}

func (s *XServer) windowLocked(ep string) *window {
	w := s.windows[ep]
	now := s.Now()
	if w == nil || !now.Before(w.reset) {
		nw := &window{reset: now.Add(xWindow).Truncate(time.Second)}
		if w != nil {
			nw.exhaustedUntil = w.exhaustedUntil
		}
		w = nw
		s.windows[ep] = w
	}
	return w
}

var (
	reUserMentions = regexp.MustCompile(`^/2/users/([0-9]+)/mentions$`)
	reUserTweets   = regexp.MustCompile(`^/2/users/([0-9]+)/tweets$`)
	reByUsername   = regexp.MustCompile(`^/2/users/by/username/([A-Za-z0-9_]{1,15})$`)
	reID           = regexp.MustCompile(`^[0-9]{1,19}$`)
)

// ServeHTTP implements http.Handler.
func (s *XServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := r.URL.Path
	var ep, uid, uname string
	switch {
	case path == "/2/tweets/search/recent":
		ep = XSearch
	case reUserMentions.MatchString(path):
		ep, uid = XMentions, reUserMentions.FindStringSubmatch(path)[1]
	case reUserTweets.MatchString(path):
		ep, uid = XTweets, reUserTweets.FindStringSubmatch(path)[1]
	case reByUsername.MatchString(path):
		ep, uname = XUsers, reByUsername.FindStringSubmatch(path)[1]
	case path == "/1.1/search/tweets.json":
		ep = XV1Search
	case path == "/1.1/statuses/mentions_timeline.json":
		ep = XV1Mentions
	default:
		s.problem(w, http.StatusNotFound, `{"title":"Not Found Error","detail":"no such endpoint","type":"about:blank","status":404}`)
		return
	}
	v1 := strings.HasPrefix(ep, "v1.1/")
	q := r.URL.Query()
	s.requests[ep]++
	s.lastQuery[ep] = q
	if r.Method != http.MethodGet {
		s.t.Errorf("fake X: %s %s: want GET", r.Method, path)
	}

	// Rate-limit headers on every answer.
	win := s.windowLocked(ep)
	win.used++
	now := s.Now()
	remaining := max(xRateLimit-win.used, 0)
	reset := win.reset
	exhausted := now.Before(win.exhaustedUntil)
	if exhausted {
		remaining, reset = 0, win.exhaustedUntil
	}
	h := w.Header()
	h.Set("x-rate-limit-limit", strconv.Itoa(xRateLimit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(remaining))
	h.Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))

	if r.Header.Get("Authorization") != "Bearer "+s.token {
		if v1 {
			s.problem(w, http.StatusUnauthorized, `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`)
		} else {
			s.problem(w, http.StatusUnauthorized, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
		}
		return
	}
	if exhausted {
		s.fail(w, XFailRateLimit, v1, reset)
		return
	}
	for i := range s.fails {
		f := &s.fails[i]
		if f.n > 0 && (f.ep == XAny || f.ep == ep) {
			f.n--
			rl := now.Add(time.Minute).Truncate(time.Second)
			if f.f == XFailRateLimit {
				h.Set("x-rate-limit-remaining", "0")
				h.Set("x-rate-limit-reset", strconv.FormatInt(rl.Unix(), 10))
			}
			s.fail(w, f.f, v1, rl)
			return
		}
	}
	if msg := s.validate(ep, q); msg != "" {
		s.t.Errorf("fake X: %s: %s", ep, msg)
		s.problem(w, http.StatusBadRequest, fmt.Sprintf(`{"title":"Invalid Request","detail":%q,"type":"https://api.twitter.com/2/problems/invalid-request"}`, msg))
		return
	}
	switch ep {
	case XUsers:
		s.serveUser(w, uname)
	case XSearch:
		terms := queryTerms(q.Get("query"))
		s.servePage(w, q, "next_token", func(t Tweet) bool { return matches(t.Text, terms) })
	case XMentions:
		u, ok := s.users[uid]
		s.servePage(w, q, "pagination_token", func(t Tweet) bool {
			return ok && t.AuthorID != uid && mentionsUser(t.Text, u.Username)
		})
	case XTweets:
		s.servePage(w, q, "pagination_token", func(t Tweet) bool { return t.AuthorID == uid })
	case XV1Search:
		terms := queryTerms(q.Get("q"))
		s.serveV1(w, q, true, func(t Tweet) bool { return matches(t.Text, terms) })
	case XV1Mentions:
		s.serveV1(w, q, false, func(t Tweet) bool {
			return s.v1Me != "" && !strings.EqualFold(t.Username, s.v1Me) && mentionsUser(t.Text, s.v1Me)
		})
	}
}

func (s *XServer) validate(ep string, q url.Values) string {
	for _, k := range []string{"since_id", "until_id", "max_id"} {
		if v := q.Get(k); v != "" && !reID.MatchString(v) {
			return fmt.Sprintf("%s %q does not match ^[0-9]{1,19}$", k, v)
		}
	}
	lo, hi, key := 0, 0, "max_results"
	switch ep {
	case XSearch:
		if strings.TrimSpace(q.Get("query")) == "" {
			return "query is required"
		}
		if len(q.Get("query")) > 512 {
			return "query longer than 512"
		}
		lo, hi = 10, 100
	case XMentions, XTweets:
		lo, hi = 5, 100
	case XV1Search:
		if q.Get("q") == "" {
			return "q is required"
		}
		lo, hi, key = 1, 100, "count"
	case XV1Mentions:
		lo, hi, key = 1, 200, "count"
	}
	if hi > 0 {
		if v := q.Get(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return fmt.Sprintf("%s %q is outside %d..%d", key, v, lo, hi)
			}
		}
	}
	if ep == XSearch || ep == XMentions || ep == XTweets {
		if e := q.Get("expansions"); e != "" && !slices.Contains(strings.Split(e, ","), "author_id") {
			return "expansions without author_id"
		}
	}
	return ""
}

func (s *XServer) fail(w http.ResponseWriter, f XFailure, v1 bool, reset time.Time) {
	switch f {
	case XFailRateLimit:
		w.Header().Set("x-rate-limit-remaining", "0")
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
		if v1 {
			s.problem(w, http.StatusTooManyRequests, `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`)
		} else {
			s.problem(w, http.StatusTooManyRequests, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)
		}
	case XFailUsageCap:
		s.problem(w, http.StatusTooManyRequests, `{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}`)
	case XFailCredits:
		s.problem(w, http.StatusPaymentRequired, `{"title":"Payment Required","detail":"credits depleted","type":"https://api.x.com/2/problems/credits-depleted"}`)
	case XFailUnauthorized:
		if v1 {
			s.problem(w, http.StatusUnauthorized, `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`)
		} else {
			s.problem(w, http.StatusUnauthorized, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
		}
	case XFailTier:
		s.problem(w, http.StatusForbidden, `{"errors":[{"message":"You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level.","code":453}]}`)
	case XFailServer:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<html><body><h1>Something went wrong</h1></body></html>"))
	case XFailMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[{"id":"1","text":"trunc`))
	}
}

func (s *XServer) problem(w http.ResponseWriter, status int, body string) {
	ct := "application/problem+json"
	if strings.HasPrefix(body, `{"errors"`) {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *XServer) serveUser(w http.ResponseWriter, username string) {
	for _, u := range s.users {
		if strings.EqualFold(u.Username, username) {
			writeJSON(w, map[string]any{"data": s.userJSON(u)})
			return
		}
	}
	writeJSON(w, map[string]any{"errors": []map[string]any{{
		"value": username, "detail": "Could not find user with username: [" + username + "].",
		"title": "Not Found Error", "resource_type": "user", "parameter": "username",
		"resource_id": username, "type": "https://api.twitter.com/2/problems/resource-not-found",
	}}})
}

func (s *XServer) userJSON(u User) map[string]any {
	return map[string]any{
		"id": u.ID, "username": u.Username, "name": u.Name, "verified": false,
		"public_metrics": map[string]any{"followers_count": u.Followers, "following_count": 10,
			"tweet_count": 100, "listed_count": 0, "like_count": 0},
	}
}

// pageToken encodes where the next page starts: posts older than id.
func pageToken(id string) string { return base64.RawURLEncoding.EncodeToString([]byte("older:" + id)) }

func parsePageToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "older:") {
		return "", false
	}
	return strings.TrimPrefix(string(b), "older:"), true
}

// selectPage returns the posts matching keep, newer than since_id, older
// than the page token's id, at most n, and whether more follow.
func (s *XServer) selectPage(keep func(Tweet) bool, since, older string, n int) ([]Tweet, bool) {
	var out []Tweet
	for _, t := range s.tweets {
		if since != "" && cmpID(t.ID, since) <= 0 {
			continue
		}
		if older != "" && cmpID(t.ID, older) >= 0 {
			continue
		}
		if !keep(t) {
			continue
		}
		if len(out) == n {
			return out, true
		}
		out = append(out, t)
	}
	return out, false
}

func (s *XServer) servePage(w http.ResponseWriter, q url.Values, tokenParam string, keep func(Tweet) bool) {
	n := 10
	if v, err := strconv.Atoi(q.Get("max_results")); err == nil {
		n = v
	}
	older := ""
	if tok := q.Get(tokenParam); tok != "" {
		var ok bool
		if older, ok = parsePageToken(tok); !ok {
			s.problem(w, http.StatusBadRequest, `{"title":"Invalid Request","detail":"bad pagination token","type":"https://api.twitter.com/2/problems/invalid-request"}`)
			return
		}
	}
	page, more := s.selectPage(keep, q.Get("since_id"), older, n)
	meta := map[string]any{"result_count": len(page)}
	out := map[string]any{"meta": meta}
	if len(page) > 0 {
		meta["newest_id"], meta["oldest_id"] = page[0].ID, page[len(page)-1].ID
		if more {
			meta["next_token"] = pageToken(page[len(page)-1].ID)
		}
		var data, users []map[string]any
		seen := map[string]bool{}
		for _, t := range page {
			d := map[string]any{
				"id": t.ID, "text": t.Text, "author_id": t.AuthorID,
				"created_at":             t.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
				"conversation_id":        t.ConversationID,
				"edit_history_tweet_ids": t.EditHistory,
			}
			if t.Lang != "" {
				d["lang"] = t.Lang
			}
			if t.InReplyTo != "" {
				d["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": t.InReplyTo}}
				for _, o := range s.tweets {
					if o.ID == t.InReplyTo {
						d["in_reply_to_user_id"] = o.AuthorID
					}
				}
			}
			data = append(data, d)
			if u, ok := s.users[t.AuthorID]; ok && !seen[u.ID] {
				seen[u.ID] = true
				users = append(users, s.userJSON(u))
			}
		}
		out["data"] = data
		if len(users) > 0 {
			out["includes"] = map[string]any{"users": users}
		}
	}
	writeJSON(w, out)
}

// v1.1 JSON shapes (what go-twitter decodes).
func (s *XServer) serveV1(w http.ResponseWriter, q url.Values, search bool, keep func(Tweet) bool) {
	n := 15
	if v, err := strconv.Atoi(q.Get("count")); err == nil {
		n = v
	}
	older := ""
	if m := q.Get("max_id"); m != "" {
		older = incID(m) // max_id is inclusive
	}
	page, _ := s.selectPage(keep, q.Get("since_id"), older, n)
	statuses := []map[string]any{}
	for _, t := range page {
		u := s.users[t.AuthorID]
		id, _ := strconv.ParseInt(t.ID, 10, 64)
		uid, _ := strconv.ParseInt(u.ID, 10, 64)
		st := map[string]any{
			"created_at": t.CreatedAt.UTC().Format(time.RubyDate),
			"id":         id, "id_str": t.ID, "full_text": t.Text, "lang": t.Lang,
			"user": map[string]any{"id": uid, "id_str": u.ID, "screen_name": u.Username, "name": u.Name,
				"followers_count": u.Followers},
		}
		if q.Get("tweet_mode") != "extended" {
			delete(st, "full_text")
			st["text"] = t.Text
		}
		if t.InReplyTo != "" {
			rid, _ := strconv.ParseInt(t.InReplyTo, 10, 64)
			st["in_reply_to_status_id"], st["in_reply_to_status_id_str"] = rid, t.InReplyTo
		}
		statuses = append(statuses, st)
	}
	if !search {
		writeJSON(w, statuses)
		return
	}
	meta := map[string]any{"count": n, "since_id_str": q.Get("since_id"), "query": q.Get("q")}
	if len(page) > 0 {
		meta["max_id_str"] = page[0].ID
	}
	writeJSON(w, map[string]any{"statuses": statuses, "search_metadata": meta})
}

// incID returns id+1 for numeric post ids.
func incID(id string) string {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return id
	}
	return strconv.FormatUint(n+1, 10)
}

// cmpID orders numeric post ids.
func cmpID(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

var reTerm = regexp.MustCompile(`"[^"]*"|[^\s()"]+`)

// queryTerms extracts the positive terms of a search query.
func queryTerms(q string) []string {
	var out []string
	for _, t := range reTerm.FindAllString(q, -1) {
		if t == "OR" || t == "AND" || strings.HasPrefix(t, "-") || strings.Contains(t, ":") {
			continue
		}
		out = append(out, strings.ToLower(strings.Trim(t, `"`)))
	}
	return out
}

func matches(text string, terms []string) bool {
	l := strings.ToLower(text)
	for _, t := range terms {
		if t != "" && strings.Contains(l, t) {
			return true
		}
	}
	return false
}

func mentionsUser(text, username string) bool {
	return username != "" && strings.Contains(strings.ToLower(text), "@"+strings.ToLower(username))
}
