package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/store"
)

// apiItem is a flagged mention in the JSON API.
type apiItem struct {
	Key     string          `json:"key"`
	Mention escucha.Mention `json:"mention"`
	Verdict escucha.Verdict `json:"verdict"`
	Ledger  escucha.Ledger  `json:"ledger"`
	Alerts  []string        `json:"alerts"`
	Review  store.Review    `json:"review"`
	// Label and Severity are the effective (corrected) verdict.
	Label    escucha.Label    `json:"label"`
	Severity escucha.Severity `json:"severity,omitempty"`
}

func toAPI(rec store.MentionRecord, rv store.Review) apiItem {
	alerts := rec.Alerts
	if alerts == nil {
		alerts = []string{}
	}
	return apiItem{Key: rec.Mention.Key(), Mention: rec.Mention, Verdict: rec.Verdict, Ledger: rec.Ledger, Alerts: alerts,
		Review: rv, Label: rv.EffectiveLabel(rec.Verdict), Severity: rv.EffectiveSeverity(rec.Verdict)}
}

// apiMentions: GET /api/mentions?flagged=&label=&severity=&source=&lang=&status=&recipient=&assignee=&q=&since=&until=&page=
// answers {"total": n, "items": [...]}, newest first, 50 per page;
// flagged=no lists the mentions the rules did not flag.
func (s *Server) apiMentions(w http.ResponseWriter, r *http.Request) error {
	sess := sessionFrom(r.Context())
	q, err := s.query(readFilters(r), sess.user)
	if err != nil {
		return err
	}
	items, total, err := s.st.Inbox(r.Context(), q)
	if err != nil {
		return err
	}
	out := struct {
		Total int       `json:"total"`
		Items []apiItem `json:"items"`
	}{Total: total, Items: []apiItem{}}
	for _, it := range items {
		out.Items = append(out.Items, toAPI(it.MentionRecord, it.Review))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiMention: GET /api/mention?key=source/id answers the mention with its
// review and its alerts' records.
func (s *Server) apiMention(w http.ResponseWriter, r *http.Request) error {
	key := r.URL.Query().Get("key")
	rec, err := s.st.Mention(r.Context(), key)
	if err != nil {
		return err
	}
	rv, err := s.st.Review(r.Context(), key)
	if err != nil {
		return err
	}
	out := struct {
		apiItem
		AlertRecords []store.AlertRecord `json:"alert_records"`
	}{apiItem: toAPI(rec, rv), AlertRecords: []store.AlertRecord{}}
	for _, id := range rec.Alerts {
		a, err := s.st.Alert(r.Context(), id)
		if err != nil {
			return err
		}
		out.AlertRecords = append(out.AlertRecords, a)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiAction: POST /api/mention/action with a JSON actionRequest and the
// X-CSRF-Token header answers the new review state.
func (s *Server) apiAction(w http.ResponseWriter, r *http.Request) error {
	var req actionRequest
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return errStatus(http.StatusBadRequest, err)
		}
	} else {
		req = actionRequest{Key: r.PostFormValue("key"), Op: r.PostFormValue("op"), Assignee: r.PostFormValue("assignee"),
			Text: r.PostFormValue("text"), Correction: r.PostFormValue("correction"), Label: r.PostFormValue("label"),
			Severity: r.PostFormValue("severity"), AlertID: r.PostFormValue("alert_id")}
	}
	rv, err := s.act(r.Context(), sessionFrom(r.Context()), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

// apiRules: GET /api/rules answers the per-rule correction counts.
func (s *Server) apiRules(w http.ResponseWriter, r *http.Request) error {
	stats, err := s.ruleStats(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, stats)
	return nil
}

// apiRulesMissed: GET /api/rules/missed answers what the rules page's
// "Missed by the rules" shows: the mentions no rule flagged that people
// corrected to a complaint or a suggestion (store.MissedStat), over the
// same window as /api/rules (query since).
func (s *Server) apiRulesMissed(w http.ResponseWriter, r *http.Request) error {
	missed, err := s.missedStats(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, missed)
	return nil
}

// apiMe: GET /api/me answers who is logged in, the role and the CSRF
// token for scripts.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	sess := sessionFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"user": sess.user.Login, "name": sess.user.Name, "role": sess.user.Role,
		"csrf": sess.csrf, "lang": s.lang(r)})
	return nil
}
