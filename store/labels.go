package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/escucha/escucha"
	bolt "go.etcd.io/bbolt"
)

// The review inbox's corrections, exported as labelled JSON Lines: the
// company's own traffic, labelled by the people who read it, in the shape
// `escucha eval --data` and tools/cuemine read. It is how the rules are
// measured on (and cue words mined from) real mentions instead of written
// examples.

// LabelQuery selects the mentions to export. Zero fields do not filter.
type LabelQuery struct {
	// Since and Until bound PostedAt: Since <= PostedAt < Until.
	Since, Until time.Time
	// Unreviewed also exports the mentions nobody reviewed, labelled with
	// the classifier's verdict and "reviewed": false. Without it only what
	// a person confirmed is exported.
	Unreviewed bool
}

// LabelCounts says what an export wrote.
type LabelCounts struct {
	// Written is the number of lines; Reviewed of them a person confirmed.
	Written, Reviewed int
	// ByLabel counts the lines by exported label.
	ByLabel map[escucha.Label]int
	// Corrected counts the lines whose label or severity a person changed.
	Corrected int
}

// LabelledLine is one line of the export. Label, Severity and CEO are the
// fields eval reads; the rest tell where the label came from.
type LabelledLine struct {
	ID    string        `json:"id"`
	Lang  string        `json:"lang"`
	Text  string        `json:"text"`
	Label escucha.Label `json:"label"`
	// Severity is null for a mention that is not a complaint.
	Severity *escucha.Severity `json:"severity"`
	CEO      bool              `json:"ceo"`
	// Reviewed is true when a person corrected the verdict, or marked the
	// mention responded or resolved (which confirms it).
	Reviewed bool `json:"reviewed"`
	// ClassifierLabel and Rules are the stored verdict's.
	ClassifierLabel escucha.Label `json:"classifier_label"`
	Rules           []string      `json:"rules"`
	Source          string        `json:"source"`
	PostedAt        time.Time     `json:"posted_at"`
	// ReviewedBy is who made the latest correction, if any.
	ReviewedBy string `json:"reviewed_by,omitempty"`
}

// reviewed reports whether a person confirmed or corrected the verdict.
func (r Review) reviewed() bool {
	return r.Corrected() || r.Status == StatusResponded || r.Status == StatusResolved || r.Status == StatusFalsePositive
}

// Labelled returns the export line of a stored mention and its review.
func Labelled(rec MentionRecord, rv Review) LabelledLine {
	v := rec.Verdict
	lang := v.Lang
	if lang == "" {
		lang = rec.Mention.Lang
	}
	l := LabelledLine{ID: rec.Mention.Key(), Lang: lang, Text: rec.Mention.Text,
		Label: rv.EffectiveLabel(v), CEO: v.CEO,
		Reviewed: rv.reviewed(), ClassifierLabel: v.Label, Rules: v.RuleIDs(),
		Source: rec.Mention.Source, PostedAt: rec.Mention.PostedAt}
	if sev := rv.EffectiveSeverity(v); sev != escucha.SeverityNone {
		l.Severity = &sev
	}
	if l.Rules == nil {
		l.Rules = []string{}
	}
	if n := len(rv.Corrections); n > 0 {
		l.ReviewedBy = rv.Corrections[n-1].By
	}
	return l
}

// ExportLabels writes the mentions selected by q to w as labelled JSON
// Lines, newest first (by PostedAt, then key, descending), in one read
// transaction: the corrected verdict where a person corrected it, else the
// classifier's. Without q.Unreviewed it reads only the reviewed mentions
// (the reviews bucket), not the whole store.
func (s *Store) ExportLabels(ctx context.Context, w io.Writer, q LabelQuery) (LabelCounts, error) {
	n := LabelCounts{ByLabel: map[escucha.Label]int{}}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	write := func(tx *bolt.Tx, key string) error {
		rec, ok, err := getMention(tx, key)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("unknown mention %q", key)
		}
		rv, err := getReview(tx, key)
		if err != nil {
			return err
		}
		line := Labelled(rec, rv)
		if !line.Reviewed && !q.Unreviewed {
			return nil
		}
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("write %s: %w", key, err)
		}
		n.Written++
		n.ByLabel[line.Label]++
		if line.Reviewed {
			n.Reviewed++
		}
		if rv.Corrected() {
			n.Corrected++
		}
		return nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		if q.Unreviewed {
			return walkBack(ctx, tx.Bucket(bucketMentionsTime), q.Since, q.Until, func(key string) (bool, error) {
				return true, write(tx, key)
			})
		}
		keys, err := reviewedKeys(ctx, tx, q.Since, q.Until)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := write(tx, string(k[8:])); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return n, fmt.Errorf("export labels: %w", err)
	}
	return n, nil
}

// reviewedKeys returns the time keys (PostedAt, key) of the reviewed
// mentions posted in [since, until), newest first.
func reviewedKeys(ctx context.Context, tx *bolt.Tx, since, until time.Time) ([][]byte, error) {
	var keys [][]byte
	err := eachReview(ctx, tx, since, until, func(key string, rec MentionRecord, rv Review) error {
		if rv.reviewed() {
			keys = append(keys, timeKey(rec.Mention.PostedAt, key))
		}
		return nil
	})
	slices.SortFunc(keys, func(a, b []byte) int { return bytes.Compare(b, a) })
	return keys, err
}
