package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/escucha/escucha"
)

// errUnknownAlert starts the reply error for an alert the store does not
// have; SendAction maps it back to escucha.ErrNotFound.
const errUnknownAlert = "unknown alert"

// eventTypes names the lifecycle event of each action.
var eventTypes = map[escucha.ActionKind]string{
	escucha.ActionAck:       "acked",
	escucha.ActionResponded: "responded",
	escucha.ActionResolved:  "resolved",
	escucha.ActionSnooze:    "snoozed",
}

// handleAction serves one request on <prefix>.actions.<recipient> through
// Act. The recipient comes from the subject (which NATS permissions tie to
// the phone's user), never from the body: By is set from it, and the alert
// must be addressed to it.
func (n *Notifier) handleAction(msg *nats.Msg) {
	recipient := msg.Subject[strings.LastIndexByte(msg.Subject, '.')+1:]
	kind, result, errText := "unknown", "invalid", ""
	defer func() {
		n.m.actions.WithLabelValues(kind, result).Inc()
		rep := escucha.ActionReply{OK: errText == "", Error: errText}
		if msg.Reply == "" {
			return
		}
		data, _ := json.Marshal(rep)
		if err := msg.Respond(data); err != nil {
			n.log.Debug("reply to action", "err", err)
		}
	}()

	var a escucha.Action
	if err := json.Unmarshal(msg.Data, &a); err != nil {
		errText = "invalid action JSON: " + err.Error()
		return
	}
	if !a.Action.Valid() {
		errText = fmt.Sprintf("unknown action %q (use ack, responded, resolved or snooze)", a.Action)
		return
	}
	kind = string(a.Action)
	if a.AlertID == "" {
		errText = "alert_id is required"
		return
	}
	_, owner, _, ok := escucha.SplitAlertID(a.AlertID)
	if !ok {
		errText = fmt.Sprintf("malformed alert_id %q", a.AlertID)
		return
	}
	if owner != recipient {
		result = "forbidden"
		errText = fmt.Sprintf("alert %q is not addressed to %s", a.AlertID, recipient)
		return
	}
	a.By = recipient
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	err := n.Act(ctx, a)
	switch {
	case errors.Is(err, escucha.ErrNotFound):
		result = "not_found"
		errText = fmt.Sprintf("%s %q", errUnknownAlert, a.AlertID)
		return
	case errors.Is(err, escucha.ErrInvalidAction):
		errText = err.Error()
		return
	case err != nil:
		result = "error"
		errText = "could not record the action; try again"
		n.log.Error("record action", "alert_id", a.AlertID, "action", a.Action, "err", err)
		return
	}
	result = "ok"
}

// SendAction sends an action as a request on
// <prefix>.actions.<recipient>, the recipient being parsed from the alert
// id, and waits for the daemon's reply (the CLI's `escucha ack ID` and
// `escucha resolve ID` use it while the daemon runs). ctx bounds the wait.
// Errors do not repeat the action and alert id; the caller adds them.
//
// It returns the reply and a nil error when the daemon accepted the action.
// A refused action returns the reply and an error wrapping
// escucha.ErrNotFound (unknown alert) or escucha.ErrInvalidAction
// (anything else the daemon refused); a malformed alert id is refused
// before sending. When no daemon answers the error wraps
// nats.ErrNoResponders.
func SendAction(ctx context.Context, nc *nats.Conn, prefix string, a escucha.Action) (escucha.ActionReply, error) {
	if prefix == "" {
		prefix = defaultPrefix
	}
	_, recipient, _, ok := escucha.SplitAlertID(a.AlertID)
	if !ok || !validToken(recipient) {
		return escucha.ActionReply{}, fmt.Errorf("%w: malformed alert id %q", escucha.ErrInvalidAction, a.AlertID)
	}
	data, err := json.Marshal(a)
	if err != nil {
		return escucha.ActionReply{}, fmt.Errorf("encode action: %w", err)
	}
	subject := prefix + ".actions." + recipient
	msg, err := nc.RequestWithContext(ctx, subject, data)
	if errors.Is(err, nats.ErrNoResponders) {
		return escucha.ActionReply{}, fmt.Errorf("no escucha daemon answers on %s: %w", subject, err)
	}
	if err != nil {
		return escucha.ActionReply{}, fmt.Errorf("request on %s: %w", subject, err)
	}
	var rep escucha.ActionReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return escucha.ActionReply{}, fmt.Errorf("bad reply on %s: %w", subject, err)
	}
	if !rep.OK {
		sentinel := escucha.ErrInvalidAction
		if strings.HasPrefix(rep.Error, errUnknownAlert) {
			sentinel = escucha.ErrNotFound
		}
		return rep, fmt.Errorf("%w: %s", sentinel, rep.Error)
	}
	return rep, nil
}
