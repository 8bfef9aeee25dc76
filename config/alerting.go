package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults of the alerting section, applied by the notifier where a key is
// zero.
const (
	// DefaultGroupWindow is how long a group of similar alerts stays open.
	DefaultGroupWindow = 10 * time.Minute
	// DefaultGroupUpdate is the shortest time between two updates of a group.
	DefaultGroupUpdate = 2 * time.Minute
	// DefaultDigestInterval is how long over-budget alerts wait for their digest.
	DefaultDigestInterval = time.Hour
	// DefaultSnooze is how long a snooze without a duration delays escalation.
	DefaultSnooze = 30 * time.Minute
)

// Alerting configures fatigue control and escalation defaults: how similar
// alerts are grouped, the push budget of recipients, the digest of what is
// over budget, and how long a snooze lasts. Routes add their own grouping
// and escalation ladder (RouteAlerting), recipients their own budget and
// quiet hours (RecipientAlerting). Zero durations take the defaults above.
//
//	alerting:
//	  group_window: 10m     # similar alerts within it update one group alert
//	  group_update: 2m      # at most one update of a group alert this often
//	  digest_interval: 1h   # over-budget alerts are sent in one digest after this
//	  snooze: 30m           # a snooze without a duration delays escalation this long
//	  budget: {per_hour: 6} # default push budget of every recipient (0: no limit)
type Alerting struct {
	// GroupWindow: an alert similar to one sent to the same recipient less
	// than GroupWindow ago (same route, label and rules) joins its group
	// instead of buzzing again. Default 10m.
	GroupWindow time.Duration `mapstructure:"group_window"`
	// GroupUpdate is the shortest time between two updates of one group
	// alert ("37 complaints about chargers in the last 10 min"). Default 2m.
	GroupUpdate time.Duration `mapstructure:"group_update"`
	// DigestInterval: alerts over a recipient's budget are held and sent in
	// one digest this long after the first of them. Default 1h.
	DigestInterval time.Duration `mapstructure:"digest_interval"`
	// Snooze is how long a snooze action without a duration in its note
	// delays the next escalation step. Default 30m.
	Snooze time.Duration `mapstructure:"snooze"`
	// Budget is the push budget of every recipient without their own.
	Budget Budget `mapstructure:"budget"`
}

// Budget caps how often one recipient's phone buzzes. What is over the
// budget is never dropped: it goes into a digest. Critical alerts ignore
// the budget.
type Budget struct {
	// PerHour is the most individual pushes in any 60 minutes; 0 is no limit.
	PerHour int `mapstructure:"per_hour"`
}

// QuietHours is a daily span, in the recipient's time zone, when only
// critical alerts buzz; the others are held and delivered when it ends (as
// a digest when there are several).
type QuietHours struct {
	// Start and End are "HH:MM" (24-hour clock); End may be earlier than
	// Start for a span over midnight ("22:00" to "07:00").
	Start string `mapstructure:"start"`
	End   string `mapstructure:"end"`
}

// Clock parses a "HH:MM" time of day into minutes after midnight.
func Clock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) == 0 || len(h) > 2 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return hh*60 + mm, nil
}

// RecipientAlerting is a recipient's own fatigue control, written in the
// recipient's block:
//
//	recipients:
//	  elena:
//	    timezone: Europe/Madrid
//	    budget: {per_hour: 6}
//	    quiet_hours: {start: "22:00", end: "07:00"}
type RecipientAlerting struct {
	// Budget overrides alerting.budget for this recipient.
	Budget *Budget `mapstructure:"budget"`
	// QuietHours, in the recipient's timezone; nil means none.
	QuietHours *QuietHours `mapstructure:"quiet_hours"`
}

// RouteAlerting is a route's grouping and escalation ladder, written in the
// route's block:
//
//	routes:
//	  - name: ceo
//	    match: {ceo: true}
//	    recipients: [elena]
//	    group: {window: 5m}
//	    escalation:
//	      steps:
//	        - {after: 10m, recipients: [deputy]}
//	        - {after: 30m, recipients: [comms]}
//	      repeat: 2
type RouteAlerting struct {
	// Group tunes how the route's alerts are grouped.
	Group Grouping `mapstructure:"group"`
	// Escalation is the route's ladder; no steps means no escalation.
	Escalation Escalation `mapstructure:"escalation"`
}

// Grouping tunes the grouping of one route's alerts.
type Grouping struct {
	// Window overrides alerting.group_window for this route.
	Window time.Duration `mapstructure:"window"`
	// Off sends every alert of the route on its own (still deduplicated:
	// the same author's same text within the window is grouped).
	Off bool `mapstructure:"off"`
}

// Escalation is a ladder in the spirit of PagerDuty's: when nobody has
// acknowledged, responded to or resolved a mention Steps[0].After after its
// first alerts, Steps[0].Recipients are alerted; Steps[1].After later the
// next step's, and so on. After the last step the ladder starts over at
// Steps[0], Repeat more times. A snooze delays the next step.
type Escalation struct {
	Steps []EscalationStep `mapstructure:"steps"`
	// Repeat is how many more times the steps run after the first pass.
	Repeat int `mapstructure:"repeat"`
}

// EscalationStep is one rung of a ladder.
type EscalationStep struct {
	// After is the wait since the previous step (or the first alerts).
	After time.Duration `mapstructure:"after"`
	// Recipients are keys of the recipients map.
	Recipients []string `mapstructure:"recipients"`
}
