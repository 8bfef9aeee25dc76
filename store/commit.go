package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/escucha/escucha"
	bolt "go.etcd.io/bbolt"
)

// ErrInvalid is wrapped by the errors of writes rejected before they are
// queued: a batch with an invalid item is rejected whole, nothing of it is
// stored and its cursor does not move.
var ErrInvalid = errors.New("invalid record")

// Limits applied by Commit before a batch is queued.
const (
	// MaxTextBytes is the most bytes of a mention's text that are stored.
	// A longer text is cut at a rune boundary and ends with TruncatedMarker
	// (the marker counts towards the limit).
	MaxTextBytes = 64 << 10
	// MaxFieldBytes is the limit for the other free-text fields (author
	// handle and name, URLs, alert titles), cut the same way.
	MaxFieldBytes = 1 << 10
	// MaxIDBytes is the longest source name, post id or alert id accepted;
	// a longer one is an error, never cut, since ids must stay exact.
	MaxIDBytes = 512
	// TruncatedMarker ends a text that was cut.
	TruncatedMarker = " […]"
)

// Item is one classified mention and the alerts the router built for it.
type Item struct {
	Mention escucha.Mention
	Verdict escucha.Verdict
	// Alerts are stored in the outbox with the mention; each alert's
	// Mention is set to the (repaired) Mention of the item.
	Alerts []escucha.Alert
}

// Batch is one page of a source: its items, the brand replies found with
// them and the cursor to resume from once they are stored.
type Batch struct {
	// Source names the source whose cursor is set; required when Cursor is set.
	Source string
	// Cursor is the source's new cursor; "" leaves it unchanged.
	Cursor  string
	Items   []Item
	Replies []escucha.Reply
}

// CommitResult says what a Commit stored.
type CommitResult struct {
	// New are the items actually stored (duplicates left out), as stored,
	// with only the alerts that were created.
	New []Item
	// Duplicates counts items whose mention was already stored (or
	// appeared earlier in the same batch); they and their alerts are skipped.
	Duplicates int
	// Responded are the keys of mentions newly marked responded by a reply
	// of this batch, or by an earlier reply that was waiting for a mention
	// of this batch.
	Responded []string
}

// Commit stores one page atomically and durably: its new mentions with
// their verdicts, ledgers and pending alerts, its replies and the source's
// cursor, in one transaction shared with other concurrent writes. It returns
// after that transaction is committed.
//
// Before queuing, Commit validates and repairs the batch (see sanitize): an
// empty or invalid source, id, alert id or recipient rejects the whole batch
// with an error wrapping ErrInvalid; invalid UTF-8 in text is replaced with
// U+FFFD; over-long text is cut (MaxTextBytes, MaxFieldBytes). A zero
// PostedAt becomes FetchedAt, a zero FetchedAt becomes now.
//
// A mention whose key (source/id) is already stored is skipped with its
// alerts. An alert whose id is already stored is skipped. A reply sets the
// ledger's RespondedAt of the mention Source/InReplyTo (the first reply
// only); a reply to a mention not yet stored is kept and applied when the
// mention arrives.
func (s *Store) Commit(ctx context.Context, b Batch) (CommitResult, error) {
	if err := s.sanitizeBatch(&b); err != nil {
		return CommitResult{}, fmt.Errorf("commit %s: %w", b.Source, err)
	}
	weight := len(b.Replies) + 1
	for _, it := range b.Items {
		weight += 1 + len(it.Alerts)
	}
	var res CommitResult
	err := s.write(ctx, weight, func(tx *bolt.Tx) error {
		var err error
		res, err = s.commitTx(tx, b)
		return err
	})
	if err != nil {
		return CommitResult{}, fmt.Errorf("commit %s: %w", b.Source, err)
	}
	return res, nil
}

func (s *Store) commitTx(tx *bolt.Tx, b Batch) (CommitResult, error) {
	var res CommitResult
	now := s.opts.Now()
	mentions := tx.Bucket(bucketMentions)
	replies := tx.Bucket(bucketReplies)
	seen := make(map[string]bool, len(b.Items))
	for _, it := range b.Items {
		key := it.Mention.Key()
		if seen[key] || mentions.Get([]byte(key)) != nil {
			res.Duplicates++
			continue
		}
		seen[key] = true
		rec := MentionRecord{
			Mention: it.Mention,
			Verdict: it.Verdict,
			Ledger: escucha.Ledger{
				PostedAt:     it.Mention.PostedAt,
				FetchedAt:    it.Mention.FetchedAt,
				ClassifiedAt: it.Verdict.ClassifiedAt,
			},
		}
		if data := replies.Get([]byte(key)); data != nil {
			var r escucha.Reply
			if err := json.Unmarshal(data, &r); err != nil {
				return res, fmt.Errorf("decode pending reply %q: %w", key, err)
			}
			if setFirst(&rec.Ledger.RespondedAt, r.PostedAt) {
				res.Responded = append(res.Responded, key)
			}
			if err := replies.Delete([]byte(key)); err != nil {
				return res, err
			}
		}
		stored := Item{Mention: it.Mention, Verdict: it.Verdict}
		for _, a := range it.Alerts {
			created, err := createAlert(tx, a, now)
			if err != nil {
				return res, err
			}
			if created {
				rec.Alerts = append(rec.Alerts, a.ID)
				stored.Alerts = append(stored.Alerts, a)
			}
		}
		if err := putMention(tx, rec); err != nil {
			return res, err
		}
		if err := indexMention(tx, rec); err != nil {
			return res, err
		}
		res.New = append(res.New, stored)
	}
	for _, r := range b.Replies {
		key := escucha.MentionKey(r.Source, r.InReplyTo)
		rec, ok, err := getMention(tx, key)
		if err != nil {
			return res, err
		}
		if ok {
			if setFirst(&rec.Ledger.RespondedAt, r.PostedAt) {
				if err := putMention(tx, rec); err != nil {
					return res, err
				}
				res.Responded = append(res.Responded, key)
			} else if r.PostedAt.Before(rec.Ledger.RespondedAt) && seen[key] {
				// Two replies in one batch: keep the earliest.
				rec.Ledger.RespondedAt = r.PostedAt
				if err := putMention(tx, rec); err != nil {
					return res, err
				}
			}
			continue
		}
		var prev escucha.Reply
		found, err := getJSON(replies, key, &prev)
		if err != nil {
			return res, err
		}
		if found && !r.PostedAt.Before(prev.PostedAt) {
			continue
		}
		if err := putJSON(replies, key, r); err != nil {
			return res, err
		}
	}
	if b.Cursor != "" {
		if err := tx.Bucket(bucketCursors).Put([]byte(b.Source), []byte(b.Cursor)); err != nil {
			return res, fmt.Errorf("set cursor: %w", err)
		}
	}
	return res, nil
}

func indexMention(tx *bolt.Tx, rec MentionRecord) error {
	k := timeKey(rec.Mention.PostedAt, rec.Mention.Key())
	if err := tx.Bucket(bucketMentionsTime).Put(k, nil); err != nil {
		return fmt.Errorf("index mention: %w", err)
	}
	if rec.Verdict.Flagged() {
		if err := tx.Bucket(bucketFlaggedTime).Put(k, nil); err != nil {
			return fmt.Errorf("index flagged mention: %w", err)
		}
	}
	return nil
}

// createAlert stores a new alert and, unless already notified, queues it in
// the outbox. It reports false if the id was already stored.
func createAlert(tx *bolt.Tx, a escucha.Alert, now time.Time) (bool, error) {
	alerts := tx.Bucket(bucketAlerts)
	if alerts.Get([]byte(a.ID)) != nil {
		return false, nil
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	v := alertValue{AlertRecord: AlertRecord{Alert: a}}
	if a.NotifiedAt.IsZero() {
		outbox := tx.Bucket(bucketOutbox)
		seq, err := outbox.NextSequence()
		if err != nil {
			return false, fmt.Errorf("outbox sequence: %w", err)
		}
		if err := outbox.Put(seqKey(seq), []byte(a.ID)); err != nil {
			return false, fmt.Errorf("queue alert %s: %w", a.ID, err)
		}
		v.OutboxSeq = seq
	}
	if err := tx.Bucket(bucketAlertsTime).Put(timeKey(a.CreatedAt, a.ID), nil); err != nil {
		return false, fmt.Errorf("index alert %s: %w", a.ID, err)
	}
	if err := putAlert(tx, v); err != nil {
		return false, err
	}
	return true, nil
}

// Cursor returns the stored cursor of a source, or "" if none.
func (s *Store) Cursor(source string) (string, error) {
	var c string
	err := s.db.View(func(tx *bolt.Tx) error {
		c = string(tx.Bucket(bucketCursors).Get([]byte(source)))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read cursor %s: %w", source, err)
	}
	return c, nil
}

// sanitizeBatch validates b and repairs its text in place (on copies of
// the slices, so the caller's batch is untouched).
func (s *Store) sanitizeBatch(b *Batch) error {
	if b.Cursor != "" {
		if err := checkID("batch source", b.Source); err != nil {
			return err
		}
		b.Cursor = cut(b.Cursor, MaxFieldBytes)
	}
	now := s.opts.Now()
	items := make([]Item, len(b.Items))
	for i, it := range b.Items {
		if err := sanitizeMention(&it.Mention, now); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
		it.Verdict.Rules = append([]escucha.RuleHit(nil), it.Verdict.Rules...)
		alerts := make([]escucha.Alert, len(it.Alerts))
		for j, a := range it.Alerts {
			if err := sanitizeAlert(&a); err != nil {
				return fmt.Errorf("item %d: alert %d: %w", i, j, err)
			}
			a.Mention = it.Mention
			alerts[j] = a
		}
		it.Alerts = alerts
		items[i] = it
	}
	b.Items = items
	replies := make([]escucha.Reply, len(b.Replies))
	for i, r := range b.Replies {
		if err := checkSource(r.Source); err != nil {
			return fmt.Errorf("reply %d: %w", i, err)
		}
		if err := checkID("reply in_reply_to", r.InReplyTo); err != nil {
			return fmt.Errorf("reply %d: %w", i, err)
		}
		r.ID = cut(r.ID, MaxIDBytes)
		r.Account = cut(r.Account, MaxFieldBytes)
		if r.PostedAt.IsZero() {
			r.PostedAt = now
		}
		replies[i] = r
	}
	b.Replies = replies
	return nil
}

func sanitizeMention(m *escucha.Mention, now time.Time) error {
	if err := checkSource(m.Source); err != nil {
		return err
	}
	if err := checkID("mention id", m.ID); err != nil {
		return err
	}
	m.Text = cut(m.Text, MaxTextBytes)
	m.URL = cut(m.URL, MaxFieldBytes)
	m.Lang = cut(m.Lang, 16)
	m.Author.ID = cut(m.Author.ID, MaxIDBytes)
	m.Author.Handle = cut(m.Author.Handle, MaxFieldBytes)
	m.Author.Name = cut(m.Author.Name, MaxFieldBytes)
	m.InReplyTo = cut(m.InReplyTo, MaxIDBytes)
	m.ConversationID = cut(m.ConversationID, MaxIDBytes)
	if m.FetchedAt.IsZero() {
		m.FetchedAt = now
	}
	if m.PostedAt.IsZero() {
		m.PostedAt = m.FetchedAt
	}
	return nil
}

func sanitizeAlert(a *escucha.Alert) error {
	if err := checkID("alert id", a.ID); err != nil {
		return err
	}
	if err := checkID("alert recipient", a.Recipient); err != nil {
		return err
	}
	a.Title = cut(a.Title, MaxFieldBytes)
	a.URL = cut(a.URL, MaxFieldBytes)
	a.Rules = append([]string(nil), a.Rules...)
	return nil
}

func checkSource(src string) error {
	if err := checkID("source", src); err != nil {
		return err
	}
	if strings.Contains(src, "/") {
		return fmt.Errorf("%w: source %q contains '/'", ErrInvalid, src)
	}
	return nil
}

func checkID(what, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	case len(id) > MaxIDBytes:
		return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalid, what, MaxIDBytes)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	}
	return nil
}

// cut repairs invalid UTF-8 (U+FFFD) and shortens s to at most limit
// bytes, at a rune boundary, ending with TruncatedMarker when it was cut.
func cut(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= limit {
		return s
	}
	n := limit - len(TruncatedMarker)
	if n < 0 {
		n = 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + TruncatedMarker
}
