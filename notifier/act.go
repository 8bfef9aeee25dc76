package notifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/escucha/escucha"
)

// Act is the single entry for what a person does with an alert, wherever
// it comes from: a phone (the <prefix>.actions.<recipient> subscriber), the
// review web page, the mobile page or the CLI. It records the action in the
// store (the ledger's acked_at, responded_at, resolved_at), then acts on
// the mention's escalation ladder: ack, responded and resolved stop it (by
// anyone: the ladder is per mention), snooze delays its next step by the
// duration in the note ("45m", "for 2h") or alerting.snooze (default 30m).
// Finally it publishes the lifecycle event on <prefix>.events.
//
// a.By says who acted and is the caller's to fill (the NATS subscriber sets
// it from the subject, the web server from the session). A zero or future
// a.At becomes now. An action on a group update's id ("group/<hash>/<r>/<n>")
// applies to every alert of the group.
//
// It returns an error wrapping escucha.ErrInvalidAction for an unknown
// action or a malformed alert id, one wrapping escucha.ErrNotFound for an
// alert the store does not have, and any other store error as is. Once the
// action is recorded, a failure to reach NATS for the ladder is logged, not
// returned: a step that fires later finds the ledger closed and stops.
func (n *Notifier) Act(ctx context.Context, a escucha.Action) error {
	if !a.Action.Valid() {
		return fmt.Errorf("%w: unknown action %q (use ack, responded, resolved or snooze)", escucha.ErrInvalidAction, a.Action)
	}
	key, recipient, _, ok := escucha.SplitAlertID(a.AlertID)
	if !ok {
		return fmt.Errorf("%w: malformed alert id %q", escucha.ErrInvalidAction, a.AlertID)
	}
	now := n.now()
	if a.At.IsZero() || a.At.After(now) {
		a.At = now
	}
	targets := []string{a.AlertID}
	if strings.HasPrefix(key, "group/") {
		groupID := key + "/" + recipient
		targets = n.fatigue.members(recipient, groupID)
		if len(targets) == 0 {
			return fmt.Errorf("%s %q: %w", errUnknownAlert, a.AlertID, escucha.ErrNotFound)
		}
	}
	var mentions []string
	for _, id := range targets {
		one := a
		one.AlertID = id
		if err := n.outbox.RecordAction(ctx, one); err != nil {
			if len(targets) > 1 && errors.Is(err, escucha.ErrNotFound) {
				continue // a group member pruned from the store
			}
			return err
		}
		if k, _, _, ok := escucha.SplitAlertID(id); ok && !slices.Contains(mentions, k) {
			mentions = append(mentions, k)
		}
	}
	if n.router != nil {
		for _, k := range mentions {
			n.actOnLadder(ctx, a, k)
		}
	}
	n.log.Info("action recorded", "alert_id", a.AlertID, "action", a.Action, "by", a.By)
	n.publishEvent(Event{Type: eventTypes[a.Action], AlertID: a.AlertID, Recipient: recipient, At: a.At, By: a.By, Note: a.Note})
	return nil
}

// actOnLadder stops or snoozes the escalation of mention key.
func (n *Notifier) actOnLadder(ctx context.Context, a escucha.Action, key string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.attempt)
	defer cancel()
	switch a.Action {
	case escucha.ActionAck, escucha.ActionResponded, escucha.ActionResolved:
		if err := n.stopLadder(actx, key); err != nil {
			n.log.Warn("could not purge the escalation timer; the step will stop when it fires", "mention", key, "err", err)
		}
	case escucha.ActionSnooze:
		d := snoozeFor(a.Note, n.router.alerting.Snooze)
		pending, err := n.snoozeLadder(actx, key, d)
		if err != nil {
			n.log.Warn("could not snooze the escalation", "mention", key, "err", err)
			return
		}
		n.log.Info("escalation snoozed", "mention", key, "for", d, "pending", pending)
	}
}
