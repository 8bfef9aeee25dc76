package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/escucha/escucha"
	bolt "go.etcd.io/bbolt"
)

// Alert returns a stored alert. An unknown id gives an error wrapping
// escucha.ErrNotFound.
func (s *Store) Alert(ctx context.Context, id string) (AlertRecord, error) {
	var r AlertRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		v, err := mustAlert(tx, id)
		r = v.AlertRecord
		return err
	})
	if err != nil {
		return AlertRecord{}, fmt.Errorf("read alert: %w", err)
	}
	return r, nil
}

// Mention returns a stored mention by key (source/id). An unknown key gives
// an error wrapping escucha.ErrNotFound.
func (s *Store) Mention(ctx context.Context, key string) (MentionRecord, error) {
	var r MentionRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		var ok bool
		var err error
		r, ok, err = getMention(tx, key)
		if err == nil && !ok {
			err = fmt.Errorf("mention %q: %w", key, escucha.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return MentionRecord{}, fmt.Errorf("read mention: %w", err)
	}
	return r, nil
}

// MentionQuery selects mentions. Zero fields do not filter.
type MentionQuery struct {
	// Since and Until bound PostedAt: Since <= PostedAt < Until.
	Since, Until time.Time
	// Flagged keeps only complaints and suggestions (and uses their index).
	Flagged bool
	// Limit is the most records returned; 0 is no limit.
	Limit int
	// Label, Severity, Source and Lang keep only exact matches (Lang is the
	// verdict's language).
	Label    escucha.Label
	Severity escucha.Severity
	Source   string
	Lang     string
}

func (q MentionQuery) match(r MentionRecord) bool {
	return (q.Label == "" || r.Verdict.Label == q.Label) &&
		(q.Severity == "" || r.Verdict.Severity == q.Severity) &&
		(q.Source == "" || r.Mention.Source == q.Source) &&
		(q.Lang == "" || r.Verdict.Lang == q.Lang)
}

// Mentions returns the mentions selected by q, newest first (by PostedAt,
// then by key, descending). It walks a time index from Until back to Since.
func (s *Store) Mentions(ctx context.Context, q MentionQuery) ([]MentionRecord, error) {
	index := bucketMentionsTime
	if q.Flagged {
		index = bucketFlaggedTime
	}
	var out []MentionRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return walkBack(ctx, tx.Bucket(index), q.Since, q.Until, func(key string) (bool, error) {
			r, ok, err := getMention(tx, key)
			if err != nil {
				return false, err
			}
			if !ok {
				return false, fmt.Errorf("time index names unknown mention %q", key)
			}
			if q.match(r) {
				out = append(out, r)
			}
			return q.Limit <= 0 || len(out) < q.Limit, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("query mentions: %w", err)
	}
	return out, nil
}

// ForEachMention calls fn for every stored mention, oldest first, until fn
// returns false or an error. fn runs inside a read transaction: keep it
// short and do not write to the store from it (for `escucha replay`).
func (s *Store) ForEachMention(ctx context.Context, fn func(MentionRecord) (bool, error)) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMentionsTime).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, ok, err := getMention(tx, string(k[8:]))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			more, err := fn(r)
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("walk mentions: %w", err)
	}
	return nil
}

// AlertQuery selects alerts. Zero fields do not filter.
type AlertQuery struct {
	// Since and Until bound CreatedAt: Since <= CreatedAt < Until.
	Since, Until time.Time
	Recipient    string
	// Pending keeps only alerts not yet notified.
	Pending bool
	// Limit is the most records returned; 0 is no limit.
	Limit int
}

// Alerts returns the alerts selected by q, newest first (by CreatedAt, then
// id, descending).
func (s *Store) Alerts(ctx context.Context, q AlertQuery) ([]AlertRecord, error) {
	var out []AlertRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return walkBack(ctx, tx.Bucket(bucketAlertsTime), q.Since, q.Until, func(id string) (bool, error) {
			v, err := mustAlert(tx, id)
			if err != nil {
				return false, err
			}
			if (q.Recipient == "" || v.Recipient == q.Recipient) && (!q.Pending || v.NotifiedAt.IsZero()) {
				out = append(out, v.AlertRecord)
			}
			return q.Limit <= 0 || len(out) < q.Limit, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("query alerts: %w", err)
	}
	return out, nil
}

// walkBack visits the ids of a time index with since <= t < until (zero
// bounds are open), newest first, until fn returns false or an error.
func walkBack(ctx context.Context, b *bolt.Bucket, since, until time.Time, fn func(id string) (bool, error)) error {
	return walkBackKeys(ctx, b, since, until, func(k []byte) (bool, error) { return fn(string(k[8:])) })
}

// walkBackKeys is walkBack handing fn the whole index key (time prefix and
// id), valid only until fn returns.
func walkBackKeys(ctx context.Context, b *bolt.Bucket, since, until time.Time, fn func(k []byte) (bool, error)) error {
	c := b.Cursor()
	var k []byte
	if until.IsZero() {
		k, _ = c.Last()
	} else {
		// Seek finds the first key >= until's prefix; everything before it
		// is < until.
		k, _ = c.Seek(timePrefix(until))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	}
	var floor []byte
	if !since.IsZero() {
		floor = timePrefix(since)
	}
	for ; k != nil; k, _ = c.Prev() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if floor != nil && bytes.Compare(k[:8], floor) < 0 {
			return nil
		}
		more, err := fn(k)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Backup writes a consistent snapshot of the whole file to w while the
// store keeps running (bbolt's Tx.WriteTo).
func (s *Store) Backup(ctx context.Context, w io.Writer) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("backup store: %w", err)
	}
	return nil
}
