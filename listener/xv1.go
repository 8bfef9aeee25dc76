package listener

// X API v1.1 backend (x.api: v1.1), through github.com/dghubble/go-twitter,
// for accounts that still have v1.1 access. It reads recent search
// (search/tweets.json) and the mention timeline of the authenticated
// account (statuses/mentions_timeline.json, which needs a user-context
// token on the real API); replies of the reply accounts found there mark
// mentions as responded. go-twitter's base URL is a constant, so requests
// go through a RoundTripper that rewrites them to x.base_url (default
// https://api.twitter.com/1.1/) and adds the bearer token.

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

	"github.com/dghubble/go-twitter/twitter"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// v1Count is the page size of both v1.1 endpoints.
const v1Count = 100

// v1Cursor is the v1.1 backend's cursor, stored as JSON. xState.Next
// holds the max_id of the next page.
type v1Cursor struct {
	Step     int    `json:"step,omitempty"`
	Search   xState `json:"search,omitzero"`
	Mentions xState `json:"mentions,omitzero"`
}

// XV1Source polls X API v1.1 through go-twitter.
type XV1Source struct {
	name      string
	interval  time.Duration
	query     string
	replyAccs []string
	client    *twitter.Client
	log       *slog.Logger
	now       func() time.Time

	mu      sync.Mutex
	limits  map[string]rateState
	rem     int
	haveRem bool
}

func newXV1(cfg config.Config, s config.Source, o BuildOptions) (Source, error) {
	base, token, err := xCommon(s)
	if err != nil {
		return nil, err
	}
	query := s.X.Query
	if query == "" {
		query = DefaultXQuery(cfg)
	}
	replyAccs := s.X.ReplyAccounts
	if len(replyAccs) == 0 {
		replyAccs = cfg.Brand.Handles
	}
	inner := http.DefaultTransport
	timeout := time.Duration(0)
	if o.HTTPClient != nil {
		timeout = o.HTTPClient.Timeout
		if o.HTTPClient.Transport != nil {
			inner = o.HTTPClient.Transport
		}
	}
	hc := &http.Client{Timeout: timeout, Transport: &rewriteTransport{base: base, token: token, next: inner}}
	return &XV1Source{
		name: s.Name, interval: s.Interval, query: query, replyAccs: normHandles(replyAccs),
		client: twitter.NewClient(hc), log: o.Logger.With("component", "listener", "source", s.Name),
		now: o.Now, limits: map[string]rateState{},
	}, nil
}

// rewriteTransport sends go-twitter's requests to the configured base URL
// with app-only bearer auth, and caps response bodies.
type rewriteTransport struct {
	base  *url.URL
	token string
	next  http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, ""
	rest := strings.TrimPrefix(r.URL.Path, "/1.1/")
	prefix := t.base.Path
	if prefix == "" || prefix == "/" {
		prefix = "/1.1/"
	}
	r.URL.Path = strings.TrimSuffix(prefix, "/") + "/" + rest
	r.URL.RawPath = ""
	r.Header.Set("Authorization", "Bearer "+t.token)
	r.Header.Set("User-Agent", "escucha/"+escucha.Version)
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: maxBody}
	return resp, nil
}

// cappedBody fails reads past a size limit.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("response larger than %d bytes", maxBody)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cappedBody) Close() error { return c.rc.Close() }

// Name implements Source.
func (x *XV1Source) Name() string { return x.name }

// Interval implements Intervaler.
func (x *XV1Source) Interval() time.Duration { return x.interval }

// RateLimitRemaining implements RateLimitReporter.
func (x *XV1Source) RateLimitRemaining() (int, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.rem, x.haveRem
}

// Poll implements Source: one request per poll, search then mentions.
func (x *XV1Source) Poll(ctx context.Context, cursor string) (Page, error) {
	var c v1Cursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &c); err != nil {
			x.log.Warn("unreadable cursor, starting over", "err", err)
			c = v1Cursor{}
		}
	}
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	steps := []string{"mentions"}
	if x.query != "" {
		steps = []string{"search", "mentions"}
	}
	if c.Step < 0 || c.Step >= len(steps) {
		c.Step = 0
	}
	key := "v1.1/" + steps[c.Step]
	if err := x.checkLimit(key); err != nil {
		return Page{}, err
	}
	st := &c.Mentions
	if steps[c.Step] == "search" {
		st = &c.Search
	}
	sinceID, _ := strconv.ParseInt(st.SinceID, 10, 64)
	maxID, _ := strconv.ParseInt(st.Next, 10, 64)
	var (
		tweets []twitter.Tweet
		resp   *http.Response
		err    error
	)
	if steps[c.Step] == "search" {
		var s *twitter.Search
		s, resp, err = x.client.Search.Tweets(&twitter.SearchTweetParams{
			Query: x.query, SinceID: sinceID, MaxID: maxID, Count: v1Count, TweetMode: "extended", ResultType: "recent",
		})
		if s != nil {
			tweets = s.Statuses
		}
	} else {
		tweets, resp, err = x.client.Timelines.MentionTimeline(&twitter.MentionTimelineParams{
			Count: v1Count, SinceID: sinceID, MaxID: maxID, TweetMode: "extended",
		})
	}
	if cerr := x.classify(key, resp, err); cerr != nil {
		return Page{}, cerr
	}
	p := x.convert(tweets)
	newest, oldest := "", ""
	for _, t := range tweets {
		if newest == "" || cmpID(t.IDStr, newest) > 0 {
			newest = t.IDStr
		}
		if oldest == "" || cmpID(t.IDStr, oldest) < 0 {
			oldest = t.IDStr
		}
	}
	next := ""
	if len(tweets) >= v1Count && oldest != "" {
		if n, err := strconv.ParseInt(oldest, 10, 64); err == nil && n > 1 {
			next = strconv.FormatInt(n-1, 10) // max_id is inclusive
		}
	}
	more := st.advance(newest, next)
	if !more {
		c.Step++
		if c.Step >= len(steps) {
			c.Step = 0
		} else {
			more = true
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return Page{}, fmt.Errorf("encode cursor: %w", err)
	}
	p.Cursor, p.More = string(b), more
	return p, nil
}

func (x *XV1Source) checkLimit(key string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if l, ok := x.limits[key]; ok && l.remaining <= 0 && l.reset.After(x.now()) {
		return &RateLimitError{Reset: l.reset, Endpoint: key}
	}
	return nil
}

// classify checks the status code go-twitter may have let through (it
// returns err == nil for non-JSON error bodies) and maps v1.1 errors.
func (x *XV1Source) classify(key string, resp *http.Response, err error) error {
	if resp == nil {
		if err == nil {
			err = errors.New("no response")
		}
		return fmt.Errorf("%s: %w", key, err)
	}
	if rem, ok := headerInt(resp.Header, "x-rate-limit-remaining"); ok {
		st := rateState{remaining: int(rem)}
		if r, ok := headerInt(resp.Header, "x-rate-limit-reset"); ok {
			st.reset = time.Unix(r, 0)
		}
		x.mu.Lock()
		x.limits[key], x.rem, x.haveRem = st, int(rem), true
		x.mu.Unlock()
	}
	code := 0
	var apiErr twitter.APIError
	if errors.As(err, &apiErr) && len(apiErr.Errors) > 0 {
		code = apiErr.Errors[0].Code
	}
	e := &XAPIError{Status: resp.StatusCode, Endpoint: key}
	if code != 0 {
		e.Title = clip(fmt.Sprintf("code %d: %s", code, apiErr.Errors[0].Message))
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || code == 88:
		reset := resetTime(resp.Header, x.now())
		x.mu.Lock()
		x.limits[key] = rateState{remaining: 0, reset: reset}
		x.mu.Unlock()
		return fmt.Errorf("%w (%s)", &RateLimitError{Reset: reset, Endpoint: key}, e)
	case code == 453:
		e.Detail = "the account's tier has no v1.1 access: use x.api v2"
		e.err = escucha.ErrUnauthorized
		return e
	case resp.StatusCode == http.StatusUnauthorized || code == 32 || code == 89:
		e.err = escucha.ErrUnauthorized
		return e
	case resp.StatusCode == http.StatusForbidden:
		e.err = escucha.ErrUnauthorized
		return e
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		if err != nil && code == 0 {
			e.Detail = "unreadable error body"
		}
		return e
	case err != nil:
		return fmt.Errorf("%s: decode response: %w", key, err)
	}
	return nil
}

func (x *XV1Source) convert(tweets []twitter.Tweet) Page {
	now := x.now()
	var p Page
	seen := map[string]bool{}
	for _, t := range tweets {
		if t.IDStr == "" || t.RetweetedStatus != nil || seen[t.IDStr] {
			continue
		}
		seen[t.IDStr] = true
		var u twitter.User
		if t.User != nil {
			u = *t.User
		}
		posted, err := time.Parse(time.RubyDate, t.CreatedAt)
		if err != nil {
			posted = now
		}
		if slices.Contains(x.replyAccs, strings.ToLower(u.ScreenName)) {
			if t.InReplyToStatusIDStr != "" {
				p.Replies = append(p.Replies, escucha.Reply{Source: x.name, ID: t.IDStr,
					InReplyTo: t.InReplyToStatusIDStr, Account: strings.ToLower(u.ScreenName), PostedAt: posted})
			}
			continue
		}
		text := t.FullText
		if text == "" {
			text = t.Text
		}
		username := u.ScreenName
		if username == "" {
			username = "i"
		}
		p.Mentions = append(p.Mentions, escucha.Mention{
			Source: x.name, ID: t.IDStr,
			URL:  "https://x.com/" + url.PathEscape(username) + "/status/" + t.IDStr,
			Lang: t.Lang, Text: strings.ToValidUTF8(text, "\uFFFD"),
			Author: escucha.Author{ID: u.IDStr, Handle: strings.ToValidUTF8(u.ScreenName, "\uFFFD"),
				Name: strings.ToValidUTF8(u.Name, "\uFFFD"), Followers: int64(u.FollowersCount)},
			InReplyTo: t.InReplyToStatusIDStr, ConversationID: "",
			PostedAt: posted, FetchedAt: now,
		})
	}
	return p
}

// cmpID orders numeric post ids as strings (longer is larger).
func cmpID(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
