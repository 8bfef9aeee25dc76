package notifier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/store"
)

// Fatigue control decides, for each alert leaving the outbox, whether it
// buzzes now or is held back, so a phone buzzes only when it matters:
//
//   - Critical alerts and escalation steps always buzz.
//   - In a recipient's quiet hours every other alert is held until they end,
//     then delivered on its own or, when there are several, as one digest.
//   - An alert similar to one the recipient got less than the group window
//     ago (same route, label, rules and matched keywords; on routes with
//     grouping off, the same author's same text) joins that alert's group:
//     it is held and delivered in the next update of the group alert, at
//     most one update per group_update ("37 complaints about chargers in
//     the last 10 min").
//   - Over the recipient's budget (pushes per hour) an alert is held for the
//     recipient's digest, sent digest_interval after the first such alert.
//
// Nothing is dropped: every alert stays in the store, and a held alert is
// marked notified when the group update or digest that carries it is
// published. The decisions are pure (the clock is passed in); the state is
// saved in the store after each drain, so it survives a restart.

// Reasons an alert is held, as stored in store.HeldAlert.Reason.
const (
	holdGroup  = "group"
	holdBudget = "budget"
	holdQuiet  = "quiet"
)

// maxGroupMembers bounds the mention and alert ids a group remembers.
const maxGroupMembers = 1000

// policy is a recipient's fatigue settings.
type policy struct {
	budget int // pushes per hour; 0 is no limit
	quiet  *quietHours
}

func newPolicy(name string, rc config.Recipient, def config.Budget) (policy, error) {
	p := policy{budget: def.PerHour}
	if rc.Budget != nil {
		p.budget = rc.Budget.PerHour
	}
	if p.budget < 0 {
		return policy{}, fmt.Errorf("recipients.%s.budget.per_hour: %d is negative", name, p.budget)
	}
	if rc.QuietHours != nil {
		q, err := newQuietHours(*rc.QuietHours, rc.Timezone)
		if err != nil {
			return policy{}, fmt.Errorf("recipients.%s.%w", name, err)
		}
		p.quiet = q
	}
	return p, nil
}

// alertingDefaults fills the zero durations of the alerting section.
func alertingDefaults(a config.Alerting) config.Alerting {
	if a.GroupWindow <= 0 {
		a.GroupWindow = config.DefaultGroupWindow
	}
	if a.GroupUpdate <= 0 {
		a.GroupUpdate = config.DefaultGroupUpdate
	}
	if a.DigestInterval <= 0 {
		a.DigestInterval = config.DefaultDigestInterval
	}
	if a.Snooze <= 0 {
		a.Snooze = config.DefaultSnooze
	}
	return a
}

// group is a burst of similar alerts to one recipient. The first alert
// buzzes (revision 1); the ones that join are held and published together
// in updates (revisions 2, 3, ...) of one group alert.
type group struct {
	// ID is "group/<hash>/<recipient>"; update n is published with alert
	// id ID + "/" + n, which escucha.SplitAlertID reads as the mention key
	// "group/<hash>", the recipient and step n.
	ID        string        `json:"id"`
	Key       string        `json:"key"`
	Topic     string        `json:"topic,omitempty"`
	Label     escucha.Label `json:"label"`
	Window    time.Duration `json:"window"`
	Revision  int           `json:"revision"`
	Count     int           `json:"count"`
	FirstAt   time.Time     `json:"first_at"`
	LastAt    time.Time     `json:"last_at"`
	UpdatedAt time.Time     `json:"updated_at"`
	// Due is when the pending update is published; zero when none is.
	Due      time.Time `json:"due,omitzero"`
	Mentions []string  `json:"mentions"`
	Alerts   []string  `json:"alerts"`
}

// info is the group object of a message published at revision rev.
func (g *group) info(rev int) *GroupInfo {
	return &GroupInfo{ID: g.ID, Revision: rev, Count: g.Count, FirstAt: g.FirstAt, LastAt: g.LastAt,
		MentionIDs: slices.Clone(g.Mentions)}
}

func (g *group) add(a escucha.Alert, now time.Time) {
	g.Count++
	g.LastAt = now
	g.Mentions = appendCapped(g.Mentions, a.Mention.Key())
	g.Alerts = appendCapped(g.Alerts, a.ID)
}

func appendCapped(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	s = append(s, v)
	if len(s) > maxGroupMembers {
		s = slices.Delete(s, 0, len(s)-maxGroupMembers)
	}
	return s
}

// recipientState is one recipient's fatigue state, saved as JSON under
// "fatigue/<recipient>" in the store.
type recipientState struct {
	// Pushes are the times of the individual pushes of the last hour.
	Pushes []time.Time `json:"pushes,omitempty"`
	Groups []*group    `json:"groups,omitempty"`
	// DigestDue is when the open budget digest is sent; zero when none.
	DigestDue time.Time `json:"digest_due,omitzero"`
}

// prune forgets pushes older than an hour and closed groups with no
// pending update.
func (s *recipientState) prune(now time.Time) {
	s.Pushes = slices.DeleteFunc(s.Pushes, func(t time.Time) bool { return now.Sub(t) >= time.Hour })
	s.Groups = slices.DeleteFunc(s.Groups, func(g *group) bool {
		return g.Due.IsZero() && now.Sub(g.LastAt) >= g.Window
	})
	if !s.DigestDue.IsZero() && !s.DigestDue.After(now) {
		s.DigestDue = time.Time{}
	}
}

// decision is what fatigue control does with one alert.
type decision struct {
	// push is true when the alert buzzes now.
	push bool
	// reason, batch and due say why, with what and until when a held
	// alert waits.
	reason string
	batch  string
	due    time.Time
	// group is the group the alert starts (push) or joins (held), or nil.
	group *group
}

// fatigue holds every recipient's state. It is safe for concurrent use:
// the publisher decides and releases, Act reads group members.
type fatigue struct {
	mu     sync.Mutex
	cfg    config.Alerting
	states map[string]*recipientState
	dirty  map[string]bool
}

func newFatigue(cfg config.Alerting) *fatigue {
	return &fatigue{cfg: alertingDefaults(cfg), states: map[string]*recipientState{}, dirty: map[string]bool{}}
}

func (f *fatigue) state(recipient string) *recipientState {
	s, ok := f.states[recipient]
	if !ok {
		s = &recipientState{}
		f.states[recipient] = s
	}
	return s
}

// groupKey returns the key that makes alerts "similar" on route rt, the
// window they are grouped in (0: not grouped) and the topic for titles.
func groupKey(a escucha.Alert, rt *route) (key string, window time.Duration, topic string) {
	if rt == nil {
		return "", 0, ""
	}
	if rt.groupWindow == 0 {
		// Grouping off: only the same author's same text is grouped.
		sum := sha256.Sum256([]byte(strings.Join(foldWords(a.Mention.Text), " ")))
		return "dup|" + a.Mention.Source + "|" + strings.ToLower(a.Mention.Author.Handle) + "|" + hex.EncodeToString(sum[:8]),
			rt.dedupWindow, ruleTopic(a.Rules)
	}
	rules := slices.Clone(a.Rules)
	slices.Sort(rules)
	phrases := rt.matchedPhrases(a.Mention.Text)
	topic = ruleTopic(a.Rules)
	if len(phrases) > 0 {
		topic = phrases[0]
	}
	return "grp|" + rt.name + "|" + string(a.Label) + "|" + strings.Join(rules, ",") + "|" + strings.Join(phrases, ","),
		rt.groupWindow, topic
}

// ruleTopic names what a rule is about from its id: the last dot-separated
// part ("es.complaint.espera" → "espera").
func ruleTopic(rules []string) string {
	if len(rules) == 0 {
		return ""
	}
	id := rules[0]
	return id[strings.LastIndexByte(id, '.')+1:]
}

// decide says whether alert a to its recipient buzzes now (the push is
// counted against the budget) or is held, and until when. rt is the route
// that alerted the recipient (nil: no grouping), p the recipient's policy.
func (f *fatigue) decide(a escucha.Alert, rt *route, p policy, now time.Time) decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.state(a.Recipient)
	f.dirty[a.Recipient] = true
	s.prune(now)
	if a.Escalation > 0 || a.Severity == escucha.SeverityCritical {
		s.Pushes = append(s.Pushes, now)
		return decision{push: true}
	}
	if end, ok := p.quiet.until(now); ok {
		return decision{reason: holdQuiet, batch: "quiet/" + a.Recipient, due: end}
	}
	// The same alert again: its publish failed or the daemon stopped before
	// it could publish (it is still in the outbox). Decide as the first
	// time, without counting it twice.
	if i := slices.IndexFunc(s.Groups, func(g *group) bool { return slices.Contains(g.Alerts, a.ID) }); i >= 0 {
		g := s.Groups[i]
		if g.Alerts[0] == a.ID {
			return decision{push: true, group: g}
		}
		if g.Due.IsZero() {
			g.Due = maxTime(now, g.UpdatedAt.Add(f.cfg.GroupUpdate))
		}
		return decision{reason: holdGroup, batch: g.ID, due: g.Due, group: g}
	}
	key, window, topic := groupKey(a, rt)
	var g *group
	if window > 0 {
		i := slices.IndexFunc(s.Groups, func(g *group) bool { return g.Key == key && now.Sub(g.LastAt) < g.Window })
		if i >= 0 {
			g = s.Groups[i]
			g.add(a, now)
			if g.Due.IsZero() {
				g.Due = maxTime(now, g.UpdatedAt.Add(f.cfg.GroupUpdate))
			}
			return decision{reason: holdGroup, batch: g.ID, due: g.Due, group: g}
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d", a.Recipient, key, now.UnixNano()))
		g = &group{
			ID: "group/" + hex.EncodeToString(sum[:8]) + "/" + a.Recipient, Key: key, Topic: topic,
			Label: a.Label, Window: window, Revision: 1, FirstAt: now, UpdatedAt: now,
		}
		g.add(a, now)
		s.Groups = append(s.Groups, g)
	}
	if p.budget > 0 && len(s.Pushes) >= p.budget {
		if s.DigestDue.IsZero() {
			s.DigestDue = now.Add(f.cfg.DigestInterval)
		}
		return decision{reason: holdBudget, batch: "digest/" + a.Recipient, due: s.DigestDue, group: g}
	}
	s.Pushes = append(s.Pushes, now)
	return decision{push: true, group: g}
}

// group returns the open group with id of recipient, or nil.
func (f *fatigue) group(recipient, id string) *group {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.states[recipient]
	if !ok {
		return nil
	}
	i := slices.IndexFunc(s.Groups, func(g *group) bool { return g.ID == id })
	if i < 0 {
		return nil
	}
	return s.Groups[i]
}

// update returns the revision and the group object of the next update of
// group id, and the group's topic and label, without changing the state;
// ok is false for an unknown group.
func (f *fatigue) update(recipient, id string) (rev int, info *GroupInfo, topic string, label escucha.Label, ok bool) {
	g := f.group(recipient, id)
	if g == nil {
		return 0, nil, "", "", false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return g.Revision + 1, g.info(g.Revision + 1), g.Topic, g.Label, true
}

// updated records that update rev of group id was published at now.
func (f *fatigue) updated(recipient, id string, rev int, now time.Time) {
	g := f.group(recipient, id)
	if g == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g.Revision = max(g.Revision, rev)
	g.UpdatedAt = now
	g.Due = time.Time{}
	f.dirty[recipient] = true
}

// members returns the alert ids of group id of recipient, or nil.
func (f *fatigue) members(recipient, id string) []string {
	g := f.group(recipient, id)
	if g == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(g.Alerts)
}

// stateKey is the store key of a recipient's fatigue state.
func stateKey(recipient string) string { return "fatigue/" + recipient }

// stateStore is the part of the store fatigue state lives in.
type stateStore interface {
	NotifierState(ctx context.Context, key string) ([]byte, error)
	PutNotifierState(ctx context.Context, key string, value []byte) error
}

// load reads the saved state of recipients.
func (f *fatigue) load(ctx context.Context, st stateStore, recipients []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recipients {
		data, err := st.NotifierState(ctx, stateKey(r))
		if err != nil {
			return err
		}
		if data == nil {
			continue
		}
		var s recipientState
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("decode fatigue state of %s: %w", r, err)
		}
		f.states[r] = &s
	}
	return nil
}

// save writes the state of the recipients changed since the last save.
func (f *fatigue) save(ctx context.Context, st stateStore) error {
	f.mu.Lock()
	data := make(map[string][]byte, len(f.dirty))
	for r := range f.dirty {
		b, err := json.Marshal(f.states[r])
		if err != nil {
			f.mu.Unlock()
			return fmt.Errorf("encode fatigue state of %s: %w", r, err)
		}
		data[r] = b
	}
	clear(f.dirty)
	f.mu.Unlock()
	for r, b := range data {
		if err := st.PutNotifierState(ctx, stateKey(r), b); err != nil {
			f.mu.Lock()
			f.dirty[r] = true
			f.mu.Unlock()
			return err
		}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// triage starts a step-0 alert's escalation ladder and applies fatigue
// control: it returns the message to publish now (push true), or holds the
// alert in the store (push false). ok is false when ctx ended or the store
// failed (the alert stays in the outbox for the next drain).
func (n *Notifier) triage(ctx context.Context, a escucha.Alert) (msg Message, push, ok bool) {
	msg = Message{Alert: a}
	if n.router == nil {
		return msg, true, true
	}
	if !validToken(a.Recipient) {
		return msg, true, true // publishAlert sets it aside
	}
	if !n.startLadder(ctx, a) {
		return msg, false, false
	}
	now := n.now()
	rt := n.router.routeFor(a)
	d := n.fatigue.decide(a, rt, n.router.policies[a.Recipient], now)
	if d.push {
		if d.group != nil {
			n.fatigue.mu.Lock()
			msg.Group = d.group.info(1)
			n.fatigue.mu.Unlock()
		}
		return msg, true, true
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	err := n.outbox.HoldAlert(sctx, store.HeldAlert{
		AlertID: a.ID, Recipient: a.Recipient, Batch: d.batch, Reason: d.reason, Due: d.due, HeldAt: now,
	})
	if err != nil {
		n.noteErr("hold alert", err)
		return msg, false, false
	}
	switch d.reason {
	case holdGroup:
		n.m.grouped.Inc()
	case holdQuiet:
		n.m.heldQuiet.Inc()
	}
	n.log.Debug("alert held", "alert", a, "reason", d.reason, "batch", d.batch, "due", d.due)
	return msg, false, true
}

// saveFatigue saves the fatigue state changed by a drain.
func (n *Notifier) saveFatigue(ctx context.Context) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := n.fatigue.save(sctx, n.outbox); err != nil {
		n.noteErr("save fatigue state", err)
	}
}
