package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/escucha/escucha"
	bolt "go.etcd.io/bbolt"
)

// AlertRecord is a stored alert with what happened to it.
type AlertRecord struct {
	escucha.Alert
	// AckedAt is the first ack; zero if none.
	AckedAt time.Time `json:"acked_at,omitzero"`
	// DeliveredAt is the first delivery report; zero if none.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// Actions is every action taken on the alert, oldest first.
	Actions []escucha.Action `json:"actions,omitempty"`
}

// MentionRecord is a stored mention with its verdict, ledger and alerts.
type MentionRecord struct {
	Mention escucha.Mention `json:"mention"`
	Verdict escucha.Verdict `json:"verdict"`
	Ledger  escucha.Ledger  `json:"ledger"`
	// Alerts are the ids of the alerts created for the mention, in order.
	Alerts []string `json:"alerts,omitempty"`
}

// alertValue is the stored form of an alert.
type alertValue struct {
	AlertRecord
	// OutboxSeq is the alert's key in the outbox while it is pending.
	OutboxSeq uint64 `json:"outbox_seq,omitempty"`
}

func getJSON(b *bolt.Bucket, key string, v any) (bool, error) {
	data := b.Get([]byte(key))
	if data == nil {
		return false, nil
	}
	// json.Unmarshal copies what it keeps, so v is safe after the tx.
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %q: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	return b.Put([]byte(key), data)
}

func getMention(tx *bolt.Tx, key string) (MentionRecord, bool, error) {
	var r MentionRecord
	ok, err := getJSON(tx.Bucket(bucketMentions), key, &r)
	return r, ok, err
}

func putMention(tx *bolt.Tx, r MentionRecord) error {
	return putJSON(tx.Bucket(bucketMentions), r.Mention.Key(), r)
}

func getAlert(tx *bolt.Tx, id string) (alertValue, bool, error) {
	var v alertValue
	ok, err := getJSON(tx.Bucket(bucketAlerts), id, &v)
	return v, ok, err
}

func putAlert(tx *bolt.Tx, v alertValue) error {
	return putJSON(tx.Bucket(bucketAlerts), v.ID, v)
}

// setFirst sets *t to at unless it is already set; it reports a change.
func setFirst(t *time.Time, at time.Time) bool {
	if !t.IsZero() || at.IsZero() {
		return false
	}
	*t = at
	return true
}
