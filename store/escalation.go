package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/escucha/escucha"
	bolt "go.etcd.io/bbolt"
)

// Alerts held back by the notifier's fatigue control, and the notifier's
// own small state. Both buckets are created on their first write:
//
//	held            be64(due unix nanos) + alert id → HeldAlert (out of the outbox, not yet notified)
//	notifier_state  key → opaque bytes (the notifier's fatigue state per recipient)
//
// A held alert has left the outbox but is not notified: it is delivered
// later in a group update or a digest, and ReleaseHeld then marks it
// notified like MarkNotified does.

var (
	bucketHeld          = []byte("held")
	bucketNotifierState = []byte("notifier_state")
)

// HeldAlert is an alert that fatigue control keeps back until Due.
type HeldAlert struct {
	AlertID   string `json:"alert_id"`
	Recipient string `json:"recipient"`
	// Batch names what the alert is released with: a group alert or a
	// digest (the notifier's own naming).
	Batch string `json:"batch"`
	// Reason is why it is held: group, budget or quiet.
	Reason string    `json:"reason"`
	Due    time.Time `json:"due"`
	HeldAt time.Time `json:"held_at"`
}

// HoldAlert takes a pending alert out of the outbox and keeps it in the
// held bucket until h.Due. Holding an alert already notified or already
// held changes nothing. An unknown alert gives an error wrapping
// escucha.ErrNotFound.
func (s *Store) HoldAlert(ctx context.Context, h HeldAlert) error {
	if h.HeldAt.IsZero() {
		h.HeldAt = s.opts.Now()
	}
	err := s.write(ctx, 1, func(tx *bolt.Tx) error {
		v, err := mustAlert(tx, h.AlertID)
		if err != nil {
			return err
		}
		if !v.NotifiedAt.IsZero() || v.OutboxSeq == 0 {
			return nil
		}
		if err := tx.Bucket(bucketOutbox).Delete(seqKey(v.OutboxSeq)); err != nil {
			return err
		}
		v.OutboxSeq = 0
		if err := putAlert(tx, v); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketHeld)
		if err != nil {
			return err
		}
		data, err := json.Marshal(h)
		if err != nil {
			return err
		}
		return b.Put(timeKey(h.Due, h.AlertID), data)
	})
	if err != nil {
		return fmt.Errorf("hold alert %s: %w", h.AlertID, err)
	}
	return nil
}

// HeldAlerts returns the held alerts due at or before until, earliest due
// first, at most limit (all if limit <= 0). A zero until returns them all.
func (s *Store) HeldAlerts(ctx context.Context, until time.Time, limit int) ([]HeldAlert, error) {
	var out []HeldAlert
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHeld)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var h HeldAlert
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("decode held alert: %w", err)
			}
			if !until.IsZero() && h.Due.After(until) {
				break
			}
			out = append(out, h)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("held alerts: %w", err)
	}
	return out, nil
}

// ReleaseHeld records that held alerts were delivered at at (in a group
// update or a digest): each leaves the held bucket, its NotifiedAt is set
// and so is its mention ledger's NotifiedAt if not set yet, all in one
// transaction. Alerts no longer stored are skipped.
func (s *Store) ReleaseHeld(ctx context.Context, held []HeldAlert, at time.Time) error {
	err := s.write(ctx, len(held), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHeld)
		for _, h := range held {
			if b != nil {
				if err := b.Delete(timeKey(h.Due, h.AlertID)); err != nil {
					return err
				}
			}
			v, ok, err := getAlert(tx, h.AlertID)
			if err != nil {
				return err
			}
			if !ok || !v.NotifiedAt.IsZero() {
				continue
			}
			v.NotifiedAt = at
			if err := putAlert(tx, v); err != nil {
				return err
			}
			if err := updateLedger(tx, v.Mention.Key(), func(l *escucha.Ledger) bool {
				return setFirst(&l.NotifiedAt, at)
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release %d held alerts: %w", len(held), err)
	}
	return nil
}

// NotifierState returns the bytes stored under key by PutNotifierState, or
// nil if none.
func (s *Store) NotifierState(ctx context.Context, key string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if b := tx.Bucket(bucketNotifierState); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				out = append([]byte(nil), v...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read notifier state %s: %w", key, err)
	}
	return out, nil
}

// PutNotifierState stores value under key (nil deletes it).
func (s *Store) PutNotifierState(ctx context.Context, key string, value []byte) error {
	if key == "" || len(key) > MaxIDBytes {
		return fmt.Errorf("put notifier state: %w: key of %d bytes", ErrInvalid, len(key))
	}
	err := s.write(ctx, 1, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketNotifierState)
		if err != nil {
			return err
		}
		if value == nil {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("put notifier state %s: %w", key, err)
	}
	return nil
}
