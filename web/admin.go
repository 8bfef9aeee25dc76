package web

import (
	"net/http"
	"sort"
	"time"

	"github.com/escucha/escucha/store"
)

type rulesPage struct {
	pageBase
	Stats []store.RuleStat
	// Missed counts the mentions the rules did not flag that people
	// corrected to a complaint or a suggestion: no rule row counts them.
	Missed store.MissedStat
	Since  string
}

func (s *Server) rulesSince(r *http.Request) (time.Time, error) {
	since, err := parseWhen(r.URL.Query().Get("since"), s.now(), time.UTC)
	if err != nil {
		return time.Time{}, errStatus(http.StatusBadRequest, err)
	}
	return since, nil
}

// ruleStats answers the per-rule correction counts since the query's
// since (the rules page and /api/rules).
func (s *Server) ruleStats(r *http.Request) ([]store.RuleStat, error) {
	since, err := s.rulesSince(r)
	if err != nil {
		return nil, err
	}
	return s.st.RuleStats(r.Context(), since, time.Time{})
}

// missedStats answers what the rules missed since the query's since (the
// rules page and /api/rules/missed).
func (s *Server) missedStats(r *http.Request) (store.MissedStat, error) {
	since, err := s.rulesSince(r)
	if err != nil {
		return store.MissedStat{}, err
	}
	return s.st.MissedStats(r.Context(), since, time.Time{})
}

// rulesPage lists the rules by the false positives people corrected, so
// the worst rules are fixed first, and counts what the rules missed.
func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) error {
	stats, err := s.ruleStats(r)
	if err != nil {
		return err
	}
	missed, err := s.missedStats(r)
	if err != nil {
		return err
	}
	d := rulesPage{pageBase: s.base(r, "/admin/rules"), Stats: stats, Missed: missed, Since: r.URL.Query().Get("since")}
	d.Title = d.T["rules_title"]
	return s.render(w, "rules.html", d)
}

// labelsExport downloads the mentions people reviewed as labelled JSON
// Lines (store.ExportLabels, the file `escucha export` writes), for
// `escucha eval --data` and for re-mining the rules, while the daemon
// holds the store. Query: since (as the rules page), unreviewed=1 to add
// the mentions nobody reviewed.
func (s *Server) labelsExport(w http.ResponseWriter, r *http.Request) error {
	since, err := s.rulesSince(r)
	if err != nil {
		return err
	}
	q := store.LabelQuery{Since: since, Unreviewed: r.URL.Query().Get("unreviewed") == "1"}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="escucha-labels-`+s.now().Format("2006-01-02")+`.jsonl"`)
	// Streamed: an error after the first bytes can only cut the body short,
	// which the client sees as a truncated download.
	_, err = s.st.ExportLabels(r.Context(), w, q)
	return err
}

type usersPage struct {
	pageBase
	Users []*user
}

// usersPage lists the configured users (never their hashes).
func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	d := usersPage{pageBase: s.base(r, "/admin/users")}
	d.Title = d.T["users_title"]
	for _, u := range s.users {
		d.Users = append(d.Users, u)
	}
	sort.Slice(d.Users, func(i, j int) bool { return d.Users[i].Login < d.Users[j].Login })
	return s.render(w, "users.html", d)
}
