package listener

// X (Twitter) source, API v2, app-only bearer auth.
//
// Config block (sources[i] with type: x):
//
//	- name: x
//	  type: x
//	  interval: 1m
//	  x:
//	    api: v2                      # or v1.1 (go-twitter backend, see xv1.go)
//	    base_url: https://api.x.com  # tests point it at a local server
//	    bearer_token: {env: ESCUCHA_X_BEARER_TOKEN}
//	    query: ""                    # default: brand and CEO names, handles and keywords, -is:retweet
//	    mention_accounts: []         # default: brand and CEO handles
//	    reply_accounts: []           # default: brand handles
//	    max_results: 100
//
// One Poll makes one request. A round is: resolve any handle not yet
// resolved (GET /2/users/by/username/{u}, ids kept in the cursor), then
// recent search, then the mention timeline of each mention account, then the
// own timeline of each reply account (for reply detection); Page.More is
// true until the round is done. Each endpoint follows X's polling pattern:
// page with next_token keeping since_id, then set since_id to the
// newest_id of the round's first page.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// Limits of the X client.
const (
	// maxBody caps the bytes read from one API response.
	maxBody = 10 << 20
	// defaultRateWindow is waited after a 429 without x-rate-limit-reset.
	defaultRateWindow = 15 * time.Minute
	// maxQueryLen is the self-serve limit of a recent-search query.
	maxQueryLen = 512
	// xTweetFields are the post fields escucha reads.
	xTweetFields = "created_at,lang,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,edit_history_tweet_ids"
	xUserFields  = "public_metrics,username,name"
)

// xCursor is the X source's cursor, stored as JSON.
type xCursor struct {
	// Users maps a lower-cased handle to its user id ("" when X does not
	// know the handle).
	Users map[string]string `json:"users,omitempty"`
	// Step is the index of the next endpoint in the round.
	Step     int               `json:"step,omitempty"`
	Search   xState            `json:"search,omitzero"`
	Mentions map[string]xState `json:"mentions,omitempty"` // by user id
	Timeline map[string]xState `json:"timeline,omitempty"` // by user id
}

// xState is the polling state of one endpoint.
type xState struct {
	// SinceID is the newest post already seen.
	SinceID string `json:"since_id,omitempty"`
	// Next is the pagination token of the page to fetch next.
	Next string `json:"next,omitempty"`
	// Newest is the first page's newest_id, kept while paginating.
	Newest string `json:"newest,omitempty"`
}

// advance applies a page's meta to the state; it reports whether more
// pages follow.
func (s *xState) advance(newest, next string) bool {
	if s.Next == "" && newest != "" {
		s.Newest = newest
	}
	if next != "" {
		s.Next = next
		return true
	}
	if s.Newest != "" {
		s.SinceID = s.Newest
	}
	s.Next, s.Newest = "", ""
	return false
}

// XSource polls X API v2.
type XSource struct {
	name        string
	interval    time.Duration
	base        *url.URL
	token       string
	query       string
	maxResults  int
	mentionAccs []string // lower-cased handles
	replyAccs   []string
	client      *http.Client
	log         *slog.Logger
	now         func() time.Time

	mu        sync.Mutex
	limits    map[string]rateState // by endpoint
	remaining int
	haveRem   bool
}

type rateState struct {
	remaining int
	reset     time.Time
}

func newX(cfg config.Config, s config.Source, o BuildOptions) (Source, error) {
	if s.X.API == "v1.1" {
		return newXV1(cfg, s, o)
	}
	if s.X.API != "v2" {
		return nil, fmt.Errorf("x.api: unknown API %q (want v2 or v1.1)", s.X.API)
	}
	base, token, err := xCommon(s)
	if err != nil {
		return nil, err
	}
	query := s.X.Query
	if query == "" {
		query = DefaultXQuery(cfg)
	}
	if len(query) > maxQueryLen {
		return nil, fmt.Errorf("x.query: %d characters, X allows %d", len(query), maxQueryLen)
	}
	mr := s.X.MaxResults
	if mr < 10 || mr > 100 {
		return nil, fmt.Errorf("x.max_results: %d is outside 10..100", mr)
	}
	mentionAccs := s.X.MentionAccounts
	if len(mentionAccs) == 0 {
		mentionAccs = append(slices.Clone(cfg.Brand.Handles), cfg.CEO.Handles...)
	}
	replyAccs := s.X.ReplyAccounts
	if len(replyAccs) == 0 {
		replyAccs = cfg.Brand.Handles
	}
	return &XSource{
		name: s.Name, interval: s.Interval, base: base, token: token, query: query, maxResults: mr,
		mentionAccs: normHandles(mentionAccs), replyAccs: normHandles(replyAccs),
		client: o.HTTPClient, log: o.Logger.With("component", "listener", "source", s.Name), now: o.Now,
		limits: map[string]rateState{},
	}, nil
}

// xCommon checks the parts both X backends share: base URL and token.
func xCommon(s config.Source) (*url.URL, string, error) {
	base, err := url.Parse(s.X.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, "", fmt.Errorf("x.base_url: %q is not an http(s) URL", s.X.BaseURL)
	}
	token, err := s.X.BearerToken.Resolve()
	if err != nil {
		return nil, "", fmt.Errorf("x.bearer_token: %w", err)
	}
	if token == "" {
		return nil, "", fmt.Errorf("x.bearer_token: %s is empty", s.X.BearerToken)
	}
	return base, token, nil
}

// DefaultXQuery builds the recent-search query from the brand and CEO
// names, handles and brand keywords, excluding retweets.
func DefaultXQuery(cfg config.Config) string {
	var terms []string
	seen := map[string]bool{}
	add := func(t string) {
		t = strings.TrimSpace(t)
		if t == "" || seen[strings.ToLower(t)] {
			return
		}
		seen[strings.ToLower(t)] = true
		terms = append(terms, t)
	}
	quote := func(s string) string {
		if strings.HasPrefix(s, "#") || strings.HasPrefix(s, "@") {
			return s
		}
		return strconv.Quote(strings.ReplaceAll(s, `"`, ""))
	}
	add(quote(cfg.Brand.Name))
	for _, h := range cfg.Brand.Handles {
		add("@" + strings.TrimPrefix(h, "@"))
	}
	for _, k := range cfg.Brand.Keywords {
		add(quote(k))
	}
	add(quote(cfg.CEO.Name))
	for _, h := range cfg.CEO.Handles {
		add("@" + strings.TrimPrefix(h, "@"))
	}
	const suffix = ") -is:retweet"
	q := "("
	for _, t := range terms {
		if t == `""` {
			continue
		}
		sep := " OR "
		if q == "(" {
			sep = ""
		}
		if len(q)+len(sep)+len(t)+len(suffix) > maxQueryLen {
			break
		}
		q += sep + t
	}
	if q == "(" {
		return ""
	}
	return q + suffix
}

func normHandles(hs []string) []string {
	var out []string
	for _, h := range hs {
		h = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// Name implements Source.
func (x *XSource) Name() string { return x.name }

// Interval implements Intervaler.
func (x *XSource) Interval() time.Duration { return x.interval }

// RateLimitRemaining implements RateLimitReporter.
func (x *XSource) RateLimitRemaining() (int, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.remaining, x.haveRem
}

// step is one endpoint of a round.
type xStep struct {
	kind string // "search", "mentions", "timeline"
	id   string // user id for mentions/timeline
}

func (x *XSource) steps(c *xCursor) []xStep {
	var out []xStep
	if x.query != "" {
		out = append(out, xStep{kind: "search"})
	}
	for _, h := range x.mentionAccs {
		if id := c.Users[h]; id != "" {
			out = append(out, xStep{kind: "mentions", id: id})
		}
	}
	for _, h := range x.replyAccs {
		if id := c.Users[h]; id != "" {
			out = append(out, xStep{kind: "timeline", id: id})
		}
	}
	return out
}

// Poll implements Source: it makes one request, the next of the round.
func (x *XSource) Poll(ctx context.Context, cursor string) (Page, error) {
	c := xCursor{}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &c); err != nil {
			x.log.Warn("unreadable cursor, starting over", "err", err)
			c = xCursor{}
		}
	}
	if c.Users == nil {
		c.Users = map[string]string{}
	}
	if c.Mentions == nil {
		c.Mentions = map[string]xState{}
	}
	if c.Timeline == nil {
		c.Timeline = map[string]xState{}
	}

	// Resolve handles first, one per poll.
	for _, h := range append(slices.Clone(x.mentionAccs), x.replyAccs...) {
		if _, ok := c.Users[h]; ok {
			continue
		}
		id, err := x.resolve(ctx, h)
		if err != nil {
			return Page{}, err
		}
		c.Users[h] = id
		return x.page(c, Page{More: true})
	}

	steps := x.steps(&c)
	if len(steps) == 0 {
		return Page{}, nil
	}
	if c.Step >= len(steps) || c.Step < 0 {
		c.Step = 0
	}
	st := steps[c.Step]
	var (
		p    Page
		more bool
		err  error
	)
	switch st.kind {
	case "search":
		s := c.Search
		p, more, err = x.fetch(ctx, "search", "/2/tweets/search/recent", "next_token", &s, &c, false)
		c.Search = s
	case "mentions":
		s := c.Mentions[st.id]
		p, more, err = x.fetch(ctx, "mentions", "/2/users/"+st.id+"/mentions", "pagination_token", &s, &c, false)
		c.Mentions[st.id] = s
	case "timeline":
		s := c.Timeline[st.id]
		p, more, err = x.fetch(ctx, "timeline", "/2/users/"+st.id+"/tweets", "pagination_token", &s, &c, true)
		c.Timeline[st.id] = s
	}
	if err != nil {
		return Page{}, err
	}
	if !more {
		c.Step++
		if c.Step >= len(steps) {
			c.Step = 0
		} else {
			more = true
		}
	}
	p.More = more
	return x.page(c, p)
}

func (x *XSource) page(c xCursor, p Page) (Page, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return Page{}, fmt.Errorf("encode cursor: %w", err)
	}
	p.Cursor = string(b)
	return p, nil
}

// fetch reads one page of an endpoint and updates its state.
// firstPageOnly stops after one page when the endpoint has no since_id
// yet (the brand's own timeline: older replies are of no use).
func (x *XSource) fetch(ctx context.Context, key, path, pageParam string, s *xState, c *xCursor, firstPageOnly bool) (Page, bool, error) {
	q := url.Values{}
	if key == "search" {
		q.Set("query", x.query)
	}
	q.Set("max_results", strconv.Itoa(x.maxResults))
	if s.SinceID != "" {
		q.Set("since_id", s.SinceID)
	}
	if s.Next != "" {
		q.Set(pageParam, s.Next)
	}
	q.Set("tweet.fields", xTweetFields)
	q.Set("expansions", "author_id")
	q.Set("user.fields", xUserFields)
	var r xResponse
	if err := x.get(ctx, key, path, q, &r); err != nil {
		var ae *XAPIError
		if errors.As(err, &ae) && ae.Status == http.StatusBadRequest && s.SinceID != "" {
			// Typically a since_id older than the 7 days recent search
			// covers, after a long stop: start again from what X has.
			x.log.Warn("X refused the saved position; reading from the newest posts again", "endpoint", key, "err", err)
			*s = xState{}
			return Page{}, true, nil
		}
		return Page{}, false, err
	}
	x.logPartial(key, r.Errors)
	first := s.SinceID == "" && s.Next == ""
	more := s.advance(r.Meta.NewestID, r.Meta.NextToken)
	if more && firstPageOnly && first {
		s.advance("", "") // keep newest_id of this page, stop paging
		more = false
	}
	return x.convert(r, c), more, nil
}

// resolve looks a handle up; "" means X does not know it.
func (x *XSource) resolve(ctx context.Context, handle string) (string, error) {
	var r struct {
		Data   *xUser     `json:"data"`
		Errors []xProblem `json:"errors"`
	}
	q := url.Values{"user.fields": {xUserFields}}
	if err := x.get(ctx, "users", "/2/users/by/username/"+url.PathEscape(handle), q, &r); err != nil {
		return "", fmt.Errorf("resolve @%s: %w", handle, err)
	}
	if r.Data == nil || r.Data.ID == "" {
		x.log.Warn("X does not know this account; its timeline is skipped", "handle", handle, "errors", problemTitles(r.Errors))
		return "", nil
	}
	return r.Data.ID, nil
}

// convert turns a response into mentions and brand replies.
func (x *XSource) convert(r xResponse, c *xCursor) Page {
	users := map[string]xUser{}
	for _, u := range r.Includes.Users {
		users[u.ID] = u
	}
	replyIDs := map[string]string{}
	for _, h := range x.replyAccs {
		if id := c.Users[h]; id != "" {
			replyIDs[id] = h
		}
	}
	now := x.now()
	var p Page
	seen := map[string]bool{}
	for _, t := range r.Data {
		if t.ID == "" {
			continue
		}
		u := users[t.AuthorID]
		handle := strings.ToLower(u.Username)
		replyTo := ""
		for _, ref := range append(t.ReferencedTweets, t.ReferencedPosts...) {
			if ref.Type == "replied_to" {
				replyTo = ref.ID
			}
		}
		posted, err := time.Parse(time.RFC3339, t.CreatedAt)
		if err != nil {
			posted = now
		}
		acc, isBrand := replyIDs[t.AuthorID]
		if !isBrand && slices.Contains(x.replyAccs, handle) {
			acc, isBrand = handle, true
		}
		if isBrand {
			// The brand's own post: a reply marks a mention as responded;
			// anything else is not a mention to listen to.
			if replyTo != "" && !seen["r"+t.ID] {
				seen["r"+t.ID] = true
				p.Replies = append(p.Replies, escucha.Reply{Source: x.name, ID: t.ID, InReplyTo: replyTo, Account: acc, PostedAt: posted})
			}
			continue
		}
		id := t.ID
		if h := t.editHistory(); len(h) > 0 && h[0] != "" {
			id = h[0] // an edit is the same mention as the original
		}
		if seen["m"+id] {
			continue
		}
		seen["m"+id] = true
		username := u.Username
		if username == "" {
			username = "i" // x.com/i/status/<id> resolves any post
		}
		p.Mentions = append(p.Mentions, escucha.Mention{
			Source: x.name, ID: id,
			URL:  "https://x.com/" + url.PathEscape(username) + "/status/" + t.ID,
			Lang: t.Lang, Text: strings.ToValidUTF8(t.Text, "\uFFFD"),
			Author: escucha.Author{
				ID: t.AuthorID, Handle: strings.ToValidUTF8(u.Username, "\uFFFD"),
				Name: strings.ToValidUTF8(u.Name, "\uFFFD"), Followers: u.PublicMetrics.FollowersCount,
			},
			InReplyTo: replyTo, ConversationID: t.ConversationID,
			PostedAt: posted, FetchedAt: now,
		})
	}
	return p
}

func (x *XSource) logPartial(key string, errs []xProblem) {
	if len(errs) > 0 {
		x.log.Warn("partial errors in X response", "endpoint", key, "count", len(errs), "errors", problemTitles(errs))
	}
}

func problemTitles(errs []xProblem) string {
	var ts []string
	for i, e := range errs {
		if i == 5 {
			ts = append(ts, "…")
			break
		}
		ts = append(ts, e.summary())
	}
	return strings.Join(ts, "; ")
}

// get performs one API call, tracking rate limits and classifying errors.
func (x *XSource) get(ctx context.Context, key, path string, q url.Values, out any) error {
	if err := x.checkLimit(key); err != nil {
		return err
	}
	u := *x.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	req.Header.Set("Authorization", "Bearer "+x.token)
	req.Header.Set("User-Agent", "escucha/"+escucha.Version)
	req.Header.Set("Accept", "application/json")
	resp, err := x.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	defer resp.Body.Close()
	x.noteLimit(key, resp.Header)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("%s: read body: %w", key, err)
	}
	if len(body) > maxBody {
		return fmt.Errorf("%s: response larger than %d bytes", key, maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		return x.statusError(key, resp, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s: decode response: %w", key, err)
	}
	return nil
}

func (x *XSource) checkLimit(key string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if l, ok := x.limits[key]; ok && l.remaining <= 0 && l.reset.After(x.now()) {
		return &RateLimitError{Reset: l.reset, Endpoint: key}
	}
	return nil
}

func (x *XSource) noteLimit(key string, h http.Header) {
	rem, okR := headerInt(h, "x-rate-limit-remaining")
	reset, okT := headerInt(h, "x-rate-limit-reset")
	if !okR {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remaining, x.haveRem = int(rem), true
	st := rateState{remaining: int(rem)}
	if okT {
		st.reset = time.Unix(reset, 0)
	}
	x.limits[key] = st
}

func headerInt(h http.Header, k string) (int64, bool) {
	v := strings.TrimSpace(h.Get(k))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// resetTime reads x-rate-limit-reset, defaulting to one window from now.
func resetTime(h http.Header, now time.Time) time.Time {
	if n, ok := headerInt(h, "x-rate-limit-reset"); ok && n > 0 {
		return time.Unix(n, 0)
	}
	return now.Add(defaultRateWindow)
}

// XAPIError is an error answer of the X API.
type XAPIError struct {
	// Status is the HTTP status code.
	Status int
	// Title, Detail and Type come from the problem body (v2) or from the
	// first error (v1.1: Title holds the code).
	Title, Detail, Type string
	// Endpoint names the call.
	Endpoint string
	err      error
}

// Error implements error.
func (e *XAPIError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Endpoint, e.Status)
	if e.Title != "" {
		s += " " + e.Title
	}
	if e.Detail != "" && e.Detail != e.Title {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the escucha sentinel the error stands for, if any.
func (e *XAPIError) Unwrap() error { return e.err }

func (x *XSource) statusError(key string, resp *http.Response, body []byte) error {
	var pr xProblem
	_ = json.Unmarshal(body, &pr) // a non-JSON body leaves the fields empty
	if pr.Title == "" && len(pr.Errors) > 0 {
		pr.Title, pr.Detail = pr.Errors[0].summary(), ""
	}
	e := &XAPIError{Status: resp.StatusCode, Title: clip(pr.Title), Detail: clip(pr.Detail), Type: clip(pr.Type), Endpoint: key}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests && (pr.Title == "UsageCapExceeded" || strings.Contains(pr.Type, "usage-capped")):
		e.err = escucha.ErrQuota
	case resp.StatusCode == http.StatusTooManyRequests:
		reset := resetTime(resp.Header, x.now())
		x.mu.Lock()
		x.limits[key] = rateState{remaining: 0, reset: reset}
		x.mu.Unlock()
		return fmt.Errorf("%w (%s)", &RateLimitError{Reset: reset, Endpoint: key}, e)
	case resp.StatusCode == http.StatusPaymentRequired:
		e.err = escucha.ErrQuota
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.err = escucha.ErrUnauthorized
	}
	return e
}

// clip keeps error text from the network short and printable.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

// Wire types of X API v2 (field names from X's OpenAPI; both the classic
// "tweet" and the renamed "post" spellings are accepted).
type xResponse struct {
	Data     []xTweet `json:"data"`
	Includes struct {
		Users []xUser `json:"users"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
	Errors []xProblem `json:"errors"`
}

type xTweet struct {
	ID                  string   `json:"id"`
	Text                string   `json:"text"`
	AuthorID            string   `json:"author_id"`
	CreatedAt           string   `json:"created_at"`
	ConversationID      string   `json:"conversation_id"`
	InReplyToUserID     string   `json:"in_reply_to_user_id"`
	Lang                string   `json:"lang"`
	ReferencedTweets    []xRef   `json:"referenced_tweets"`
	ReferencedPosts     []xRef   `json:"referenced_posts"`
	EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
	EditHistoryPostIDs  []string `json:"edit_history_post_ids"`
}

func (t xTweet) editHistory() []string {
	if len(t.EditHistoryTweetIDs) > 0 {
		return t.EditHistoryTweetIDs
	}
	return t.EditHistoryPostIDs
}

type xRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type xUser struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	Name          string `json:"name"`
	PublicMetrics struct {
		FollowersCount int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

// xProblem is a v2 problem (error) object; Errors holds v1.1-style errors.
type xProblem struct {
	Title   string     `json:"title"`
	Detail  string     `json:"detail"`
	Type    string     `json:"type"`
	Errors  []xProblem `json:"errors"`
	Code    int        `json:"code"`
	Message string     `json:"message"`
}

func (p xProblem) summary() string {
	switch {
	case p.Title != "" && p.Detail != "":
		return clip(p.Title + ": " + p.Detail)
	case p.Title != "":
		return clip(p.Title)
	case p.Message != "":
		return clip(fmt.Sprintf("code %d: %s", p.Code, p.Message))
	}
	return "unknown error"
}
