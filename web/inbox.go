package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/store"
)

const pageSize = 50

// filters are the inbox filters, read from the query string.
type filters struct {
	Label, Severity, Source, Lang, Status, Recipient, Assignee, Q, Since, Until string
	// Flagged chooses the list: "" or "yes" for the flagged mentions, "no"
	// for the ones the rules did not flag.
	Flagged string
	Page    int
}

// notFlaggedDays is the window the not-flagged list shows when no date is
// given (the page says so): it reads every mention in its window (there is
// no index of the unflagged ones), about 8 µs each (BenchmarkInboxNotFlagged),
// so a store of months would make each page and live refresh slow.
const notFlaggedDays = 7

func readFilters(r *http.Request) filters {
	q := r.URL.Query()
	f := filters{Label: q.Get("label"), Severity: q.Get("severity"), Source: q.Get("source"), Lang: q.Get("lang"),
		Status: q.Get("status"), Recipient: q.Get("recipient"), Assignee: q.Get("assignee"), Q: q.Get("q"),
		Since: q.Get("since"), Until: q.Get("until"), Flagged: q.Get("flagged")}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	f.Page = max(f.Page, 0)
	return f
}

// values encodes the filters back into a query string (without the page).
func (f filters) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"label": f.Label, "severity": f.Severity, "source": f.Source, "lang": f.Lang,
		"status": f.Status, "recipient": f.Recipient, "assignee": f.Assignee, "q": f.Q, "since": f.Since, "until": f.Until,
		"flagged": f.Flagged} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// Active reports whether any filter is set (the flagged / not flagged
// choice is a tab, not a filter).
func (f filters) Active() bool {
	v := f.values()
	v.Del("flagged")
	return len(v) > 0
}

// NotFlagged reports whether the list is of the mentions the rules did not
// flag (flagged=no).
func (f filters) NotFlagged() bool { return f.Flagged == "no" }

// parseDay reads a date (2026-11-20) or RFC 3339 time in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, loc); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not a date (2026-11-20)", store.ErrInvalidReview, s)
	}
	return t, nil
}

func (s *Server) query(f filters, u *user) (store.InboxQuery, error) {
	loc := s.location(u)
	since, err := parseDay(f.Since, loc)
	if err != nil {
		return store.InboxQuery{}, errStatus(http.StatusBadRequest, err)
	}
	until, err := parseDay(f.Until, loc)
	if err != nil {
		return store.InboxQuery{}, errStatus(http.StatusBadRequest, err)
	}
	if !until.IsZero() && len(f.Until) == len(time.DateOnly) {
		until = until.AddDate(0, 0, 1) // a date "until" includes that day
	}
	if f.NotFlagged() && since.IsZero() && until.IsZero() {
		y, m, d := s.now().In(loc).AddDate(0, 0, -notFlaggedDays).Date()
		since = time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	if f.Flagged != "" && f.Flagged != "yes" && f.Flagged != "no" {
		return store.InboxQuery{}, errStatus(http.StatusBadRequest, fmt.Errorf("%w: flagged=%q (yes or no)", store.ErrInvalidReview, f.Flagged))
	}
	q := store.InboxQuery{NotFlagged: f.NotFlagged(), Since: since, Until: until, Label: escucha.Label(f.Label), Severity: escucha.Severity(f.Severity),
		Source: f.Source, Lang: f.Lang, Status: store.ReviewStatus(f.Status), Recipient: f.Recipient,
		Assignee: f.Assignee, Text: f.Q, Limit: pageSize, Offset: f.Page * pageSize}
	if q.Assignee == "me" && u != nil {
		q.Assignee = u.Login
	}
	return q, nil
}

// option is one choice of a <select>.
type option struct {
	Value, Label string
	Selected     bool
}

type inboxPage struct {
	pageBase
	F                                            filters
	Items                                        []itemView
	Total                                        int
	Labels, Severities, Sources, Langs, Statuses []option
	Recipients, Assignees                        []option
	PrevURL, NextURL, ListURL                    string
	// FlaggedURL and NotFlaggedURL are the two tabs (keeping the other
	// filters); ClearURL drops the filters and keeps the tab.
	FlaggedURL, NotFlaggedURL, ClearURL string
	LiveFallbackMS                      int64
}

// itemView is one row of the inbox.
type itemView struct {
	Key, URL, Text, Author, Handle, Source, Lang string
	Label                                        escucha.Label
	Severity                                     escucha.Severity
	Status                                       store.ReviewStatus
	Assignee                                     string
	CEO, Corrected                               bool
	PostedAt                                     time.Time
	Recipients                                   []string
}

func mentionURL(key string) string { return "/mention?key=" + url.QueryEscape(key) }

func toItemView(it store.InboxItem) itemView {
	text := it.Mention.Text
	if len(text) > 280 {
		n := 280
		for n > 0 && !utf8.RuneStart(text[n]) {
			n--
		}
		text = text[:n] + "…"
	}
	return itemView{Key: it.Mention.Key(), URL: mentionURL(it.Mention.Key()), Text: text, Author: it.Mention.Author.Name,
		Handle: it.Mention.Author.Handle, Source: it.Mention.Source, Lang: it.Verdict.Lang,
		Label: it.Review.EffectiveLabel(it.Verdict), Severity: it.Review.EffectiveSeverity(it.Verdict),
		Status: it.Review.Status, Assignee: it.Review.Assignee, CEO: it.Verdict.CEO, Corrected: it.Review.Corrected(),
		PostedAt: it.Mention.PostedAt, Recipients: it.Recipients()}
}

func (s *Server) inboxData(r *http.Request) (inboxPage, error) {
	sess := sessionFrom(r.Context())
	f := readFilters(r)
	q, err := s.query(f, sess.user)
	if err != nil {
		return inboxPage{}, err
	}
	items, total, err := s.st.Inbox(r.Context(), q)
	if err != nil {
		return inboxPage{}, err
	}
	d := inboxPage{pageBase: s.base(r, "/"), F: f, Total: total, LiveFallbackMS: s.opts.LiveFallback.Milliseconds()}
	d.Title = d.T["inbox_title"]
	if f.NotFlagged() {
		d.Title = d.T["inbox_title_unflagged"]
	}
	for _, it := range items {
		d.Items = append(d.Items, toItemView(it))
	}
	opts := func(cur string, vals []string, label func(string) string) []option {
		out := []option{{Value: "", Label: d.T["filter_all"], Selected: cur == ""}}
		for _, v := range vals {
			out = append(out, option{Value: v, Label: label(v), Selected: cur == v})
		}
		return out
	}
	id := func(v string) string { return v }
	d.Labels = opts(f.Label, []string{"complaint", "suggestion", "other"}, func(v string) string { return d.LabelName(escucha.Label(v)) })
	d.Severities = opts(f.Severity, []string{"critical", "high", "medium", "low"}, func(v string) string { return d.SevName(escucha.Severity(v)) })
	d.Sources = opts(f.Source, s.sourceNames(), id)
	d.Langs = opts(f.Lang, []string{"es", "en"}, func(v string) string { return d.T["lang_"+v] })
	d.Statuses = opts(f.Status, []string{"open", "responded", "resolved", "false_positive"}, func(v string) string { return d.T["status_"+v] })
	d.Recipients = opts(f.Recipient, sortedKeys(s.cfg.Recipients), func(v string) string {
		if n := s.cfg.Recipients[v].Name; n != "" {
			return n
		}
		return v
	})
	d.Assignees = opts(f.Assignee, append([]string{"me", "-"}, s.actorLogins()...), func(v string) string {
		switch v {
		case "me":
			return d.T["filter_mine"]
		case "-":
			return d.T["filter_unassigned"]
		}
		return s.displayName(v)
	})
	v := f.values()
	d.ListURL = "/inbox/list?" + v.Encode()
	tab := func(flagged string) string {
		t := cloneValues(v)
		t.Del("flagged")
		if flagged != "" {
			t.Set("flagged", flagged)
		}
		if len(t) == 0 {
			return "/"
		}
		return "/?" + t.Encode()
	}
	d.FlaggedURL, d.NotFlaggedURL = tab(""), tab("no")
	d.ClearURL = "/"
	if f.NotFlagged() {
		d.ClearURL = "/?flagged=no"
	}
	if f.Page > 0 {
		p := cloneValues(v)
		if f.Page > 1 {
			p.Set("page", strconv.Itoa(f.Page-1))
		}
		d.PrevURL = "/?" + p.Encode()
	}
	if (f.Page+1)*pageSize < total {
		p := cloneValues(v)
		p.Set("page", strconv.Itoa(f.Page+1))
		d.NextURL = "/?" + p.Encode()
	}
	if f.Page > 0 {
		lv := cloneValues(v)
		lv.Set("page", strconv.Itoa(f.Page))
		d.ListURL = "/inbox/list?" + lv.Encode()
	}
	return d, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *Server) sourceNames() []string {
	var out []string
	for _, src := range s.cfg.Sources {
		out = append(out, src.Name)
	}
	if s.cfg.Demo && !slices.Contains(out, "demo") {
		out = append(out, "demo")
	}
	sort.Strings(out)
	return out
}

// actorLogins lists the users who may be assigned mentions (comms, admin).
func (s *Server) actorLogins() []string {
	var out []string
	for login, u := range s.users {
		if can(u.Role, permAct) {
			out = append(out, login)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Server) displayName(login string) string {
	if u := s.users[login]; u != nil && u.Name != "" {
		return u.Name
	}
	return login
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.inboxData(r)
	if err != nil {
		return err
	}
	return s.render(w, "inbox.html", d)
}

// inboxList renders only the list, for the live refresh of open pages.
func (s *Server) inboxList(w http.ResponseWriter, r *http.Request) error {
	d, err := s.inboxData(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return s.pages["inbox.html"].ExecuteTemplate(w, "list", d)
}

// segment is a piece of a mention's text, highlighted when a rule matched it.
type segment struct {
	Text  string
	Hit   bool
	Rules string
}

// highlight cuts text at the rules' spans (byte offsets), ignoring spans
// out of range or not on rune boundaries, merging overlaps.
func highlight(text string, hits []escucha.RuleHit) []segment {
	type mark struct {
		start, end int
		rules      []string
	}
	var marks []mark
	for _, h := range hits {
		for _, sp := range h.Spans {
			if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End ||
				!utf8.RuneStart(text[sp.Start]) || (sp.End < len(text) && !utf8.RuneStart(text[sp.End])) {
				continue
			}
			marks = append(marks, mark{sp.Start, sp.End, []string{h.ID}})
		}
	}
	sort.Slice(marks, func(i, j int) bool { return marks[i].start < marks[j].start })
	var merged []mark
	for _, m := range marks {
		if n := len(merged); n > 0 && m.start < merged[n-1].end {
			last := &merged[n-1]
			last.end = max(last.end, m.end)
			for _, r := range m.rules {
				if !slices.Contains(last.rules, r) {
					last.rules = append(last.rules, r)
				}
			}
			continue
		}
		merged = append(merged, m)
	}
	var out []segment
	pos := 0
	for _, m := range merged {
		if m.start > pos {
			out = append(out, segment{Text: text[pos:m.start]})
		}
		out = append(out, segment{Text: text[m.start:m.end], Hit: true, Rules: strings.Join(m.rules, " ")})
		pos = m.end
	}
	if pos < len(text) {
		out = append(out, segment{Text: text[pos:]})
	}
	return out
}

// ruleView is one rule that fired, with the words it matched.
type ruleView struct {
	ID, Explanation string
	Weight          float64
	Words           []string
}

type ledgerRow struct {
	Key  string
	At   time.Time
	Note string
}

type alertView struct {
	store.AlertRecord
	Pending bool
}

type mentionPage struct {
	pageBase
	Key       string
	Rec       store.MentionRecord
	Review    store.Review
	Segments  []segment
	Rules     []ruleView
	Ledger    []ledgerRow
	Alerts    []alertView
	Label     escucha.Label
	Severity  escucha.Severity
	Assignees []option
	Flash     string
	CanAck    bool
	PostURL   string
	BackURL   string
	// OfferMissed shows, for a mention the rules did not flag and nobody
	// corrected yet, the correction "this is a complaint / a suggestion"
	// instead of the corrections of a flagged verdict.
	OfferMissed bool
}

func (s *Server) mentionPage(w http.ResponseWriter, r *http.Request) error {
	key := r.URL.Query().Get("key")
	d, err := s.mentionData(r, key)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") != "" {
		d.Flash = d.T["done"]
	}
	return s.render(w, "mention.html", d)
}

func (s *Server) mentionData(r *http.Request, key string) (mentionPage, error) {
	ctx := r.Context()
	rec, err := s.st.Mention(ctx, key)
	if err != nil {
		return mentionPage{}, err
	}
	rv, err := s.st.Review(ctx, key)
	if err != nil {
		return mentionPage{}, err
	}
	d := mentionPage{pageBase: s.base(r, "/"), Key: key, Rec: rec, Review: rv,
		Segments: highlight(rec.Mention.Text, rec.Verdict.Rules),
		Label:    rv.EffectiveLabel(rec.Verdict), Severity: rv.EffectiveSeverity(rec.Verdict),
		CanAck: s.opts.Act != nil, BackURL: "/"}
	d.Title = d.T["inbox_title"]
	if !rec.Verdict.Flagged() {
		d.Title, d.BackURL = d.T["inbox_title_unflagged"], "/?flagged=no"
		d.OfferMissed = d.Label == escucha.LabelOther
	}
	if u, err := url.Parse(rec.Mention.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		d.PostURL = rec.Mention.URL
	}
	for _, h := range rec.Verdict.Rules {
		rvw := ruleView{ID: h.ID, Explanation: h.Explanation, Weight: h.Weight}
		for _, sp := range h.Spans {
			if sp.Start >= 0 && sp.End <= len(rec.Mention.Text) && sp.Start < sp.End {
				rvw.Words = append(rvw.Words, strings.ToValidUTF8(rec.Mention.Text[sp.Start:sp.End], "\uFFFD"))
			}
		}
		d.Rules = append(d.Rules, rvw)
	}
	l := rec.Ledger
	for _, row := range []ledgerRow{{"ledger_posted_at", l.PostedAt, ""}, {"ledger_fetched_at", l.FetchedAt, ""},
		{"ledger_classified_at", l.ClassifiedAt, ""}, {"ledger_notified_at", l.NotifiedAt, ""},
		{"ledger_delivered_at", l.DeliveredAt, ""}, {"ledger_acked_at", l.AckedAt, ""},
		{"ledger_responded_at", l.RespondedAt, ""}, {"ledger_resolved_at", l.ResolvedAt, ""}} {
		if !row.At.IsZero() && !l.PostedAt.IsZero() && row.Key != "ledger_posted_at" {
			row.Note = "+" + shortDuration(row.At.Sub(l.PostedAt))
		}
		d.Ledger = append(d.Ledger, row)
	}
	for _, id := range rec.Alerts {
		a, err := s.st.Alert(ctx, id)
		if err != nil {
			return mentionPage{}, err
		}
		d.Alerts = append(d.Alerts, alertView{AlertRecord: a, Pending: a.NotifiedAt.IsZero()})
	}
	d.Assignees = []option{{Value: "", Label: d.T["unassign"], Selected: rv.Assignee == ""}}
	for _, login := range s.actorLogins() {
		d.Assignees = append(d.Assignees, option{Value: login, Label: s.displayName(login), Selected: rv.Assignee == login})
	}
	return d, nil
}

func shortDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// alertRedirect sends the link of an alert (alert.url) to its mention.
func (s *Server) alertRedirect(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	key, _, _, ok := escucha.SplitAlertID(id)
	if !ok {
		a, err := s.st.Alert(r.Context(), id)
		if err != nil {
			return err
		}
		key = a.Mention.Key()
	}
	http.Redirect(w, r, mentionURL(key), http.StatusSeeOther)
	return nil
}

// actionRequest is one action on a mention, from a form or JSON.
type actionRequest struct {
	Key        string `json:"key"`
	Op         string `json:"op"`
	Assignee   string `json:"assignee,omitempty"`
	Text       string `json:"text,omitempty"`
	Correction string `json:"correction,omitempty"`
	Label      string `json:"label,omitempty"`
	Severity   string `json:"severity,omitempty"`
	// AlertID is the alert of an "ack".
	AlertID string `json:"alert_id,omitempty"`
}

// act applies an action by the session's user and tells open pages.
func (s *Server) act(ctx context.Context, sess *session, req actionRequest) (store.Review, error) {
	by := sess.user.Login
	now := s.now()
	result := "error"
	defer func() { s.metrics.actions.WithLabelValues(metricOp(req.Op), result).Inc() }()
	if req.Op == "ack" {
		if s.opts.Act == nil {
			return store.Review{}, errStatus(http.StatusServiceUnavailable, fmt.Errorf("no action function"))
		}
		mkey, _, _, ok := escucha.SplitAlertID(req.AlertID)
		if !ok || mkey != req.Key {
			return store.Review{}, fmt.Errorf("%w: alert %q is not an alert of mention %q", escucha.ErrInvalidAction, req.AlertID, req.Key)
		}
		if err := s.opts.Act(ctx, escucha.Action{AlertID: req.AlertID, Action: escucha.ActionAck, At: now, By: by}); err != nil {
			return store.Review{}, fmt.Errorf("ack %s: %w", req.AlertID, err)
		}
		result = "ok"
		s.hub.notify(req.Key)
		rv, err := s.st.Review(ctx, req.Key)
		return rv, err
	}
	if req.Assignee != "" && s.users[req.Assignee] == nil {
		return store.Review{}, fmt.Errorf("%w: unknown user %q", store.ErrInvalidReview, req.Assignee)
	}
	op := store.ReviewOp{Kind: store.ReviewOpKind(req.Op), By: by, At: now, Assignee: req.Assignee, Text: req.Text,
		Correction: store.CorrectionKind(req.Correction), Label: escucha.Label(req.Label), Severity: escucha.Severity(req.Severity)}
	if op.Kind == store.OpCorrect && op.Correction == store.CorrectLabel && op.Label != escucha.LabelComplaint {
		op.Severity = escucha.SeverityNone
	}
	// A correction only changes the review state: it sends no alert, also
	// when it turns a mention the rules did not flag into a complaint or a
	// suggestion (the person correcting it is already looking at it).
	rv, err := s.st.ApplyReview(ctx, req.Key, op)
	if err != nil {
		return store.Review{}, err
	}
	result = "ok"
	if op.Kind == store.OpRespond || op.Kind == store.OpResolve {
		s.closeAlerts(ctx, req.Key, op.Kind, by, now)
	}
	s.hub.notify(req.Key)
	return rv, nil
}

func metricOp(op string) string {
	if op == "ack" || store.ReviewOpKind(op).Valid() {
		return op
	}
	return "unknown"
}

// closeAlerts tells the notifier that the mention was responded to or
// resolved, on the latest alert of each recipient, so it records the
// action and stops escalating. Failures are logged: the review is stored.
func (s *Server) closeAlerts(ctx context.Context, key string, kind store.ReviewOpKind, by string, at time.Time) {
	if s.opts.Act == nil {
		return
	}
	rec, err := s.st.Mention(ctx, key)
	if err != nil {
		return
	}
	latest := map[string]string{}
	var order []string
	for _, id := range rec.Alerts {
		if _, rcpt, _, ok := escucha.SplitAlertID(id); ok {
			if _, seen := latest[rcpt]; !seen {
				order = append(order, rcpt)
			}
			latest[rcpt] = id
		}
	}
	action := escucha.ActionResponded
	if kind == store.OpResolve {
		action = escucha.ActionResolved
	}
	for _, rcpt := range order {
		if err := s.opts.Act(ctx, escucha.Action{AlertID: latest[rcpt], Action: action, At: at, By: by}); err != nil {
			s.log.Warn("tell the notifier", "alert_id", latest[rcpt], "action", action, "err", err)
		}
	}
}

// mentionAction handles the forms of the detail page.
func (s *Server) mentionAction(w http.ResponseWriter, r *http.Request) error {
	sess := sessionFrom(r.Context())
	req := actionRequest{Key: r.PostFormValue("key"), Op: r.PostFormValue("op"), Assignee: r.PostFormValue("assignee"),
		Text: r.PostFormValue("text"), Correction: r.PostFormValue("correction"), Label: r.PostFormValue("label"),
		Severity: r.PostFormValue("severity"), AlertID: r.PostFormValue("alert_id")}
	if _, err := s.act(r.Context(), sess, req); err != nil {
		return err
	}
	http.Redirect(w, r, mentionURL(req.Key)+"&done=1", http.StatusSeeOther)
	return nil
}
