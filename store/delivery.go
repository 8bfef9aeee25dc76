package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketPush holds Web Push subscriptions:
//
//	push_subscriptions   recipient "\x00" hex(sha256(endpoint)) → PushSubscription
//
// It is created by the first subscription, so older files need no migration.
var bucketPush = []byte("push_subscriptions")

// MaxPushSubscriptions is the most browsers one recipient may subscribe;
// the oldest is replaced beyond it.
const MaxPushSubscriptions = 10

// PushSubscription is one browser's Web Push subscription for a recipient,
// as the browser's PushSubscription.toJSON() gives it.
type PushSubscription struct {
	Recipient string `json:"recipient"`
	Endpoint  string `json:"endpoint"`
	Keys      struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
	CreatedAt time.Time `json:"created_at"`
}

func pushKey(recipient, endpoint string) []byte {
	h := sha256.Sum256([]byte(endpoint))
	return append(pushPrefix(recipient), hex.EncodeToString(h[:])...)
}

func pushPrefix(recipient string) []byte { return append([]byte(recipient), 0) }

// SavePushSubscription stores (or refreshes) a subscription. The endpoint
// must be an https URL (http is accepted for loopback hosts, for tests)
// and the keys present; otherwise the error wraps ErrInvalid. A zero
// CreatedAt becomes now. Beyond MaxPushSubscriptions for the recipient,
// the oldest is dropped.
func (s *Store) SavePushSubscription(ctx context.Context, sub PushSubscription) error {
	if err := checkPushSubscription(sub); err != nil {
		return fmt.Errorf("save push subscription: %w", err)
	}
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = s.opts.Now()
	}
	err := s.write(ctx, 1, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketPush)
		if err != nil {
			return err
		}
		subs, err := readPush(b, sub.Recipient)
		if err != nil {
			return err
		}
		for len(subs) >= MaxPushSubscriptions {
			oldest := 0
			for i, o := range subs {
				if o.CreatedAt.Before(subs[oldest].CreatedAt) {
					oldest = i
				}
			}
			if subs[oldest].Endpoint == sub.Endpoint {
				break
			}
			if err := b.Delete(pushKey(sub.Recipient, subs[oldest].Endpoint)); err != nil {
				return err
			}
			subs = append(subs[:oldest], subs[oldest+1:]...)
		}
		return putJSON(b, string(pushKey(sub.Recipient, sub.Endpoint)), sub)
	})
	if err != nil {
		return fmt.Errorf("save push subscription of %s: %w", sub.Recipient, err)
	}
	return nil
}

func checkPushSubscription(sub PushSubscription) error {
	if err := checkID("recipient", sub.Recipient); err != nil {
		return err
	}
	u, err := url.Parse(sub.Endpoint)
	if err != nil || u.Host == "" || len(sub.Endpoint) > 2048 {
		return fmt.Errorf("%w: push endpoint is not a URL", ErrInvalid)
	}
	loopback := u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return fmt.Errorf("%w: push endpoint must be https", ErrInvalid)
	}
	if sub.Keys.P256dh == "" || sub.Keys.Auth == "" || len(sub.Keys.P256dh) > 256 || len(sub.Keys.Auth) > 256 {
		return fmt.Errorf("%w: push subscription keys p256dh and auth are required", ErrInvalid)
	}
	return nil
}

// PushSubscriptions returns the recipient's subscriptions (none if the
// recipient never subscribed).
func (s *Store) PushSubscriptions(ctx context.Context, recipient string) ([]PushSubscription, error) {
	var out []PushSubscription
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPush)
		if b == nil {
			return nil
		}
		var err error
		out, err = readPush(b, recipient)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("push subscriptions of %s: %w", recipient, err)
	}
	return out, nil
}

func readPush(b *bolt.Bucket, recipient string) ([]PushSubscription, error) {
	var out []PushSubscription
	prefix := pushPrefix(recipient)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var sub PushSubscription
		if err := json.Unmarshal(v, &sub); err != nil {
			return nil, fmt.Errorf("decode push subscription: %w", err)
		}
		out = append(out, sub)
	}
	return out, nil
}

// DeletePushSubscription removes a subscription (a push service said it is
// gone, or the person unsubscribed). Deleting an unknown one is not an
// error.
func (s *Store) DeletePushSubscription(ctx context.Context, recipient, endpoint string) error {
	err := s.write(ctx, 1, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPush)
		if b == nil {
			return nil
		}
		return b.Delete(pushKey(recipient, endpoint))
	})
	if err != nil {
		return fmt.Errorf("delete push subscription of %s: %w", recipient, err)
	}
	return nil
}
