// Package listener owns the sources of mentions and the loop that polls
// them: the Source interface, one runner per source (interval, backoff with
// jitter, exact respect of the API's rate limits, health, metrics), the
// registry that builds sources from the config, and one file per source
// (x.go for X API v2, xv1.go for the v1.1 backend, demo.go for the bundled
// sample mentions).
//
//	          ┌──────── runner (one goroutine per source) ─────────┐
//	Cursors ─►│ cursor ─► Source.Poll ─► Page ─► Sink.Deliver ─────┼─► store (mentions +
//	          │   ▲                                    │ nil       │    cursor in one tx)
//	          │   └──────── advance cursor ◄───────────┘           │
//	          │ errors: backoff · 429: sleep until reset ·         │
//	          │ 401/quota: long wait · panic: recovered            │
//	          └────────────────────────────────────────────────────┘
//
// A mention is committed together with the cursor that covers it, by the
// Sink, before the runner moves on: a crash never loses a mention, and a
// page delivered twice is stored once because the store keys mentions by
// source and native id.
package listener

import (
	"context"
	"fmt"
	"time"

	"github.com/escucha/escucha"
)

// Page is what one poll returns.
type Page struct {
	// Mentions found by this poll: PostedAt from the source, FetchedAt =
	// now, Source = source name, URL, Author incl. Followers, Lang if
	// given, InReplyTo, ConversationID.
	Mentions []escucha.Mention
	// Replies written by the brand's own accounts (reply detection).
	Replies []escucha.Reply
	// Cursor is opaque; it is stored with these mentions in the same
	// transaction. "" means unchanged.
	Cursor string
	// More asks the runner to poll again right away (pagination in progress).
	More bool
}

// Empty reports whether the page carries nothing to deliver.
func (p Page) Empty() bool { return len(p.Mentions) == 0 && len(p.Replies) == 0 && p.Cursor == "" }

// Source is one place mentions come from.
type Source interface {
	// Name is the configured source name, used in the store, logs and metrics.
	Name() string
	// Poll fetches what is new after cursor ("" for the very first poll).
	// Returns an error wrapping escucha.ErrRateLimited (with a
	// *RateLimitError in the chain), escucha.ErrUnauthorized,
	// escucha.ErrQuota, or any other (transient) error.
	Poll(ctx context.Context, cursor string) (Page, error)
}

// Intervaler is implemented by sources that have their own poll interval.
type Intervaler interface {
	// Interval is the time between two polls that returned More == false.
	Interval() time.Duration
}

// RateLimitReporter is implemented by sources that know how many requests
// the API still allows in the current window.
type RateLimitReporter interface {
	// RateLimitRemaining returns the last x-rate-limit-remaining seen and
	// whether one was seen at all.
	RateLimitRemaining() (int, bool)
}

// Sink receives every page; it must commit mentions, replies and cursor
// durably before returning nil. If it returns an error the runner keeps
// the old cursor and retries with backoff.
type Sink interface {
	Deliver(ctx context.Context, source string, p Page) error
}

// Cursors reads the last committed cursor of a source ("" if none).
type Cursors interface {
	Cursor(source string) (string, error)
}

// RateLimitError says the API's rate-limit window is exhausted until
// Reset. It wraps escucha.ErrRateLimited.
type RateLimitError struct {
	// Reset is when the window reopens.
	Reset time.Time
	// Endpoint names what was limited, for logs.
	Endpoint string
}

// Error implements error.
func (e *RateLimitError) Error() string {
	if e.Endpoint != "" {
		return fmt.Sprintf("%s: rate limited until %s", e.Endpoint, e.Reset.UTC().Format(time.RFC3339))
	}
	return "rate limited until " + e.Reset.UTC().Format(time.RFC3339)
}

// Unwrap returns escucha.ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return escucha.ErrRateLimited }
