package store

import (
	"context"
	"fmt"
	"time"

	"github.com/escucha/escucha"
	bolt "go.etcd.io/bbolt"
)

// PendingAlerts returns up to limit alerts (all if limit <= 0) of the
// outbox, that is not yet marked notified, oldest first. The notifier
// publishes them and calls MarkNotified; after a restart it finds the ones
// it had not marked.
func (s *Store) PendingAlerts(ctx context.Context, limit int) ([]escucha.Alert, error) {
	var out []escucha.Alert
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, id := c.First(); k != nil; k, id = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			v, ok, err := getAlert(tx, string(id))
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("outbox names unknown alert %q", id)
			}
			out = append(out, v.Alert)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending alerts: %w", err)
	}
	return out, nil
}

// MarkNotified records that the alert was published at at: it leaves the
// outbox, its NotifiedAt is set and so is the mention ledger's NotifiedAt
// if not set yet. Marking an alert already notified changes nothing. An
// unknown alert gives an error wrapping escucha.ErrNotFound.
func (s *Store) MarkNotified(ctx context.Context, alertID string, at time.Time) error {
	err := s.write(ctx, 1, func(tx *bolt.Tx) error {
		v, err := mustAlert(tx, alertID)
		if err != nil {
			return err
		}
		if !v.NotifiedAt.IsZero() {
			return nil
		}
		v.NotifiedAt = at
		if v.OutboxSeq != 0 {
			if err := tx.Bucket(bucketOutbox).Delete(seqKey(v.OutboxSeq)); err != nil {
				return err
			}
			v.OutboxSeq = 0
		}
		if err := putAlert(tx, v); err != nil {
			return err
		}
		return updateLedger(tx, v.Mention.Key(), func(l *escucha.Ledger) bool {
			return setFirst(&l.NotifiedAt, at)
		})
	})
	if err != nil {
		return fmt.Errorf("mark alert %s notified: %w", alertID, err)
	}
	return nil
}

// MarkDelivered records that a push gateway delivered the alert at at (the
// first delivery only, on the alert and on the mention ledger). An unknown
// alert gives an error wrapping escucha.ErrNotFound.
func (s *Store) MarkDelivered(ctx context.Context, alertID string, at time.Time) error {
	err := s.write(ctx, 1, func(tx *bolt.Tx) error {
		v, err := mustAlert(tx, alertID)
		if err != nil {
			return err
		}
		if !setFirst(&v.DeliveredAt, at) {
			return nil
		}
		if err := putAlert(tx, v); err != nil {
			return err
		}
		return updateLedger(tx, v.Mention.Key(), func(l *escucha.Ledger) bool {
			return setFirst(&l.DeliveredAt, at)
		})
	})
	if err != nil {
		return fmt.Errorf("mark alert %s delivered: %w", alertID, err)
	}
	return nil
}

// AddAlerts stores new alerts for mentions already stored (escalation
// steps, re-routing) and queues them in the outbox. Alerts whose id is
// already stored are skipped. If an alert's mention (alert.Mention.Key())
// is not stored, nothing is stored and the error wraps escucha.ErrNotFound.
// The stored alert's Mention is the stored mention, not the one passed.
func (s *Store) AddAlerts(ctx context.Context, alerts []escucha.Alert) error {
	as := make([]escucha.Alert, len(alerts))
	for i, a := range alerts {
		if err := sanitizeAlert(&a); err != nil {
			return fmt.Errorf("add alerts: alert %d: %w", i, err)
		}
		as[i] = a
	}
	err := s.write(ctx, len(as), func(tx *bolt.Tx) error {
		recs := make(map[string]MentionRecord)
		for _, a := range as {
			key := a.Mention.Key()
			if _, ok := recs[key]; ok {
				continue
			}
			rec, ok, err := getMention(tx, key)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("alert %s: mention %q: %w", a.ID, key, escucha.ErrNotFound)
			}
			recs[key] = rec
		}
		now := s.opts.Now()
		for _, a := range as {
			key := a.Mention.Key()
			rec := recs[key]
			a.Mention = rec.Mention
			created, err := createAlert(tx, a, now)
			if err != nil {
				return err
			}
			if created {
				rec.Alerts = append(rec.Alerts, a.ID)
				recs[key] = rec
				if err := putMention(tx, rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add alerts: %w", err)
	}
	return nil
}

// RecordAction applies what a person did with an alert and appends it to
// the alert's action log. A zero At becomes now. ack sets the alert's
// AckedAt and the mention ledger's AckedAt (first only); responded and
// resolved set the ledger's RespondedAt and ResolvedAt (first only); snooze
// is only logged (the notifier acts on it). An unknown action kind wraps
// escucha.ErrInvalidAction; an unknown alert wraps escucha.ErrNotFound.
func (s *Store) RecordAction(ctx context.Context, a escucha.Action) error {
	if !a.Action.Valid() {
		return fmt.Errorf("record action on %s: %w: %q", a.AlertID, escucha.ErrInvalidAction, a.Action)
	}
	if a.At.IsZero() {
		a.At = s.opts.Now()
	}
	a.Note = cut(a.Note, MaxFieldBytes)
	a.By = cut(a.By, MaxFieldBytes)
	err := s.write(ctx, 1, func(tx *bolt.Tx) error {
		v, err := mustAlert(tx, a.AlertID)
		if err != nil {
			return err
		}
		if a.Action == escucha.ActionAck {
			setFirst(&v.AckedAt, a.At)
		}
		v.Actions = append(v.Actions, a)
		if err := putAlert(tx, v); err != nil {
			return err
		}
		return updateLedger(tx, v.Mention.Key(), func(l *escucha.Ledger) bool {
			switch a.Action {
			case escucha.ActionAck:
				return setFirst(&l.AckedAt, a.At)
			case escucha.ActionResponded:
				return setFirst(&l.RespondedAt, a.At)
			case escucha.ActionResolved:
				return setFirst(&l.ResolvedAt, a.At)
			}
			return false
		})
	})
	if err != nil {
		return fmt.Errorf("record %s on %s: %w", a.Action, a.AlertID, err)
	}
	return nil
}

func mustAlert(tx *bolt.Tx, id string) (alertValue, error) {
	v, ok, err := getAlert(tx, id)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, fmt.Errorf("alert %q: %w", id, escucha.ErrNotFound)
	}
	return v, nil
}

// updateLedger applies fn to the ledger of the mention key and stores it
// if fn reports a change. A missing mention is not an error: an alert may
// outlive a pruned mention.
func updateLedger(tx *bolt.Tx, key string, fn func(*escucha.Ledger) bool) error {
	rec, ok, err := getMention(tx, key)
	if err != nil || !ok {
		return err
	}
	if !fn(&rec.Ledger) {
		return nil
	}
	return putMention(tx, rec)
}
