package store

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escucha/escucha"
)

// BenchmarkCommit measures durable (fsync) commits of ~300-byte mentions:
// one caller committing one record at a time, 64 concurrent callers
// grouped by the writer, and one caller committing pages of 100.
func BenchmarkCommit(b *testing.B) {
	text := strings.Repeat("x", 300)
	mk := func(id string) Item {
		return Item{
			Mention: escucha.Mention{Source: "x", ID: id, Text: text, PostedAt: t0, FetchedAt: t0},
			Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es", ClassifiedAt: t0},
		}
	}
	open := func(b *testing.B) *Store {
		s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	}
	report := func(b *testing.B, records int, start time.Time) {
		b.ReportMetric(float64(records)/time.Since(start).Seconds(), "records/s")
	}

	b.Run("single", func(b *testing.B) {
		s := open(b)
		ctx := b.Context()
		start := time.Now()
		n := 0
		for b.Loop() {
			if _, err := s.Commit(ctx, Batch{Source: "x", Cursor: "c", Items: []Item{mk(fmt.Sprint(n))}}); err != nil {
				b.Fatal(err)
			}
			n++
		}
		report(b, n, start)
	})

	b.Run("grouped-64", func(b *testing.B) {
		s := open(b)
		ctx := b.Context()
		var seq atomic.Int64
		b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := fmt.Sprint(seq.Add(1))
				if _, err := s.Commit(ctx, Batch{Source: "x", Cursor: id, Items: []Item{mk(id)}}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		report(b, int(seq.Load()), start)
	})

	b.Run("page-100", func(b *testing.B) {
		s := open(b)
		ctx := b.Context()
		start := time.Now()
		n := 0
		for b.Loop() {
			items := make([]Item, 100)
			for i := range items {
				items[i] = mk(fmt.Sprint(n))
				n++
			}
			if _, err := s.Commit(ctx, Batch{Source: "x", Cursor: "c", Items: items}); err != nil {
				b.Fatal(err)
			}
		}
		report(b, n, start)
	})
}

// BenchmarkInboxNotFlagged lists the first page of the not-flagged tab over
// 100,000 stored mentions with no date filter: it reads every mention in
// the window to count them, so its cost grows with the store.
func BenchmarkInboxNotFlagged(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	text := strings.Repeat("palabra ", 30)
	const n = 100_000
	for i := 0; i < n; i += 1000 {
		var items []Item
		for j := i; j < i+1000; j++ {
			v := escucha.Verdict{Label: escucha.LabelOther, Lang: "es", ClassifiedAt: t0}
			if j%10 == 0 {
				v.Label, v.Severity = escucha.LabelComplaint, escucha.SeverityMedium
			}
			items = append(items, Item{Mention: escucha.Mention{Source: "x", ID: fmt.Sprint(j), Text: text,
				PostedAt: t0.Add(time.Duration(j) * time.Second), FetchedAt: t0}, Verdict: v})
		}
		if _, err := s.Commit(b.Context(), Batch{Source: "x", Items: items}); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []InboxQuery{{Limit: 50}, {NotFlagged: true, Limit: 50}, {NotFlagged: true, Limit: 50, Since: t0.Add(n*time.Second - 7*24*time.Hour)}} {
		name := "flagged"
		if q.NotFlagged {
			name = "not_flagged"
			if !q.Since.IsZero() {
				name += "_since"
			}
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, total, err := s.Inbox(b.Context(), q); err != nil || total == 0 {
					b.Fatal(total, err)
				}
			}
		})
	}
}
