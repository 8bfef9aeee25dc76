package notifier

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/store"
)

// Message is what is published on <prefix>.alerts.<recipient>: the alert
// of DESIGN.md, plus two optional fields (additions only, so a client of
// the plain schema keeps working):
//
//   - "group" on an alert that starts a group of similar alerts (revision
//     1, the alert's own id) and on each update of that group (revision 2,
//     3, ...), published with id "<group.id>/<revision>" and a title such
//     as "37 complaints about “chargers” in the last 10 min". A phone shows
//     an update in place of the group's earlier alert (same group.id) and
//     need not buzz for it. Acting on an update's id acts on every alert of
//     the group.
//   - "digest" on a digest: alerts held over a recipient's budget or during
//     their quiet hours, published together with id
//     "digest/<unix seconds>/<recipient>/0"; the mention is the latest
//     held one, digest.alerts lists them all (each with its own alert id, to
//     act on).
type Message struct {
	escucha.Alert
	Group  *GroupInfo  `json:"group,omitempty"`
	Digest *DigestInfo `json:"digest,omitempty"`
}

// GroupInfo describes the group of similar alerts a message belongs to.
type GroupInfo struct {
	// ID is the same on every message of the group.
	ID       string `json:"id"`
	Revision int    `json:"revision"`
	// Count is how many alerts the group holds so far.
	Count   int       `json:"count"`
	FirstAt time.Time `json:"first_at"`
	LastAt  time.Time `json:"last_at"`
	// MentionIDs are the mention keys (source/id) of the group, oldest
	// first (the latest 1000).
	MentionIDs []string `json:"mention_ids"`
}

// DigestInfo lists the alerts a digest delivers.
type DigestInfo struct {
	// Reason is budget (over the hourly budget) or quiet (quiet hours).
	Reason string       `json:"reason"`
	Count  int          `json:"count"`
	Alerts []DigestItem `json:"alerts"`
}

// DigestItem is one alert of a digest.
type DigestItem struct {
	ID        string           `json:"id"`
	Title     string           `json:"title"`
	URL       string           `json:"url,omitempty"`
	Severity  escucha.Severity `json:"severity,omitempty"`
	MentionID string           `json:"mention_id"`
}

// groupTitle is the lock-screen line of a group update, in lang.
func groupTitle(lang string, label escucha.Label, count int, topic string, span time.Duration) string {
	minutes := int((span + time.Minute - 1) / time.Minute)
	minutes = max(minutes, 1)
	what := map[string]map[escucha.Label]string{
		"es": {escucha.LabelComplaint: "quejas", escucha.LabelSuggestion: "sugerencias"},
		"en": {escucha.LabelComplaint: "complaints", escucha.LabelSuggestion: "suggestions"},
	}
	if lang != "en" {
		lang = "es"
	}
	w, ok := what[lang][label]
	if !ok {
		w = map[string]string{"es": "menciones", "en": "mentions"}[lang]
	}
	topic = cleanLine(topic)
	var s string
	switch {
	case lang == "en" && topic != "":
		s = fmt.Sprintf("%d %s about “%s” in the last %d min", count, w, topic, minutes)
	case lang == "en":
		s = fmt.Sprintf("%d similar %s in the last %d min", count, w, minutes)
	case topic != "":
		s = fmt.Sprintf("%d %s sobre «%s» en los últimos %d min", count, w, topic, minutes)
	default:
		s = fmt.Sprintf("%d %s similares en los últimos %d min", count, w, minutes)
	}
	return truncate(s, TitleMaxRunes)
}

// digestTitle is the lock-screen line of a digest, in lang.
func digestTitle(lang, reason string, count int) string {
	switch {
	case lang == "en" && reason == holdQuiet:
		return fmt.Sprintf("Quiet hours digest: %d alerts", count)
	case lang == "en":
		return fmt.Sprintf("Digest: %d alerts held by the hourly limit", count)
	case reason == holdQuiet:
		return fmt.Sprintf("Resumen de las horas de silencio: %d alertas", count)
	}
	return fmt.Sprintf("Resumen: %d alertas retenidas por el límite por hora", count)
}

// escalationTitle is the lock-screen line of escalation step n.
func escalationTitle(lang string, step int, m escucha.Mention, v escucha.Verdict) string {
	prefix := fmt.Sprintf("Escalado (%d) · ", step)
	if lang == "en" {
		prefix = fmt.Sprintf("Escalated (%d) · ", step)
	}
	return truncate(prefix+Title(lang, m, v), TitleMaxRunes)
}

// releaseDue publishes the group updates and digests that are due, one
// message per batch of held alerts, and marks the alerts they carry
// notified at the time of that message. It stops at the first failure; the
// next drain tries again.
func (n *Notifier) releaseDue(ctx context.Context) {
	held, err := n.outbox.HeldAlerts(ctx, n.now(), 0)
	if err != nil {
		if ctx.Err() == nil {
			n.noteErr("read held alerts", err)
		}
		return
	}
	var order []string
	batches := map[string][]store.HeldAlert{}
	for _, h := range held {
		if _, ok := batches[h.Batch]; !ok {
			order = append(order, h.Batch)
		}
		batches[h.Batch] = append(batches[h.Batch], h)
	}
	for _, b := range order {
		if ctx.Err() != nil || !n.release(ctx, batches[b]) {
			return
		}
	}
}

// release publishes one batch of held alerts: a group update when the
// batch is a group still known, else the alert itself when it is alone,
// else a digest.
func (n *Notifier) release(ctx context.Context, hs []store.HeldAlert) bool {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	recipient, reason, batch := hs[0].Recipient, hs[0].Reason, hs[0].Batch
	alerts := make([]escucha.Alert, 0, len(hs))
	for _, h := range hs {
		rec, err := n.outbox.Alert(sctx, h.AlertID)
		if errors.Is(err, escucha.ErrNotFound) {
			continue
		}
		if err != nil {
			n.noteErr("read held alert", err)
			return false
		}
		alerts = append(alerts, rec.Alert)
	}
	if len(alerts) == 0 {
		if err := n.outbox.ReleaseHeld(sctx, hs, n.now()); err != nil {
			n.noteErr("release held alerts", err)
			return false
		}
		return true
	}
	lang := n.router.language(recipient)
	var msg Message
	rev := 0
	if reason == holdGroup {
		if r, info, topic, label, ok := n.fatigue.update(recipient, batch); ok {
			msg = Message{Alert: alerts[len(alerts)-1], Group: info}
			msg.ID = batch + "/" + strconv.Itoa(r)
			msg.Escalation = 0
			msg.Severity = maxSeverity(alerts)
			msg.Title = groupTitle(lang, label, info.Count, topic, info.LastAt.Sub(info.FirstAt))
			rev = r
		}
	}
	switch {
	case rev > 0:
	case len(alerts) == 1:
		msg = Message{Alert: alerts[0]}
	default:
		msg = n.digest(lang, recipient, reason, alerts, hs[0].Due)
	}
	at, ok := n.publishAlert(ctx, msg)
	if !ok {
		return false
	}
	if rev > 0 {
		n.fatigue.updated(recipient, batch, rev, at)
	}
	if err := n.outbox.ReleaseHeld(sctx, hs, at); err != nil {
		n.noteErr("release held alerts", err)
		return false
	}
	if msg.Digest != nil {
		n.m.digested.Add(float64(len(alerts)))
	}
	for _, a := range alerts {
		n.publishEvent(Event{Type: "notified", AlertID: a.ID, Recipient: a.Recipient, At: at})
	}
	n.log.Debug("held alerts released", "batch", batch, "reason", reason, "alerts", len(alerts), "message", msg.ID)
	return true
}

// digest builds the message that delivers several held alerts at once.
func (n *Notifier) digest(lang, recipient, reason string, alerts []escucha.Alert, due time.Time) Message {
	latest := alerts[len(alerts)-1]
	m := Message{Alert: latest}
	m.ID = escucha.AlertID("digest/"+strconv.FormatInt(due.Unix(), 10), recipient, 0)
	m.Escalation = 0
	m.Severity = maxSeverity(alerts)
	m.Title = digestTitle(lang, reason, len(alerts))
	m.URL = ""
	if n.router.publicURL != "" {
		m.URL = n.router.publicURL + "/"
	}
	d := &DigestInfo{Reason: reason, Count: len(alerts)}
	for _, a := range alerts {
		m.CEO = m.CEO || a.CEO
		d.Alerts = append(d.Alerts, DigestItem{ID: a.ID, Title: a.Title, URL: a.URL, Severity: a.Severity, MentionID: a.Mention.Key()})
	}
	m.Digest = d
	return m
}

func maxSeverity(alerts []escucha.Alert) escucha.Severity {
	s := escucha.SeverityNone
	for _, a := range alerts {
		if a.Severity.Rank() > s.Rank() {
			s = a.Severity
		}
	}
	return s
}
