package notifier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// Escalation ladders run on JetStream message schedules (nats-server
// 2.12+), so their timers survive a restart and several escucha instances
// sharing one NATS cluster fire each step once:
//
//	first alert of a mention published ──► schedule "@at now+steps[0].after" on
//	<prefix>.timers.<mention hash> (stream <PREFIX>_TIMERS, Nats-Msg-Id
//	ladder/<mention>/1, so the other recipients' alerts do not restart it)
//	      │ due
//	      ▼
//	the server stores the timer's body on <prefix>.escalate.<mention hash>
//	(and drops the schedule) ──► durable consumer "escalator", shared by the
//	instances ──► if the mention's ledger has no ack, response or
//	resolution: store.AddAlerts(step n alerts) + Kick, schedule step n+1
//
// An ack, responded or resolved (Act) purges the mention's timer subject; a
// snooze re-publishes the pending timer later. A step that fires anyway
// (the ack was recorded through another path, such as the review page)
// finds the ledger closed and stops the ladder.

// escalatorConsumer is the durable consumer of fired escalation timers.
const escalatorConsumer = "escalator"

// escalateAckWait is how long a fired timer may take before redelivery.
const escalateAckWait = 30 * time.Second

// ladder is a route's escalation: steps, run 1+repeat times.
type ladder struct {
	steps  []ladderStep
	repeat int
}

type ladderStep struct {
	after      time.Duration
	recipients []string
}

func newLadder(key string, e config.Escalation, known map[string]string, names []string) (ladder, error) {
	l := ladder{repeat: e.Repeat}
	if e.Repeat < 0 {
		return ladder{}, fmt.Errorf("%s.escalation.repeat: %d is negative", key, e.Repeat)
	}
	for i, s := range e.Steps {
		sk := fmt.Sprintf("%s.escalation.steps[%d]", key, i)
		if s.After <= 0 {
			return ladder{}, fmt.Errorf("%s.after: must be positive (got %s)", sk, s.After)
		}
		if len(s.Recipients) == 0 {
			return ladder{}, fmt.Errorf("%s.recipients: a step needs at least one recipient", sk)
		}
		for j, r := range s.Recipients {
			if _, ok := known[r]; !ok {
				return ladder{}, fmt.Errorf("%s.recipients[%d]: undefined recipient %q (defined: %s)", sk, j, r, strings.Join(names, ", "))
			}
		}
		l.steps = append(l.steps, ladderStep{after: s.After, recipients: s.Recipients})
	}
	return l, nil
}

// size is the number of escalation steps over all passes.
func (l ladder) size() int { return len(l.steps) * (l.repeat + 1) }

// step returns the rung of escalation step n (1-based, counting every
// pass: with 2 steps and repeat 1, steps 1..4 are rungs 0,1,0,1); ok is
// false past the end.
func (l ladder) step(n int) (ladderStep, bool) {
	if n < 1 || n > l.size() {
		return ladderStep{}, false
	}
	return l.steps[(n-1)%len(l.steps)], true
}

// ladderTimer is the body of an escalation timer: which step of which
// mention's ladder is due.
type ladderTimer struct {
	Mention string    `json:"mention"`
	Route   string    `json:"route"`
	Step    int       `json:"step"`
	Due     time.Time `json:"due"`
}

// TimersStreamName returns the name of the stream of escalation timers for
// a subject prefix (ESCUCHA_TIMERS for "escucha").
func TimersStreamName(prefix string) string {
	a, _, _ := StreamNames(prefix)
	return strings.TrimSuffix(a, "_ALERTS") + "_TIMERS"
}

// mentionToken is a subject token standing for a mention key.
func mentionToken(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

func (n *Notifier) timerSubject(key string) string {
	return n.prefix + ".timers." + mentionToken(key)
}

func (n *Notifier) fireSubject(key string) string {
	return n.prefix + ".escalate." + mentionToken(key)
}

// schedule publishes (or replaces: the server rolls a schedule subject up)
// the timer of a mention's ladder. Schedules have a resolution of one
// second; the due time is rounded up, so a step never fires early.
func (n *Notifier) schedule(ctx context.Context, t ladderTimer, msgID string) error {
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	at := t.Due.Truncate(time.Second)
	if at.Before(t.Due) {
		at = at.Add(time.Second)
	}
	opts := []jetstream.PublishOpt{
		jetstream.WithScheduleAt(at),
		jetstream.WithScheduleTarget(n.fireSubject(t.Mention)),
	}
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := n.js.Publish(ctx, n.timerSubject(t.Mention), data, opts...); err != nil {
		return fmt.Errorf("schedule escalation step %d of %s: %w", t.Step, t.Mention, err)
	}
	return nil
}

// startLadder schedules step 1 of the ladder of a's mention, if its route
// has one. Only the first call per mention (within the duplicate window)
// counts. It returns false if ctx ended first.
func (n *Notifier) startLadder(ctx context.Context, a escucha.Alert) bool {
	if n.router == nil || a.Escalation != 0 {
		return true
	}
	rt := n.router.ladderRoute(a.Mention, verdictOf(a))
	if rt == nil {
		return true
	}
	first, _ := rt.ladder.step(1)
	key := a.Mention.Key()
	t := ladderTimer{Mention: key, Route: rt.name, Step: 1, Due: n.now().Add(first.after)}
	return n.retry(ctx, "start escalation", func(ctx context.Context) error {
		return n.schedule(ctx, t, "ladder/"+key+"/1")
	})
}

// stopLadder purges the pending timer of a mention's ladder.
func (n *Notifier) stopLadder(ctx context.Context, key string) error {
	s, err := n.js.Stream(ctx, TimersStreamName(n.prefix))
	if err != nil {
		return fmt.Errorf("stop escalation of %s: %w", key, err)
	}
	if err := s.Purge(ctx, jetstream.WithPurgeSubject(n.timerSubject(key))); err != nil {
		return fmt.Errorf("stop escalation of %s: %w", key, err)
	}
	return nil
}

// snoozeLadder moves the pending step of a mention's ladder to at least
// now+d. It reports whether a step was pending.
func (n *Notifier) snoozeLadder(ctx context.Context, key string, d time.Duration) (bool, error) {
	s, err := n.js.Stream(ctx, TimersStreamName(n.prefix))
	if err != nil {
		return false, fmt.Errorf("snooze escalation of %s: %w", key, err)
	}
	msg, err := s.GetLastMsgForSubject(ctx, n.timerSubject(key))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("snooze escalation of %s: %w", key, err)
	}
	var t ladderTimer
	if err := json.Unmarshal(msg.Data, &t); err != nil {
		return false, fmt.Errorf("snooze escalation of %s: bad timer: %w", key, err)
	}
	t.Due = maxTime(t.Due, n.now().Add(d))
	return true, n.schedule(ctx, t, "")
}

// snoozeFor reads a snooze's duration from its note ("45m", "for 2h");
// anything else is the default.
func snoozeFor(note string, def time.Duration) time.Duration {
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(note), "for "))
	if d, err := time.ParseDuration(s); err == nil && d > 0 && d <= 7*24*time.Hour {
		return d
	}
	return def
}

// consumeEscalations creates the shared durable consumer of fired timers
// (ctx bounds the creation) and handles them with runCtx until stopped.
func (n *Notifier) consumeEscalations(ctx, runCtx context.Context) (stop func(), err error) {
	cons, err := n.js.CreateOrUpdateConsumer(ctx, TimersStreamName(n.prefix), jetstream.ConsumerConfig{
		Durable:       escalatorConsumer,
		Description:   "escucha escalation steps due, shared by every instance",
		FilterSubject: n.prefix + ".escalate.>",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       escalateAckWait,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("create escalation consumer: %w", err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) { n.fire(runCtx, msg) },
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			n.log.Debug("escalation consumer", "err", err)
		}))
	if err != nil {
		return nil, fmt.Errorf("consume escalations: %w", err)
	}
	return cc.Stop, nil
}

// fire handles one fired timer: it escalates, then acks; on an error it
// asks for a redelivery later.
func (n *Notifier) fire(ctx context.Context, msg jetstream.Msg) {
	var t ladderTimer
	if err := json.Unmarshal(msg.Data(), &t); err != nil || t.Mention == "" || t.Step < 1 {
		n.log.Error("drop malformed escalation timer", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	if err := n.escalate(ctx, t); err != nil {
		n.log.Warn("escalation step failed; retrying", "mention", t.Mention, "step", t.Step, "err", err)
		_ = msg.NakWithDelay(n.retryMax)
		return
	}
	if err := msg.Ack(); err != nil {
		n.log.Debug("ack escalation timer", "err", err)
	}
}

// escalate runs step t.Step of a mention's ladder: unless the mention was
// acknowledged, responded to or resolved, it stores the step's alerts
// (published by the outbox like any other) and schedules the next step.
// Running a step twice stores its alerts once (their ids are
// deterministic).
func (n *Notifier) escalate(ctx context.Context, t ladderTimer) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	rec, err := n.outbox.Mention(sctx, t.Mention)
	if errors.Is(err, escucha.ErrNotFound) {
		n.log.Warn("escalation for a mention not in the store; dropped", "mention", t.Mention)
		return nil
	}
	if err != nil {
		return err
	}
	l := rec.Ledger
	if !l.AckedAt.IsZero() || !l.RespondedAt.IsZero() || !l.ResolvedAt.IsZero() {
		n.log.Info("escalation stopped: the mention was handled", "mention", t.Mention, "step", t.Step)
		return nil
	}
	rt := n.router.routeNamed(t.Route)
	if rt == nil || rt.ladder.size() == 0 {
		rt = n.router.ladderRoute(rec.Mention, rec.Verdict)
	}
	if rt == nil {
		return nil
	}
	step, ok := rt.ladder.step(t.Step)
	if !ok {
		return nil
	}
	now := n.now()
	alerts := make([]escucha.Alert, 0, len(step.recipients))
	for _, r := range step.recipients {
		id := escucha.AlertID(t.Mention, r, t.Step)
		alerts = append(alerts, escucha.Alert{
			ID: id, Recipient: r, Escalation: t.Step,
			Label: rec.Verdict.Label, Severity: rec.Verdict.Severity, CEO: rec.Verdict.CEO,
			Rules: rec.Verdict.RuleIDs(), Title: escalationTitle(n.router.language(r), t.Step, rec.Mention, rec.Verdict),
			URL: n.router.alertURL(id), Mention: rec.Mention, CreatedAt: now,
		})
	}
	if err := n.outbox.AddAlerts(sctx, alerts); err != nil {
		return err
	}
	if next, ok := rt.ladder.step(t.Step + 1); ok {
		nt := ladderTimer{Mention: t.Mention, Route: rt.name, Step: t.Step + 1, Due: now.Add(next.after)}
		if err := n.schedule(sctx, nt, "ladder/"+t.Mention+"/"+strconv.Itoa(nt.Step)); err != nil {
			return err
		}
	}
	n.m.escalations.WithLabelValues(strconv.Itoa(t.Step)).Inc()
	n.log.Info("escalated", "mention", t.Mention, "step", t.Step, "recipients", step.recipients)
	n.Kick()
	return nil
}
