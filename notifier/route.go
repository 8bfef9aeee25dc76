package notifier

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// Router decides who is alerted about a flagged mention. It is built once
// from the configured routes and recipients and is safe for concurrent use.
//
// Routes are tried in order. A route matches when every non-empty field of
// its match block matches; the first matching route wins unless it sets
// continue, in which case later routes are tried too. Each distinct
// recipient of the matching routes gets one alert.
type Router struct {
	routes     []route
	lang       map[string]string // recipient -> "es" or "en"
	publicURL  string
	recipients []string // sorted, for error messages
	// policies are the recipients' fatigue settings (budget, quiet hours).
	policies map[string]policy
	// alerting holds alerting's durations with defaults applied.
	alerting config.Alerting
}

type route struct {
	name        string
	labels      []escucha.Label
	minSeverity int // 0: any
	ceo         *bool
	sources     []string
	langs       []string
	keywords    [][]string // folded words of each keyword phrase
	phrases     []string   // the keyword phrases as configured, for titles
	recipients  []string
	cont        bool
	// groupWindow is 0 when the route's alerts are not grouped (only
	// deduplicated, within dedupWindow).
	groupWindow time.Duration
	dedupWindow time.Duration
	ladder      ladder
}

// NewRouter builds the routing table from cfg.Routes and cfg.Recipients.
// Every error names the offending key, for example
// routes[1].recipients[0] for a recipient that is not defined. Recipient
// names must be single NATS subject tokens, because each one is the last
// token of <prefix>.alerts.<recipient>.
func NewRouter(cfg config.Config) (*Router, error) {
	r := &Router{
		lang:      make(map[string]string, len(cfg.Recipients)),
		publicURL: strings.TrimRight(cfg.HTTP.PublicURL, "/"),
		policies:  make(map[string]policy, len(cfg.Recipients)),
		alerting:  alertingDefaults(cfg.Alerting),
	}
	global := cfg.Language
	if global == "" {
		global = "es"
	}
	if !knownLanguage(global) {
		return nil, fmt.Errorf("language: unsupported %q (use es or en)", cfg.Language)
	}
	for name, rc := range cfg.Recipients {
		if !validToken(name) {
			return nil, fmt.Errorf("recipients.%s: name must be one NATS subject token (no '.', '*', '>' or whitespace)", name)
		}
		l := rc.Language
		if l == "" {
			l = global
		}
		if !knownLanguage(l) {
			return nil, fmt.Errorf("recipients.%s.language: unsupported %q (use es or en)", name, rc.Language)
		}
		r.lang[name] = l
		r.recipients = append(r.recipients, name)
		p, err := newPolicy(name, rc, r.alerting.Budget)
		if err != nil {
			return nil, err
		}
		r.policies[name] = p
	}
	slices.Sort(r.recipients)
	for i, cr := range cfg.Routes {
		key := fmt.Sprintf("routes[%d]", i)
		rt := route{name: cr.Name, ceo: cr.Match.CEO, cont: cr.Continue}
		if rt.name == "" {
			rt.name = key
		}
		if len(cr.Recipients) == 0 {
			return nil, fmt.Errorf("%s.recipients: a route needs at least one recipient", key)
		}
		for j, name := range cr.Recipients {
			if _, ok := r.lang[name]; !ok {
				return nil, fmt.Errorf("%s.recipients[%d]: undefined recipient %q (defined: %s)", key, j, name, strings.Join(r.recipients, ", "))
			}
			if !slices.Contains(rt.recipients, name) {
				rt.recipients = append(rt.recipients, name)
			}
		}
		for j, l := range cr.Match.Labels {
			lb := escucha.Label(strings.ToLower(strings.TrimSpace(l)))
			if !lb.Valid() {
				return nil, fmt.Errorf("%s.match.labels[%d]: unknown label %q (use complaint, suggestion or other)", key, j, l)
			}
			rt.labels = append(rt.labels, lb)
		}
		if s := cr.Match.MinSeverity; s != "" {
			rank := escucha.Severity(strings.ToLower(strings.TrimSpace(s))).Rank()
			if rank < 1 {
				return nil, fmt.Errorf("%s.match.min_severity: unknown severity %q (use low, medium, high or critical)", key, s)
			}
			rt.minSeverity = rank
		}
		for j, s := range cr.Match.Sources {
			if !validToken(s) {
				return nil, fmt.Errorf("%s.match.sources[%d]: %q is not a source name (one NATS subject token)", key, j, s)
			}
			rt.sources = append(rt.sources, s)
		}
		for _, l := range cr.Match.Langs {
			rt.langs = append(rt.langs, strings.ToLower(strings.TrimSpace(l)))
		}
		for j, k := range cr.Match.Keywords {
			words := foldWords(k)
			if len(words) == 0 {
				return nil, fmt.Errorf("%s.match.keywords[%d]: %q has no letters or digits", key, j, k)
			}
			rt.keywords = append(rt.keywords, words)
			rt.phrases = append(rt.phrases, strings.TrimSpace(k))
		}
		rt.dedupWindow = r.alerting.GroupWindow
		if cr.Group.Window > 0 {
			rt.dedupWindow = cr.Group.Window
		}
		if !cr.Group.Off {
			rt.groupWindow = rt.dedupWindow
		}
		lad, err := newLadder(key, cr.Escalation, r.lang, r.recipients)
		if err != nil {
			return nil, err
		}
		rt.ladder = lad
		r.routes = append(r.routes, rt)
	}
	return r, nil
}

// Recipients returns the recipients the mention would be alerted to, in
// route order, without building alerts. It is empty for a verdict that is
// not flagged (neither complaint nor suggestion).
func (r *Router) Recipients(m escucha.Mention, v escucha.Verdict) []string {
	var out []string
	for _, rt := range r.matching(m, v) {
		for _, name := range rt.recipients {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// matching returns the routes a flagged mention matches, in order: up to
// and including the first matching route that does not continue.
func (r *Router) matching(m escucha.Mention, v escucha.Verdict) []*route {
	if !v.Flagged() {
		return nil
	}
	var words []string // folded text, computed on first keyword route
	var out []*route
	for i := range r.routes {
		rt := &r.routes[i]
		if len(rt.keywords) > 0 && words == nil {
			words = foldWords(m.Text)
		}
		if !rt.matches(m, v, words) {
			continue
		}
		out = append(out, rt)
		if !rt.cont {
			break
		}
	}
	return out
}

// verdictOf rebuilds, from an alert, the part of its mention's verdict that
// routes match on.
func verdictOf(a escucha.Alert) escucha.Verdict {
	return escucha.Verdict{Label: a.Label, Severity: a.Severity, CEO: a.CEO, Lang: a.Mention.Lang}
}

// routeFor returns the first matching route that names the alert's
// recipient, or nil (the configuration changed since the alert was made).
func (r *Router) routeFor(a escucha.Alert) *route {
	for _, rt := range r.matching(a.Mention, verdictOf(a)) {
		if slices.Contains(rt.recipients, a.Recipient) {
			return rt
		}
	}
	return nil
}

// ladderRoute returns the first matching route with an escalation ladder,
// or nil. A mention has at most one ladder.
func (r *Router) ladderRoute(m escucha.Mention, v escucha.Verdict) *route {
	for _, rt := range r.matching(m, v) {
		if rt.ladder.size() > 0 {
			return rt
		}
	}
	return nil
}

// routeNamed returns the first route called name, or nil.
func (r *Router) routeNamed(name string) *route {
	for i := range r.routes {
		if r.routes[i].name == name {
			return &r.routes[i]
		}
	}
	return nil
}

// language returns the recipient's alert language.
func (r *Router) language(recipient string) string {
	if l, ok := r.lang[recipient]; ok {
		return l
	}
	return "es"
}

// matchedPhrases returns the route's keyword phrases found in text, as
// configured.
func (rt *route) matchedPhrases(text string) []string {
	if len(rt.keywords) == 0 {
		return nil
	}
	words := foldWords(text)
	var out []string
	for i, k := range rt.keywords {
		if containsPhrase(words, k) {
			out = append(out, rt.phrases[i])
		}
	}
	return out
}

// Route returns one alert per distinct recipient of the routes matching a
// flagged mention, ready for the store's outbox: escalation 0, id
// escucha.AlertID(m.Key(), recipient, 0), a lock-screen title in the
// recipient's language, a link to the review page under http.public_url and
// CreatedAt now. Verdicts that are not flagged produce no alerts.
func (r *Router) Route(m escucha.Mention, v escucha.Verdict, now time.Time) []escucha.Alert {
	names := r.Recipients(m, v)
	if len(names) == 0 {
		return nil
	}
	alerts := make([]escucha.Alert, 0, len(names))
	rules := v.RuleIDs()
	for _, name := range names {
		id := escucha.AlertID(m.Key(), name, 0)
		a := escucha.Alert{
			ID:        id,
			Recipient: name,
			Label:     v.Label,
			Severity:  v.Severity,
			CEO:       v.CEO,
			Rules:     slices.Clone(rules),
			Title:     Title(r.lang[name], m, v),
			URL:       r.alertURL(id),
			Mention:   m,
			CreatedAt: now,
		}
		alerts = append(alerts, a)
	}
	return alerts
}

// alertURL links to the review page of an alert ("" without http.public_url).
func (r *Router) alertURL(id string) string {
	if r.publicURL == "" {
		return ""
	}
	return r.publicURL + "/alerts/" + url.PathEscape(id)
}

func (rt *route) matches(m escucha.Mention, v escucha.Verdict, words []string) bool {
	if len(rt.labels) > 0 && !slices.Contains(rt.labels, v.Label) {
		return false
	}
	if rt.minSeverity > 0 && v.Severity.Rank() < rt.minSeverity {
		return false
	}
	if rt.ceo != nil && v.CEO != *rt.ceo {
		return false
	}
	if len(rt.sources) > 0 && !slices.Contains(rt.sources, m.Source) {
		return false
	}
	if len(rt.langs) > 0 {
		lang := v.Lang
		if lang == "" {
			lang = m.Lang
		}
		if !slices.Contains(rt.langs, strings.ToLower(lang)) {
			return false
		}
	}
	if len(rt.keywords) > 0 && !slices.ContainsFunc(rt.keywords, func(k []string) bool { return containsPhrase(words, k) }) {
		return false
	}
	return true
}

// foldWords splits s into words of letters and digits, lower-cased and
// without accents ("Atención" and "atencion" fold alike; ñ folds to n).
func foldWords(s string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, c := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, c):
			// combining accent: dropped
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			b.WriteRune(unicode.ToLower(c))
		default:
			flush()
		}
	}
	flush()
	if words == nil {
		return []string{}
	}
	return words
}

// containsPhrase reports whether the words of phrase appear consecutively
// in words: whole words only, so "pago" does not match "pagoda".
func containsPhrase(words, phrase []string) bool {
	for i := 0; i+len(phrase) <= len(words); i++ {
		if slices.Equal(words[i:i+len(phrase)], phrase) {
			return true
		}
	}
	return false
}

// validToken reports whether s can be one token of a NATS subject.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c == '.' || c == '*' || c == '>' || unicode.IsSpace(c) || unicode.IsControl(c) {
			return false
		}
	}
	return true
}
