package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/escucha/escucha"
	bolt "go.etcd.io/bbolt"
)

// Review state of mentions, kept by the review inbox: the status a
// person gave the mention, who it is assigned to, notes, and corrections
// of the classifier's verdict. It lives in its own bucket ("reviews",
// mention key → Review JSON), created on the first review write, and the
// actions that close intervals (responded, resolved) also set the mention
// ledger in the same transaction.

var bucketReviews = []byte("reviews")

// ReviewStatus is where a flagged mention stands for the comms team.
type ReviewStatus string

// The review statuses.
const (
	StatusOpen          ReviewStatus = "open"
	StatusResponded     ReviewStatus = "responded"
	StatusResolved      ReviewStatus = "resolved"
	StatusFalsePositive ReviewStatus = "false_positive"
)

// Valid reports whether s is a known status.
func (s ReviewStatus) Valid() bool {
	switch s {
	case StatusOpen, StatusResponded, StatusResolved, StatusFalsePositive:
		return true
	}
	return false
}

// CorrectionKind says what was wrong with a verdict.
type CorrectionKind string

// The kinds of verdict correction.
const (
	// CorrectFalsePositive: the mention is neither a complaint nor a
	// suggestion; the mention's status becomes false_positive.
	CorrectFalsePositive CorrectionKind = "false_positive"
	// CorrectLabel: the label was wrong (Label holds the right one).
	CorrectLabel CorrectionKind = "wrong_label"
	// CorrectSeverity: the severity was wrong (Severity holds the right one).
	CorrectSeverity CorrectionKind = "wrong_severity"
)

// Valid reports whether k is a known correction kind.
func (k CorrectionKind) Valid() bool {
	return k == CorrectFalsePositive || k == CorrectLabel || k == CorrectSeverity
}

// Correction is a person's correction of the classifier's verdict on one
// mention, with the rules that fired, so the rules can be fixed.
type Correction struct {
	Kind CorrectionKind `json:"kind"`
	By   string         `json:"by"`
	At   time.Time      `json:"at"`
	// FromLabel and FromSeverity are the verdict as corrected (the
	// classifier's, or an earlier correction's).
	FromLabel    escucha.Label    `json:"from_label"`
	FromSeverity escucha.Severity `json:"from_severity,omitempty"`
	// Label and Severity are the right values.
	Label    escucha.Label    `json:"label"`
	Severity escucha.Severity `json:"severity,omitempty"`
	// Rules are the ids of the rules that fired on the mention.
	Rules []string `json:"rules"`
	Note  string   `json:"note,omitempty"`
}

// Note is a free-text note on a mention.
type Note struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// ReviewEvent is one line of a mention's review history.
type ReviewEvent struct {
	Op     ReviewOpKind `json:"op"`
	By     string       `json:"by"`
	At     time.Time    `json:"at"`
	Detail string       `json:"detail,omitempty"`
}

// Review is the review state of one mention. A mention never reviewed has
// the zero Review with Status open.
type Review struct {
	Status   ReviewStatus `json:"status"`
	Assignee string       `json:"assignee,omitempty"`
	// Label and Severity are the corrected verdict; empty Label means the
	// classifier's verdict stands.
	Label       escucha.Label    `json:"label,omitempty"`
	Severity    escucha.Severity `json:"severity,omitempty"`
	Notes       []Note           `json:"notes,omitempty"`
	Corrections []Correction     `json:"corrections,omitempty"`
	History     []ReviewEvent    `json:"history,omitempty"`
	UpdatedAt   time.Time        `json:"updated_at,omitzero"`
}

// Corrected reports whether a person corrected the verdict.
func (r Review) Corrected() bool { return len(r.Corrections) > 0 }

// EffectiveLabel is the corrected label if any, else the verdict's.
func (r Review) EffectiveLabel(v escucha.Verdict) escucha.Label {
	if r.Label != "" {
		return r.Label
	}
	return v.Label
}

// EffectiveSeverity is the corrected severity if the verdict was
// corrected, else the verdict's.
func (r Review) EffectiveSeverity(v escucha.Verdict) escucha.Severity {
	if r.Label != "" {
		return r.Severity
	}
	return v.Severity
}

// ReviewOpKind names a review action.
type ReviewOpKind string

// The review actions.
const (
	OpAssign  ReviewOpKind = "assign"
	OpRespond ReviewOpKind = "respond"
	OpResolve ReviewOpKind = "resolve"
	OpReopen  ReviewOpKind = "reopen"
	OpNote    ReviewOpKind = "note"
	OpCorrect ReviewOpKind = "correct"
)

// Valid reports whether k is a known review action.
func (k ReviewOpKind) Valid() bool {
	switch k {
	case OpAssign, OpRespond, OpResolve, OpReopen, OpNote, OpCorrect:
		return true
	}
	return false
}

// ReviewOp is one review action on one mention.
type ReviewOp struct {
	Kind ReviewOpKind
	// By is the web user taking the action (required).
	By string
	// At is when; zero is now.
	At time.Time
	// Assignee for OpAssign ("" unassigns).
	Assignee string
	// Text of an OpNote, or the note of a correction.
	Text string
	// Correction kind and values for OpCorrect. For CorrectLabel, Label is
	// required (and Severity is the new severity, required for complaints);
	// for CorrectSeverity, Severity is required.
	Correction CorrectionKind
	Label      escucha.Label
	Severity   escucha.Severity
}

// ErrInvalidReview is wrapped by errors of review actions that make no
// sense (unknown kind, a label correction without a label, ...).
var ErrInvalidReview = errors.New("invalid review action")

// Review returns the review state of the mention key. A mention never
// reviewed gives a Review with Status open; an unknown mention gives an
// error wrapping escucha.ErrNotFound.
func (s *Store) Review(ctx context.Context, key string) (Review, error) {
	var r Review
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, ok, err := getMention(tx, key); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("mention %q: %w", key, escucha.ErrNotFound)
		}
		var err error
		r, err = getReview(tx, key)
		return err
	})
	if err != nil {
		return Review{}, fmt.Errorf("read review: %w", err)
	}
	return r, nil
}

// ApplyReview applies one review action to the mention key in one
// transaction through the store's writer and returns the new state.
//
// OpRespond sets status responded and the ledger's RespondedAt; OpResolve
// sets status resolved and the ledger's ResolvedAt (first time only, so a
// reopen and a second resolve keep the first time for reports). OpReopen
// sets status open. OpCorrect records a Correction with the rules that
// fired and changes the effective verdict; a false positive also sets
// status false_positive. Every action is appended to the history.
//
// An unknown mention wraps escucha.ErrNotFound; an invalid action wraps
// ErrInvalidReview.
func (s *Store) ApplyReview(ctx context.Context, key string, op ReviewOp) (Review, error) {
	if err := op.check(); err != nil {
		return Review{}, fmt.Errorf("review %s: %w", key, err)
	}
	if op.At.IsZero() {
		op.At = s.opts.Now()
	}
	op.By = cut(op.By, MaxFieldBytes)
	op.Assignee = cut(op.Assignee, MaxFieldBytes)
	op.Text = cut(op.Text, MaxTextBytes)
	var out Review
	err := s.write(ctx, 1, func(tx *bolt.Tx) error {
		rec, ok, err := getMention(tx, key)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("mention %q: %w", key, escucha.ErrNotFound)
		}
		r, err := getReview(tx, key)
		if err != nil {
			return err
		}
		ledgerChanged, err := r.apply(op, rec)
		if err != nil {
			return err
		}
		if ledgerChanged(&rec.Ledger) {
			if err := putMention(tx, rec); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucketIfNotExists(bucketReviews)
		if err != nil {
			return fmt.Errorf("create reviews bucket: %w", err)
		}
		if err := putJSON(b, key, r); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return Review{}, fmt.Errorf("review %s %s: %w", op.Kind, key, err)
	}
	return out, nil
}

func (op ReviewOp) check() error {
	if !op.Kind.Valid() {
		return fmt.Errorf("%w: unknown action %q", ErrInvalidReview, op.Kind)
	}
	if strings.TrimSpace(op.By) == "" {
		return fmt.Errorf("%w: who takes the action is required", ErrInvalidReview)
	}
	switch op.Kind {
	case OpNote:
		if strings.TrimSpace(op.Text) == "" {
			return fmt.Errorf("%w: empty note", ErrInvalidReview)
		}
	case OpCorrect:
		switch op.Correction {
		case CorrectFalsePositive:
		case CorrectLabel:
			if !op.Label.Valid() {
				return fmt.Errorf("%w: label %q", ErrInvalidReview, op.Label)
			}
			if op.Label == escucha.LabelComplaint && op.Severity.Rank() <= 0 {
				return fmt.Errorf("%w: a complaint needs a severity", ErrInvalidReview)
			}
			if op.Label != escucha.LabelComplaint && op.Severity != escucha.SeverityNone {
				return fmt.Errorf("%w: only complaints have a severity", ErrInvalidReview)
			}
		case CorrectSeverity:
			if op.Severity.Rank() <= 0 {
				return fmt.Errorf("%w: severity %q", ErrInvalidReview, op.Severity)
			}
		default:
			return fmt.Errorf("%w: unknown correction %q", ErrInvalidReview, op.Correction)
		}
	}
	return nil
}

// apply changes r by op and returns a function that updates the ledger
// (reporting whether it changed).
func (r *Review) apply(op ReviewOp, rec MentionRecord) (func(*escucha.Ledger) bool, error) {
	none := func(*escucha.Ledger) bool { return false }
	ledger := none
	ev := ReviewEvent{Op: op.Kind, By: op.By, At: op.At}
	switch op.Kind {
	case OpAssign:
		r.Assignee = op.Assignee
		ev.Detail = op.Assignee
	case OpRespond:
		r.Status = StatusResponded
		ledger = func(l *escucha.Ledger) bool { return setFirst(&l.RespondedAt, op.At) }
	case OpResolve:
		r.Status = StatusResolved
		ledger = func(l *escucha.Ledger) bool { return setFirst(&l.ResolvedAt, op.At) }
	case OpReopen:
		r.Status = StatusOpen
	case OpNote:
		r.Notes = append(r.Notes, Note{By: op.By, At: op.At, Text: op.Text})
	case OpCorrect:
		c := Correction{Kind: op.Correction, By: op.By, At: op.At,
			FromLabel: r.EffectiveLabel(rec.Verdict), FromSeverity: r.EffectiveSeverity(rec.Verdict),
			Rules: rec.Verdict.RuleIDs(), Note: op.Text}
		switch op.Correction {
		case CorrectFalsePositive:
			c.Label, c.Severity = escucha.LabelOther, escucha.SeverityNone
			r.Status = StatusFalsePositive
		case CorrectLabel:
			c.Label, c.Severity = op.Label, op.Severity
			if c.Label == c.FromLabel && c.Severity == c.FromSeverity {
				return nil, fmt.Errorf("%w: the label is already %s", ErrInvalidReview, c.Label)
			}
			if c.Label == escucha.LabelOther {
				r.Status = StatusFalsePositive
			}
		case CorrectSeverity:
			if c.FromLabel != escucha.LabelComplaint {
				return nil, fmt.Errorf("%w: only complaints have a severity", ErrInvalidReview)
			}
			c.Label, c.Severity = c.FromLabel, op.Severity
			if c.Severity == c.FromSeverity {
				return nil, fmt.Errorf("%w: the severity is already %s", ErrInvalidReview, c.Severity)
			}
		}
		r.Label, r.Severity = c.Label, c.Severity
		r.Corrections = append(r.Corrections, c)
		ev.Detail = string(c.Kind) + ": " + string(c.FromLabel) + "/" + string(c.FromSeverity) + " → " + string(c.Label) + "/" + string(c.Severity)
	}
	r.History = append(r.History, ev)
	r.UpdatedAt = op.At
	return ledger, nil
}

func getReview(tx *bolt.Tx, key string) (Review, error) {
	r := Review{Status: StatusOpen}
	b := tx.Bucket(bucketReviews)
	if b == nil {
		return r, nil
	}
	if _, err := getJSON(b, key, &r); err != nil {
		return r, err
	}
	if r.Status == "" {
		r.Status = StatusOpen
	}
	return r, nil
}

// InboxItem is a mention of the inbox (flagged, or not flagged with
// InboxQuery.NotFlagged) with its review state.
type InboxItem struct {
	MentionRecord
	Review Review `json:"review"`
}

// Recipients returns the recipients alerted about the mention, parsed from
// its alert ids, without duplicates, in order.
func (r MentionRecord) Recipients() []string {
	var out []string
	for _, id := range r.Alerts {
		if _, rcpt, _, ok := escucha.SplitAlertID(id); ok && !slices.Contains(out, rcpt) {
			out = append(out, rcpt)
		}
	}
	return out
}

// InboxQuery selects mentions for the review inbox: the flagged ones, or
// with NotFlagged the ones the rules did not flag. Zero fields do not
// filter.
type InboxQuery struct {
	// NotFlagged lists the mentions that were not flagged when stored
	// (verdict "other": they are in the mentions_time index and not in
	// flagged_time) instead of the flagged ones, so people can find the
	// complaints and suggestions the rules missed. A mention corrected
	// since to a complaint or a suggestion stays in this list, with its
	// corrected label.
	NotFlagged bool
	// Since and Until bound PostedAt: Since <= PostedAt < Until.
	Since, Until time.Time
	// Label and Severity match the effective (corrected) verdict.
	Label    escucha.Label
	Severity escucha.Severity
	Source   string
	Lang     string
	Status   ReviewStatus
	// Assignee matches the review's assignee; "-" matches unassigned.
	Assignee string
	// Recipient keeps mentions alerted to this recipient.
	Recipient string
	// Text keeps mentions whose text, author handle or name contains it,
	// case-insensitively.
	Text string
	// Limit is the most items returned (0: no limit); Offset skips the
	// first matches, for paging.
	Limit, Offset int
}

// Inbox returns the mentions selected by q with their review state, newest
// first (by PostedAt, then key, descending), and how many matched in total
// (before Limit and Offset). By default it lists the flagged mentions; a
// mention once flagged stays there after a correction to "other" (with
// status false_positive). With q.NotFlagged it lists every other mention
// instead, including those corrected since to a complaint or a suggestion,
// so each mention is in exactly one of the two lists. The not-flagged list
// reads every mention posted in [Since, Until), flagged or not.
func (s *Store) Inbox(ctx context.Context, q InboxQuery) ([]InboxItem, int, error) {
	var out []InboxItem
	total := 0
	text := strings.ToLower(strings.TrimSpace(q.Text))
	index := bucketFlaggedTime
	if q.NotFlagged {
		index = bucketMentionsTime
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		flagged := tx.Bucket(bucketFlaggedTime).Cursor()
		return walkBackKeys(ctx, tx.Bucket(index), q.Since, q.Until, func(k []byte) (bool, error) {
			if q.NotFlagged && hasKey(flagged, k) {
				return true, nil
			}
			key := string(k[8:])
			rec, ok, err := getMention(tx, key)
			if err != nil {
				return false, err
			}
			if !ok {
				return false, fmt.Errorf("time index names unknown mention %q", key)
			}
			if (q.Source != "" && rec.Mention.Source != q.Source) || (q.Lang != "" && rec.Verdict.Lang != q.Lang) {
				return true, nil
			}
			if q.Recipient != "" && !slices.Contains(rec.Recipients(), q.Recipient) {
				return true, nil
			}
			if text != "" && !strings.Contains(strings.ToLower(rec.Mention.Text), text) &&
				!strings.Contains(strings.ToLower(rec.Mention.Author.Handle), text) &&
				!strings.Contains(strings.ToLower(rec.Mention.Author.Name), text) {
				return true, nil
			}
			rv, err := getReview(tx, key)
			if err != nil {
				return false, err
			}
			switch {
			case q.Label != "" && rv.EffectiveLabel(rec.Verdict) != q.Label,
				q.Severity != "" && rv.EffectiveSeverity(rec.Verdict) != q.Severity,
				q.Status != "" && rv.Status != q.Status,
				q.Assignee == "-" && rv.Assignee != "",
				q.Assignee != "" && q.Assignee != "-" && rv.Assignee != q.Assignee:
				return true, nil
			}
			total++
			if total > q.Offset && (q.Limit <= 0 || len(out) < q.Limit) {
				out = append(out, InboxItem{MentionRecord: rec, Review: rv})
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("query inbox: %w", err)
	}
	return out, total, nil
}

// hasKey reports whether c's bucket holds the key k.
func hasKey(c *bolt.Cursor, k []byte) bool {
	got, _ := c.Seek(k)
	return bytes.Equal(got, k)
}

// RuleStat counts how one classifier rule fared with the people who review
// its mentions.
type RuleStat struct {
	Rule string `json:"rule"`
	// Fired is how many flagged mentions (in the window) the rule fired on.
	Fired int `json:"fired"`
	// Reviewed counts those mentions with any review action.
	Reviewed int `json:"reviewed"`
	// FalsePositives counts those mentions whose latest correction made
	// them not a complaint or suggestion; WrongLabel and WrongSeverity
	// count the other corrections.
	FalsePositives int `json:"false_positives"`
	WrongLabel     int `json:"wrong_label"`
	WrongSeverity  int `json:"wrong_severity"`
	// Examples are up to three keys of mentions corrected as false
	// positives, newest first.
	Examples []string `json:"examples,omitempty"`
}

// FalsePositiveRate is FalsePositives / Fired (0 when it never fired).
func (r RuleStat) FalsePositiveRate() float64 {
	if r.Fired == 0 {
		return 0
	}
	return float64(r.FalsePositives) / float64(r.Fired)
}

// RuleStats counts, for every rule that fired on a flagged mention posted
// in [since, until), the corrections people made, worst first (most false
// positives, then most corrections, then most fired, then id). Each
// mention counts once per rule, by its latest correction. Mentions that
// were not flagged are not counted, even if some rule fired on them or
// people corrected them: no rule flagged them (see MissedStats).
func (s *Store) RuleStats(ctx context.Context, since, until time.Time) ([]RuleStat, error) {
	stats := map[string]*RuleStat{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return walkBack(ctx, tx.Bucket(bucketFlaggedTime), since, until, func(key string) (bool, error) {
			rec, ok, err := getMention(tx, key)
			if err != nil || !ok {
				return err == nil, err
			}
			rv, err := getReview(tx, key)
			if err != nil {
				return false, err
			}
			var last *Correction
			if n := len(rv.Corrections); n > 0 {
				last = &rv.Corrections[n-1]
			}
			seen := map[string]bool{}
			for _, id := range rec.Verdict.RuleIDs() {
				if seen[id] {
					continue
				}
				seen[id] = true
				st := stats[id]
				if st == nil {
					st = &RuleStat{Rule: id}
					stats[id] = st
				}
				st.Fired++
				if len(rv.History) > 0 {
					st.Reviewed++
				}
				if last == nil {
					continue
				}
				switch {
				case last.Label == escucha.LabelOther:
					st.FalsePositives++
					if len(st.Examples) < 3 {
						st.Examples = append(st.Examples, key)
					}
				case last.Kind == CorrectSeverity || last.Label == rec.Verdict.Label:
					st.WrongSeverity++
				default:
					st.WrongLabel++
				}
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("rule stats: %w", err)
	}
	out := make([]RuleStat, 0, len(stats))
	for _, st := range stats {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b RuleStat) int {
		return cmp.Or(
			cmp.Compare(b.FalsePositives, a.FalsePositives),
			cmp.Compare(b.WrongLabel+b.WrongSeverity, a.WrongLabel+a.WrongSeverity),
			cmp.Compare(b.Fired, a.Fired),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
	return out, nil
}

// MissedStat counts the mentions the rules missed: not flagged when stored
// (verdict "other") and corrected by people to a complaint or a
// suggestion. They have no flagging rule, so no RuleStat counts them.
type MissedStat struct {
	// Complaints and Suggestions count those mentions by their effective
	// (latest corrected) label.
	Complaints  int `json:"complaints"`
	Suggestions int `json:"suggestions"`
	// Examples are up to three keys of those mentions, newest first.
	Examples []string `json:"examples,omitempty"`
}

// Total is how many mentions the rules missed (Complaints + Suggestions).
func (m MissedStat) Total() int { return m.Complaints + m.Suggestions }

// MissedStats counts the mentions posted in [since, until) (zero bounds
// are open) that were not flagged when stored and whose effective label,
// after people's corrections, is a complaint or a suggestion. A mention
// corrected back to "other" is not counted. It reads only the reviewed
// mentions.
func (s *Store) MissedStats(ctx context.Context, since, until time.Time) (MissedStat, error) {
	type missed struct {
		posted time.Time
		key    string
	}
	var out MissedStat
	var found []missed
	err := s.db.View(func(tx *bolt.Tx) error {
		flagged := tx.Bucket(bucketFlaggedTime).Cursor()
		return eachReview(ctx, tx, since, until, func(key string, rec MentionRecord, rv Review) error {
			if rv.Label != escucha.LabelComplaint && rv.Label != escucha.LabelSuggestion ||
				hasKey(flagged, timeKey(rec.Mention.PostedAt, key)) {
				return nil
			}
			if rv.Label == escucha.LabelComplaint {
				out.Complaints++
			} else {
				out.Suggestions++
			}
			found = append(found, missed{posted: rec.Mention.PostedAt, key: key})
			return nil
		})
	})
	if err != nil {
		return MissedStat{}, fmt.Errorf("missed stats: %w", err)
	}
	slices.SortFunc(found, func(a, b missed) int {
		return cmp.Or(b.posted.Compare(a.posted), cmp.Compare(b.key, a.key))
	})
	for _, m := range found[:min(len(found), 3)] {
		out.Examples = append(out.Examples, m.key)
	}
	return out, nil
}

// eachReview calls fn, within tx, for every mention with a review whose
// PostedAt is in [since, until) (zero bounds are open), in key order.
func eachReview(ctx context.Context, tx *bolt.Tx, since, until time.Time, fn func(key string, rec MentionRecord, rv Review) error) error {
	b := tx.Bucket(bucketReviews)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := string(k)
		var rv Review
		if err := json.Unmarshal(v, &rv); err != nil {
			return fmt.Errorf("decode review %q: %w", key, err)
		}
		rec, ok, err := getMention(tx, key)
		if err != nil || !ok {
			return err
		}
		t := rec.Mention.PostedAt
		if !since.IsZero() && t.Before(since) || !until.IsZero() && !t.Before(until) {
			return nil
		}
		return fn(key, rec, rv)
	})
}
