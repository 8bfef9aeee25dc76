package escucha

import (
	"log/slog"
	"time"
)

// Author is the person or account that wrote a mention.
type Author struct {
	// ID is the source's native id of the account, when known.
	ID string `json:"id,omitempty"`
	// Handle is the account name without the leading @.
	Handle string `json:"handle"`
	// Name is the display name.
	Name string `json:"name,omitempty"`
	// Followers is the author's reach when the source reports it.
	Followers int64 `json:"followers"`
}

// Mention is one public post found by a source. Source and ID together
// identify it; a mention seen twice is stored and alerted once.
type Mention struct {
	// Source is the name of the configured source that found it (for
	// example "x" or "demo").
	Source string `json:"source"`
	// ID is the source's native id of the post.
	ID string `json:"id"`
	// URL links to the post on the social network.
	URL string `json:"url,omitempty"`
	// Lang is the language the source reported or the classifier detected.
	Lang string `json:"lang,omitempty"`
	// Text is the post's text, exactly as the stranger wrote it: never
	// trust it, escape it wherever it is shown.
	Text string `json:"text"`
	// Author wrote the post.
	Author Author `json:"author"`
	// InReplyTo is the native id of the post this one answers, if any.
	InReplyTo string `json:"in_reply_to,omitempty"`
	// ConversationID groups a thread, when the source has one.
	ConversationID string `json:"conversation_id,omitempty"`
	// PostedAt is the source's own timestamp of the post.
	PostedAt time.Time `json:"posted_at"`
	// FetchedAt is when escucha received the post.
	FetchedAt time.Time `json:"fetched_at"`
}

// Key returns the store key of the mention: source and native id.
func (m Mention) Key() string { return MentionKey(m.Source, m.ID) }

// MentionKey joins a source name and a native post id into the key used
// by the store and in alert ids.
func MentionKey(source, id string) string { return source + "/" + id }

// LogValue implements slog.LogValuer; it logs the identity of a mention,
// never its full text.
func (m Mention) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("source", m.Source),
		slog.String("id", m.ID),
		slog.String("author", m.Author.Handle),
	)
}

// Reply is a public reply written by one of the brand's own accounts,
// found by a source. It marks the mention it answers as responded.
type Reply struct {
	// Source is the source that found the reply.
	Source string `json:"source"`
	// ID is the native id of the reply itself.
	ID string `json:"id"`
	// InReplyTo is the native id of the mention it answers.
	InReplyTo string `json:"in_reply_to"`
	// Account is the handle of the brand account that replied.
	Account string `json:"account"`
	// PostedAt is when the reply was posted.
	PostedAt time.Time `json:"posted_at"`
}
