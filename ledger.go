package escucha

import "time"

// Ledger keeps the timestamps of one flagged mention, from which the
// response-time intervals are computed. A zero time means "not yet".
type Ledger struct {
	PostedAt     time.Time `json:"posted_at,omitzero"`
	FetchedAt    time.Time `json:"fetched_at,omitzero"`
	ClassifiedAt time.Time `json:"classified_at,omitzero"`
	// NotifiedAt is the first alert published for the mention, any recipient.
	NotifiedAt  time.Time `json:"notified_at,omitzero"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	AckedAt     time.Time `json:"acked_at,omitzero"`
	RespondedAt time.Time `json:"responded_at,omitzero"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
}
