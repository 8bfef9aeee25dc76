package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/escucha/escucha"
)

// parsePages parses each page template with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" || base == "list.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/list.html", n)
		if err != nil {
			return nil, err
		}
		pages[base] = t
	}
	return pages, nil
}

var funcs = template.FuncMap{
	"lower": strings.ToLower,
	"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
}

// navLink is one entry of the top bar.
type navLink struct {
	Href, Label string
	Current     bool
}

// pageBase is what every page template gets.
type pageBase struct {
	Lang, Title string
	T           map[string]string
	Nonce       string
	CSRF        string
	User        *user
	Nav         []navLink
	Path        string
	OtherLang   string
	loc         *time.Location
}

// Date prints t for people in the page's language and time zone.
func (p pageBase) Date(t time.Time) string { return formatTime(p.Lang, t, p.loc) }

// ISO prints t as RFC 3339 for <time datetime>.
func (p pageBase) ISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// LabelName translates a label.
func (p pageBase) LabelName(l escucha.Label) string {
	if v, ok := p.T["label_"+string(l)]; ok {
		return v
	}
	return string(l)
}

// SevName translates a severity.
func (p pageBase) SevName(s escucha.Severity) string {
	if s == "" {
		return p.T["sev_none"]
	}
	if v, ok := p.T["sev_"+string(s)]; ok {
		return v
	}
	return string(s)
}

// Msg returns the catalog entry key, or key itself.
func (p pageBase) Msg(key string) string {
	if v, ok := p.T[key]; ok {
		return v
	}
	return key
}

// CanAct reports whether the user may act on mentions.
func (p pageBase) CanAct() bool { return p.User != nil && can(p.User.Role, permAct) }

func (s *Server) lang(r *http.Request) string {
	userLang := ""
	if sess := sessionFrom(r.Context()); sess != nil {
		userLang = sess.user.Lang
	}
	return pickLang(r, userLang, s.cfg.Language)
}

// location is the time zone pages print times in: the user's recipient
// zone, else the business-hours zone, else UTC.
func (s *Server) location(u *user) *time.Location {
	zone := ""
	if u != nil && u.Recipient != "" {
		zone = s.cfg.Recipients[u.Recipient].Timezone
	}
	if zone == "" {
		zone = s.cfg.Report.BusinessHours.Timezone
	}
	if loc, err := time.LoadLocation(zone); err == nil && zone != "" {
		return loc
	}
	return time.UTC
}

func (s *Server) base(r *http.Request, current string) pageBase {
	lang := s.lang(r)
	p := pageBase{Lang: lang, T: messages[lang], Nonce: nonceFrom(r.Context()), Path: r.URL.RequestURI(), loc: time.UTC}
	p.OtherLang = "en"
	if lang == "en" {
		p.OtherLang = "es"
	}
	if sess := sessionFrom(r.Context()); sess != nil {
		p.User, p.CSRF = sess.user, sess.csrf
		p.loc = s.location(sess.user)
		add := func(href, key string, perm permission) {
			if can(sess.user.Role, perm) {
				p.Nav = append(p.Nav, navLink{Href: href, Label: p.T[key], Current: current == href})
			}
		}
		add("/", "nav_inbox", permInbox)
		add("/reports", "nav_reports", permReports)
		add("/admin/rules", "nav_rules", permAdmin)
		add("/admin/users", "nav_users", permAdmin)
	}
	return p
}

// render executes a page into a buffer first, so a template error never
// sends half a page.
func (s *Server) render(w http.ResponseWriter, page string, data any) error {
	var b bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&b, "layout", data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := w.Write(b.Bytes())
	return err
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps a post-login redirect on this site: a path, never
// //host or a scheme.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

type loginPage struct {
	pageBase
	Next, Error, Pre string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if sessionFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.showLogin(w, r, "", http.StatusOK)
}

// showLogin renders the form with a fresh pre-session token (double-submit
// cookie) that the POST must echo, so a login cannot be forged from
// another site.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, errKey string, code int) error {
	pre := randomToken(24)
	http.SetCookie(w, &http.Cookie{Name: preCookie, Value: pre, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.cfg.Web.SecureCookies, MaxAge: 3600})
	d := loginPage{pageBase: s.base(r, ""), Next: safeNext(r.FormValue("next")), Pre: pre}
	d.Title = d.T["login_title"]
	if errKey != "" {
		d.Error = d.T[errKey]
	}
	w.Header().Set("Cache-Control", "no-store")
	var b bytes.Buffer
	if err := s.pages["login.html"].ExecuteTemplate(&b, "layout", d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, err := w.Write(b.Bytes())
	return err
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, err)
	}
	if !s.limiter.allow(clientIP(r), s.now()) {
		s.metrics.logins.WithLabelValues("limited").Inc()
		w.Header().Set("Retry-After", "60")
		return s.showLogin(w, r, "login_slow", http.StatusTooManyRequests)
	}
	if !equalToken(r.PostFormValue(csrfField), cookieValue(r, preCookie)) {
		return &httpError{code: http.StatusForbidden, key: "err_csrf", err: errCSRF}
	}
	login := strings.TrimSpace(r.PostFormValue("user"))
	password := r.PostFormValue("password")
	u := s.users[login]
	hash := string(dummyHash())
	if u != nil {
		hash = u.hash
	}
	if ok := checkPassword(hash, password); !ok || u == nil {
		s.metrics.logins.WithLabelValues("failed").Inc()
		s.log.Info("login failed", "user", login, "ip", clientIP(r))
		return s.showLogin(w, r, "login_failed", http.StatusUnauthorized)
	}
	if old := cookieValue(r, sessionCookie); old != "" {
		s.sessions.delete(old)
	}
	sess := s.sessions.create(u)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.Web.SecureCookies, MaxAge: int(s.sessions.ttl / time.Second)})
	http.SetCookie(w, &http.Cookie{Name: preCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true})
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.log.Info("login", "user", login, "role", u.Role)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	sess := sessionFrom(r.Context())
	if sess != nil {
		if err := checkCSRF(r, sess); err != nil {
			return &httpError{code: http.StatusForbidden, key: "err_csrf", err: err}
		}
		s.sessions.delete(sess.id)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.Web.SecureCookies})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// setLang stores the language toggle in a cookie and goes back.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) error {
	l := r.URL.Query().Get("l")
	if l != "es" && l != "en" {
		return errStatus(http.StatusBadRequest, nil)
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.Web.SecureCookies, HttpOnly: true})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
	return nil
}
