package store

import (
	"encoding/binary"
	"time"
)

// timeKey is the key of a time index: the big-endian unix nanoseconds of t
// (clamped to 0 before 1970) followed by id, so a cursor walks in time order.
func timeKey(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, nanos(t))
	return append(k, id...)
}

func nanos(t time.Time) uint64 {
	if t.IsZero() || t.Before(time.Unix(0, 0)) {
		return 0
	}
	return uint64(t.UnixNano())
}

// timePrefix is the first 8 bytes of a time index key for t.
func timePrefix(t time.Time) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, nanos(t))
	return k
}

func seqKey(n uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, n)
	return k
}
