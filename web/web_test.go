package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	"github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/report"
	"github.com/escucha/escucha/store"
)

func keysIn(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`data-key="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestLoginInboxAndFilters(t *testing.T) {
	e := newEnv(t)
	c := e.client()

	resp, _ := c.get("/?label=complaint")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login?next=%2F%3Flabel%3Dcomplaint", resp.Header.Get("Location"))
	resp, _ = c.get("/api/mentions")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	require.Equal(t, http.StatusUnauthorized, c.login("ana", "wrong").StatusCode)
	require.Equal(t, http.StatusUnauthorized, c.login("nobody", "ana-secret").StatusCode)
	require.Equal(t, http.StatusSeeOther, c.login("ana", "ana-secret").StatusCode)
	require.NotEmpty(t, c.csrf)

	resp, page := c.get("/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, page, "Menciones señaladas", "Spanish by default")
	require.Contains(t, page, "Ana Núñez")
	require.Equal(t, []string{"x/4", "demo/3", "x/2", "x/1"}, keysIn(page), "flagged only, newest first")
	require.Contains(t, page, "20 nov 2026, 10:30", "dates in Spanish, in Madrid time (posted 09:30 UTC)")

	for q, want := range map[string][]string{
		"label=suggestion":                  {"x/2"},
		"severity=high":                     {"x/1"},
		"source=demo":                       {"demo/3"},
		"lang=en":                           {"x/2"},
		"recipient=elena":                   {"x/1"},
		"q=DARK+MODE":                       {"x/2"},
		"q=usuaria+4":                       {"x/4"},
		"status=open&label=complaint":       {"x/4", "demo/3", "x/1"},
		"since=2026-11-20&until=2026-11-20": {"x/4", "demo/3", "x/2", "x/1"},
		"until=2026-11-19":                  nil,
		"status=resolved":                   nil,
	} {
		_, page := c.get("/?" + q)
		require.Equal(t, want, keysIn(page), q)
		_, list := c.get("/inbox/list?" + q)
		require.Equal(t, want, keysIn(list), "partial list "+q)
		require.NotContains(t, list, "<html", "the partial is only the list")
	}

	total, items := c.mentions("/api/mentions?label=complaint")
	require.Equal(t, 3, total)
	require.Equal(t, "x/4", items[0].Key)
	require.Equal(t, hostileText, items[1].Mention.Text, "JSON carries the raw text (encoded as JSON)")
	require.Equal(t, store.StatusOpen, items[0].Review.Status)

	resp, _ = c.get("/?since=yesterday")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// The alert link of an alert message leads to its mention.
	resp, _ = c.get("/alerts/" + url.PathEscape(escucha.AlertID("x/1", "elena", 0)))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/mention?key=x%2F1", resp.Header.Get("Location"))
}

func TestMentionDetailHighlightsRulesAndLedger(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("ana", "ana-secret")
	resp, page := c.get("/mention?key=x%2F1")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, page, `la app <mark class="hit" title="es.complaint.nofunciona" data-rules="es.complaint.nofunciona">no funciona</mark>, @volta_ayuda`)
	require.Contains(t, page, "es.complaint.nofunciona")
	require.Contains(t, page, "El producto no funciona", "the rule's explanation")
	require.Contains(t, page, "1200 seguidores")
	require.Contains(t, page, "Alerta enviada")
	require.Contains(t, page, "&#43;20s", "post→alert in the ledger")
	require.Contains(t, page, "elena")
	require.Contains(t, page, `href="https://x.com/u/status/1"`)
	resp, _ = c.get("/mention?key=x%2Fnope")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestHighlightSpans(t *testing.T) {
	text := "ñandú no funciona nada"
	segs := highlight(text, []escucha.RuleHit{
		{ID: "a", Spans: []escucha.Span{{Start: 8, End: 19}}},  // "no funciona"
		{ID: "b", Spans: []escucha.Span{{Start: 11, End: 24}}}, // "funciona nada", overlaps
		{ID: "c", Spans: []escucha.Span{{Start: 1, End: 3}}},   // splits ñ: ignored
		{ID: "d", Spans: []escucha.Span{{Start: 20, End: 99}}}, // out of range: ignored
	})
	require.Equal(t, []segment{{Text: "ñandú "}, {Text: "no funciona nada", Hit: true, Rules: "a b"}}, segs)
	var joined strings.Builder
	for _, s := range segs {
		joined.WriteString(s.Text)
	}
	require.Equal(t, text, joined.String())
}

func TestReviewActionsUpdateStoreAndLedger(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("ana", "ana-secret")
	ctx := t.Context()

	resp, _ := c.action("x/1", url.Values{"op": {"assign"}, "assignee": {"ana"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/mention?key=x%2F1&done=1", resp.Header.Get("Location"))
	_, page := c.get("/?assignee=me")
	require.Equal(t, []string{"x/1"}, keysIn(page))

	resp, _ = c.action("x/1", url.Values{"op": {"ack"}, "alert_id": {escucha.AlertID("x/1", "comms", 0)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	a := <-e.acts
	require.Equal(t, escucha.Action{AlertID: "x/1/comms/0", Action: escucha.ActionAck, At: t0, By: "ana"}, a)
	resp, _ = c.action("x/1", url.Values{"op": {"ack"}, "alert_id": {escucha.AlertID("x/2", "comms", 0)}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "an alert of another mention")

	resp, _ = c.action("x/1", url.Values{"op": {"respond"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	// The notifier is told, once per recipient, so escalation stops.
	got := []escucha.Action{<-e.acts, <-e.acts}
	require.ElementsMatch(t, []string{"x/1/comms/0", "x/1/elena/0"}, []string{got[0].AlertID, got[1].AlertID})
	require.Equal(t, escucha.ActionResponded, got[0].Action)
	c.action("x/1", url.Values{"op": {"resolve"}})
	<-e.acts
	<-e.acts
	c.action("x/1", url.Values{"op": {"reopen"}})
	resp, _ = c.action("x/1", url.Values{"op": {"note"}, "text": {"Llamé a la clienta <b>hoy</b>"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	rec, err := e.st.Mention(ctx, "x/1")
	require.NoError(t, err)
	require.True(t, rec.Ledger.RespondedAt.Equal(t0))
	require.True(t, rec.Ledger.ResolvedAt.Equal(t0))
	require.True(t, rec.Ledger.AckedAt.Equal(t0))
	rv, err := e.st.Review(ctx, "x/1")
	require.NoError(t, err)
	require.Equal(t, store.StatusOpen, rv.Status)
	require.Equal(t, "ana", rv.Assignee)
	require.Len(t, rv.History, 5)

	_, page = c.get("/mention?key=x%2F1&done=1")
	require.Contains(t, page, "Hecho.")
	require.Contains(t, page, "Llamé a la clienta &lt;b&gt;hoy&lt;/b&gt;")
	require.Contains(t, page, "reabrió")

	// Corrections feed the rules page.
	resp, _ = c.action("x/4", url.Values{"op": {"correct"}, "correction": {"false_positive"}, "text": {"es un elogio"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = c.action("x/2", url.Values{"op": {"correct"}, "correction": {"wrong_label"}, "label": {"complaint"}, "severity": {"medium"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, body := c.action("x/2", url.Values{"op": {"correct"}, "correction": {"wrong_severity"}, "severity": {"bogus"}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "invalid review action")
	_, page = c.get("/?status=false_positive")
	require.Equal(t, []string{"x/4"}, keysIn(page))
	_, page = c.get("/?label=complaint")
	require.Equal(t, []string{"demo/3", "x/2", "x/1"}, keysIn(page), "filters use the corrected verdict")

	admin := e.client()
	admin.login("root", "root-secret")
	resp, page = admin.get("/admin/rules")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Regexp(t, `<code>es.complaint.nofunciona</code></td><td>3</td><td>2</td><td>1</td><td>33.3%</td>`, page)
	_, body = admin.get("/api/rules")
	var stats []store.RuleStat
	require.NoError(t, json.Unmarshal([]byte(body), &stats))
	require.Equal(t, "es.complaint.nofunciona", stats[0].Rule)
	require.Equal(t, []string{"x/4"}, stats[0].Examples)
}

func TestJSONAPIAction(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("ana", "ana-secret")
	body := `{"key":"x/2","op":"resolve"}`
	resp, out := c.do("POST", "/api/mention/action", nil, map[string]string{"Content-Type": "application/json", csrfHeader: c.csrf})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "empty body: %s", out)
	req, err := http.NewRequest("POST", e.http.URL+"/api/mention/action", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(csrfHeader, c.csrf)
	r, err := c.c.Do(req)
	require.NoError(t, err)
	defer r.Body.Close()
	require.Equal(t, http.StatusOK, r.StatusCode)
	var rv store.Review
	require.NoError(t, json.NewDecoder(r.Body).Decode(&rv))
	require.Equal(t, store.StatusResolved, rv.Status)
	<-e.acts
	_, detail := c.get("/api/mention?key=x%2F2")
	require.Contains(t, detail, `"status": "resolved"`)
	require.Contains(t, detail, `"alert_records"`)
}

func TestCSRFIsRequired(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("ana", "ana-secret")

	resp, page := c.post("/mention/action", url.Values{"key": {"x/1"}, "op": {"resolve"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, page, "La sesión del formulario ha caducado")
	resp, _ = c.post("/mention/action", url.Values{"key": {"x/1"}, "op": {"resolve"}, "csrf": {"forged"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = c.do("POST", "/api/mention/action", url.Values{"key": {"x/1"}, "op": {"resolve"}}, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	// A token of another session does not work either.
	other := e.client()
	other.login("root", "root-secret")
	resp, _ = c.post("/mention/action", url.Values{"key": {"x/1"}, "op": {"resolve"}, "csrf": {other.csrf}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	// A cross-site browser request is refused even with the token.
	resp, _ = c.do("POST", "/mention/action", url.Values{"key": {"x/1"}, "op": {"resolve"}, "csrf": {c.csrf}},
		map[string]string{"Sec-Fetch-Site": "cross-site"})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	// Logging out needs the token too.
	resp, _ = c.post("/logout", url.Values{})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	rv, err := e.st.Review(t.Context(), "x/1")
	require.NoError(t, err)
	require.Empty(t, rv.History, "nothing was applied")

	// A login form post without its pre-session token is refused.
	anon := e.client()
	resp, _ = anon.post("/login", url.Values{"user": {"ana"}, "password": {"ana-secret"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	resp, _ = c.post("/logout", url.Values{"csrf": {c.csrf}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = c.get("/")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "logged out")
}

func TestRoles(t *testing.T) {
	e := newEnv(t)
	comms, ops, admin := e.client(), e.client(), e.client()
	comms.login("ana", "ana-secret")
	ops.login("oscar", "oscar-secret")
	admin.login("root", "root-secret")
	for _, p := range []string{"/admin/rules", "/admin/users", "/admin/labels.jsonl", "/api/rules", "/api/rules/missed", "/reports", "/reports.csv"} {
		resp, body := comms.get(p)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, p)
		require.NotContains(t, body, "es.complaint.nofunciona", p)
	}
	_, page := comms.get("/")
	require.NotContains(t, page, `href="/admin/rules"`, "no link to admin pages")

	resp, page := ops.get("/mention?key=x%2F1")
	require.Equal(t, http.StatusOK, resp.StatusCode, "ops reads the inbox")
	require.Contains(t, page, "Read only", "ops prefers English")
	require.NotContains(t, page, `name="op" value="resolve"`)
	resp, _ = ops.action("x/1", url.Values{"op": {"resolve"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = ops.get("/reports")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = ops.get("/admin/users")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	for _, p := range []string{"/", "/reports", "/admin/rules", "/admin/users"} {
		resp, _ := admin.get(p)
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
	}
	_, page = admin.get("/admin/users")
	require.Contains(t, page, "Ana Núñez")
	require.NotContains(t, page, "$2a$", "hashes never shown")
}

func TestHostileTextIsEscapedEverywhere(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login("root", "root-secret")
	c.action("demo/3", url.Values{"op": {"note"}, "text": {`<img src=x onerror=alert(1)>`}})
	for _, p := range []string{"/", "/inbox/list", "/mention?key=demo%2F3", "/?q=" + url.QueryEscape(`"><script>x</script>`)} {
		_, page := c.get(p)
		require.NotContains(t, page, "<script>document", p)
		require.NotContains(t, page, "<img src=x", p)
		require.NotContains(t, page, "<script>x", p)
	}
	_, page := c.get("/mention?key=demo%2F3")
	require.Contains(t, page, "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;")
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Config.Web.SecureCookies = true })
	c := e.client()
	resp, _ := c.get("/login")
	csp := resp.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "default-src 'self'")
	require.Contains(t, csp, "script-src 'self';")
	require.Contains(t, csp, "frame-ancestors 'none'")
	require.NotContains(t, csp, "unsafe-inline")
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "same-origin", resp.Header.Get("Referrer-Policy"))
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))

	_, page := c.get("/login")
	token := csrfInput.FindStringSubmatch(page)[1]
	resp, _ = c.post("/login", url.Values{"csrf": {token}, "user": {"ana"}, "password": {"ana-secret"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sess = ck
		}
	}
	require.NotNil(t, sess)
	require.True(t, sess.HttpOnly)
	require.True(t, sess.Secure)
	require.Equal(t, http.SameSiteLaxMode, sess.SameSite)
	require.GreaterOrEqual(t, len(sess.Value), 40, "a long random id")

	// Open redirects are refused.
	require.Equal(t, "/", safeNext("//evil.example/x"))
	require.Equal(t, "/", safeNext("https://evil.example"))
	require.Equal(t, "/", safeNext(`/\evil.example`))
	require.Equal(t, "/reports?by=week", safeNext("/reports?by=week"))
}

func TestLoginIsRateLimited(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	codes := []int{}
	for range 7 {
		codes = append(codes, c.login("ana", "guess").StatusCode)
	}
	require.Equal(t, []int{401, 401, 401, 401, 401, 429, 429}, codes)
	// Even the right password waits.
	require.Equal(t, http.StatusTooManyRequests, c.login("ana", "ana-secret").StatusCode)
	_, metrics := c.get("/metrics")
	require.Contains(t, metrics, `escucha_web_logins_total{result="limited"} 3`)
}

func TestArgon2idPasswords(t *testing.T) {
	salt := []byte("somesalt16bytes!")
	key := argon2.IDKey([]byte("secreto"), salt, 2, 4096, 1, 32)
	h := fmt.Sprintf("$argon2id$v=19$m=4096,t=2,p=1$%s$%s", base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	require.NoError(t, config.CheckPasswordHash(h))
	require.True(t, checkPassword(h, "secreto"))
	require.False(t, checkPassword(h, "otro"))
	require.False(t, checkPassword(strings.Replace(h, "v=19", "v=16", 1), "secreto"))
	require.False(t, checkPassword("$argon2id$v=19$m=0,t=2,p=1$c2FsdA$a2V5", "secreto"))
	require.False(t, checkPassword("$argon2id$broken", "secreto"))
}

func TestReportsPageIsTheReportPage(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	require.NoError(t, e.st.RecordAction(ctx, escucha.Action{AlertID: "x/1/comms/0", Action: escucha.ActionAck, At: t0.Add(-3*time.Hour + 5*time.Minute)}))
	c := e.client()
	c.login("oscar", "oscar-secret")
	resp, page := c.get("/reports?since=7d&by=severity")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, page, "Time to response")
	require.Contains(t, page, `id="sla-chart"`)
	require.Contains(t, page, "Business hours")
	require.Contains(t, page, `<option value="week">Week</option>`)
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(resp.Header.Get("Content-Security-Policy"))
	require.NotNil(t, nonce)
	require.Contains(t, page, `<style nonce="`+nonce[1]+`">`)

	// The same report as `escucha report --format html` writes to a file.
	opts, err := report.FromConfig(e.srv.cfg)
	require.NoError(t, err)
	opts.Since, opts.By, opts.Language, opts.Now = t0.AddDate(0, 0, -7), "severity", "en", func() time.Time { return t0 }
	rep, err := report.Build(ctx, e.st, opts)
	require.NoError(t, err)
	var file bytes.Buffer
	require.NoError(t, rep.Render(&file, "html"))
	body := func(s string) string { return s[strings.Index(s, `<h2>`):] }
	require.Equal(t, body(file.String()), body(page))

	resp, csv := c.get("/reports.csv?since=7d&by=week")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(csv, strings.Join(report.CSVHeader, ",")+"\n"))
	require.Contains(t, csv, "2026-W47,alert_to_ack,1,3,280,280,280,900,1,0,0,0,1\n", "alert→ack 4m40s, all before 09:00 in Madrid: 0s of business hours")
	resp, _ = c.get("/reports?by=nonsense")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	_, js := c.get("/api/report?since=7d")
	require.Contains(t, js, `"mentions": 4`)
}

func TestLanguageToggleAndCatalog(t *testing.T) {
	for key := range messages["es"] {
		require.NotEmpty(t, messages["en"][key], "en lacks %s", key)
		require.NotEmpty(t, messages["es"][key], "es %s is empty", key)
	}
	for key := range messages["en"] {
		require.NotEmpty(t, messages["es"][key], "es lacks %s", key)
	}
	e := newEnv(t)
	c := e.client()
	c.login("ana", "ana-secret")
	resp, _ := c.get("/lang?l=en&next=%2F%3Flabel%3Dcomplaint")
	require.Equal(t, "/?label=complaint", resp.Header.Get("Location"))
	_, page := c.get("/")
	require.Contains(t, page, "Flagged mentions")
	require.Contains(t, page, "Nov 20, 2026, 10:30")
	require.Contains(t, page, `<html lang="en">`)
	resp, _ = c.get("/lang?l=fr")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestDemoAdminWithoutUsers(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Config.Web.Users = nil
		o.Config.Demo = true
	})
	login, password := e.srv.DemoCredentials()
	require.Equal(t, "admin", login)
	require.Len(t, password, 16)
	require.Contains(t, e.logs.String(), "review inbox: demo login admin")
	require.NotContains(t, e.logs.String(), password, "a password is never logged")
	c := e.client()
	require.Equal(t, http.StatusSeeOther, c.login("admin", password).StatusCode)
	resp, _ := c.get("/admin/rules")
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Without demo mode and users nobody can log in, and nothing is made up.
	e2 := newEnv(t, func(o *Options) { o.Config.Web.Users = nil })
	l, p := e2.srv.DemoCredentials()
	require.Empty(t, l+p)
}

func TestHealthReadyMetricsAndMounts(t *testing.T) {
	ready := false
	e := newEnv(t, func(o *Options) {
		o.Ready = func() bool { return ready }
		o.Mobile = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("mobile " + r.URL.Path)) })
		o.Extra = map[string]http.Handler{"GET /push/key": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("key")) })}
	})
	c := e.client()
	resp, _ := c.get("/healthz")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = c.get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	ready = true
	resp, _ = c.get("/readyz")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	c.login("ana", "ana-secret")
	resp, m := c.get("/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, m, `escucha_web_logins_total{result="ok"} 1`)
	_, body := c.get("/m/alert/1")
	require.Equal(t, "mobile /m/alert/1", body)
	resp, _ = c.get("/m")
	require.Equal(t, "/m/", resp.Header.Get("Location"))
	_, body = c.get("/push/key")
	require.Equal(t, "key", body)
	resp, _ = c.get("/nope")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, js := c.get("/static/app.js")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, js, "EventSource")
}

func TestLiveUpdatesFromNATSAndActions(t *testing.T) {
	_, nc := testutil.RunJetStream(t)
	e := newEnv(t, func(o *Options) { o.NATS = nc; o.Prefix = "escucha" })
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- e.srv.Run(ctx, "127.0.0.1:0", ready) }()
	addr := <-ready

	c := e.client()
	c.login("ana", "ana-secret")
	req, err := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/events", nil)
	require.NoError(t, err)
	u, _ := url.Parse(e.http.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := bufio.NewScanner(resp.Body)
	next := func() string {
		for lines.Scan() {
			if l := lines.Text(); strings.HasPrefix(l, "data: ") {
				return l
			}
		}
		return ""
	}
	// The stream is open once the first comment arrived.
	require.True(t, lines.Scan())
	require.Equal(t, "retry: 3000", lines.Text())

	msg, _ := json.Marshal(map[string]any{"mention": map[string]string{"source": "x", "id": "99"}})
	require.Eventually(t, func() bool {
		e.srv.hub.mu.Lock()
		defer e.srv.hub.mu.Unlock()
		return len(e.srv.hub.subs) == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, nc.Publish("escucha.mentions.x", msg))
	require.Equal(t, `data: {"key":"x/99"}`, next())
	require.NoError(t, nc.Publish("escucha.events", []byte(`{"type":"acked","alert_id":"x/1/comms/0"}`)))
	require.Equal(t, `data: {"key":"x/1"}`, next())
	c.action("x/2", url.Values{"op": {"assign"}, "assignee": {"ana"}})
	require.Equal(t, `data: {"key":"x/2"}`, next())

	// Shutting down ends open streams: Run returns promptly.
	cancel()
	select {
	case err := <-errc:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel with an open event stream")
	}
}

func TestNewRejectsBadHashes(t *testing.T) {
	cfg := testConfig(t)
	cfg.Web.Users["bad"] = config.User{Role: config.RoleComms, PasswordHash: "plaintext"}
	_, err := New(Options{Config: cfg, Store: testutil.TempStore(t)})
	require.ErrorContains(t, err, "web.users.bad.password_hash")
	_, err = New(Options{Config: testConfig(t)})
	require.Error(t, err)
}

func TestNotFlaggedInboxAndMissedCorrection(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	c := e.client()
	c.login("ana", "ana-secret")
	alertsBefore, err := e.st.Alerts(ctx, store.AlertQuery{})
	require.NoError(t, err)

	// Two tabs: the flagged mentions (the default, unchanged) and the rest.
	_, page := c.get("/")
	require.Equal(t, []string{"x/4", "demo/3", "x/2", "x/1"}, keysIn(page))
	require.Contains(t, page, `<a href="/" id="tab-flagged" class="current" aria-current="page">Señaladas</a><a href="/?flagged=no" id="tab-not-flagged">No señaladas</a>`)
	_, page = c.get("/?flagged=no")
	require.Equal(t, []string{"x/5"}, keysIn(page))
	require.Contains(t, page, "<h1>Menciones no señaladas")
	require.Contains(t, page, `id="tab-not-flagged" class="current"`)
	require.Contains(t, page, `<input type="hidden" name="flagged" value="no">`, "the filter form keeps the tab")
	require.Contains(t, page, `<span class="badge label-other">Otra</span>`)
	_, page = c.get("/?flagged=yes")
	require.Equal(t, []string{"x/4", "demo/3", "x/2", "x/1"}, keysIn(page))
	_, list := c.get("/inbox/list?flagged=no")
	require.Equal(t, []string{"x/5"}, keysIn(list))
	resp, _ := c.get("/?flagged=maybe")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	total, items := c.mentions("/api/mentions?flagged=no")
	require.Equal(t, 1, total)
	require.Equal(t, "x/5", items[0].Key)

	// The page of an unflagged mention offers "a complaint / a suggestion".
	_, page = c.get("/mention?key=x%2F5")
	require.Contains(t, page, `id="missed-form"`)
	require.Contains(t, page, `<input type="hidden" name="correction" value="wrong_label">`)
	require.Contains(t, page, "¿Se les pasó a las reglas?")
	require.Contains(t, page, "Corregirla no envía ninguna alerta.")
	require.NotContains(t, page, `id="correct-form"`, "no false positive of a mention nobody flagged")
	require.Contains(t, page, `<a href="/?flagged=no">`, "back to its tab")
	_, page = c.get("/mention?key=x%2F1")
	require.Contains(t, page, `id="correct-form"`)
	require.NotContains(t, page, `id="missed-form"`)

	// Correct it with the form's POST: it becomes a complaint, stays in the
	// not-flagged list with its corrected label, and nobody is alerted.
	resp, _ = c.action("x/5", url.Values{"op": {"correct"}, "correction": {"wrong_label"}, "label": {"complaint"}, "severity": {"high"}, "text": {"<b>se les pasó</b>"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	select {
	case a := <-e.acts:
		t.Fatalf("a correction told the notifier: %+v", a)
	default:
	}
	alertsAfter, err := e.st.Alerts(ctx, store.AlertQuery{})
	require.NoError(t, err)
	require.Len(t, alertsAfter, len(alertsBefore), "no alert for a correction")
	_, page = c.get("/?flagged=no")
	require.Equal(t, []string{"x/5"}, keysIn(page))
	require.Contains(t, page, `<span class="badge label-complaint">Queja</span><span class="badge sev sev-high">Alta</span>`)
	require.Contains(t, page, `<span class="badge corrected">Corregida</span>`)
	_, page = c.get("/?flagged=no&label=complaint")
	require.Equal(t, []string{"x/5"}, keysIn(page))
	_, page = c.get("/?flagged=no&label=other")
	require.Empty(t, keysIn(page))
	_, page = c.get("/?label=complaint")
	require.Equal(t, []string{"x/4", "demo/3", "x/1"}, keysIn(page), "the flagged list is unchanged")
	_, page = c.get("/mention?key=x%2F5")
	require.Contains(t, page, `id="correct-form"`, "once corrected, the usual corrections (severity, back to other)")
	require.Contains(t, page, "Otra → Queja/Alta · &lt;b&gt;se les pasó&lt;/b&gt;")

	// The rules page counts it as missed, and no rule row changes.
	admin := e.client()
	admin.login("root", "root-secret")
	resp, page = admin.get("/admin/rules")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Regexp(t, `<code>es.complaint.nofunciona</code></td><td>3</td><td>0</td><td>0</td>`, page)
	require.Contains(t, page, "Se les pasaron a las reglas")
	require.Contains(t, page, `id="missed-complaints">1</a>`)
	require.Contains(t, page, `id="missed-suggestions">0</a>`)
	require.Contains(t, page, `<a href="/mention?key=x%2f5">x/5</a>`)
	resp, body := admin.get("/api/rules/missed")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"complaints":1,"suggestions":0,"examples":["x/5"]}`, body)
	resp, _ = admin.get("/api/rules/missed?since=yesterday")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = c.get("/api/rules/missed")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "admins only, as /api/rules")
	admin.get("/lang?l=en&next=%2F")
	_, page = admin.get("/admin/rules")
	require.Contains(t, page, "Missed by the rules")
	_, page = admin.get("/?flagged=no")
	require.Contains(t, page, `id="tab-not-flagged" class="current" aria-current="page">Not flagged</a>`)
	require.Contains(t, page, "<h1>Mentions not flagged")

	// The corrections download as labelled data (what escucha export writes).
	_, page = admin.get("/admin/rules")
	require.Contains(t, page, `<a href="/admin/labels.jsonl" id="labels-download" download>Download (JSON Lines)</a>`)
	resp, body = admin.get("/admin/labels.jsonl")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Disposition"), `attachment; filename="escucha-labels-`)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	require.Len(t, lines, 1, "only what a person reviewed")
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &line))
	require.Equal(t, "x/5", line["id"])
	require.Equal(t, "complaint", line["label"])
	require.Equal(t, "high", line["severity"])
	require.Equal(t, "other", line["classifier_label"])
	require.Equal(t, "ana", line["reviewed_by"])
	_, body = admin.get("/admin/labels.jsonl?unreviewed=1")
	require.Len(t, strings.Split(strings.TrimSpace(body), "\n"), 5, "every mention")
	resp, _ = admin.get("/admin/labels.jsonl?since=yesterday-ish")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestNotFlaggedPagingAndEscaping(t *testing.T) {
	e := newEnv(t)
	var items []store.Item
	for i := range pageSize + 5 {
		m := escucha.Mention{Source: "x", ID: fmt.Sprintf("o%02d", i), Text: "Hola número " + fmt.Sprint(i), Lang: "es",
			Author: escucha.Author{Handle: "h"}, PostedAt: t0.Add(-48*time.Hour + time.Duration(i)*time.Minute)}
		items = append(items, store.Item{Mention: m, Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}})
	}
	hostile := escucha.Mention{Source: "x", ID: "evil", Text: hostileText, Lang: "es", Author: escucha.Author{Handle: "h"}, PostedAt: t0.Add(-time.Minute)}
	items = append(items, store.Item{Mention: hostile, Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}})
	_, err := e.st.Commit(t.Context(), store.Batch{Items: items})
	require.NoError(t, err)
	c := e.client()
	c.login("ana", "ana-secret")

	_, page := c.get("/?flagged=no&lang=es")
	require.Len(t, keysIn(page), pageSize)
	require.Equal(t, "x/evil", keysIn(page)[0])
	require.NotContains(t, page, "<script>document")
	require.NotContains(t, page, "<img src=x")
	require.Contains(t, page, "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;")
	require.Contains(t, page, `<span id="total">57</span>`, "55 + x/5 + x/evil")
	require.Contains(t, page, `href="/?flagged=no&amp;lang=es&amp;page=1" rel="next"`)
	require.Contains(t, page, `data-list-url="/inbox/list?flagged=no&amp;lang=es"`)
	require.Contains(t, page, `<a href="/?lang=es" id="tab-flagged">`, "switching tab keeps the filters")
	require.Contains(t, page, `<a href="/?flagged=no" id="filter-clear">`, "clearing the filters keeps the tab")
	_, page = c.get("/?flagged=no&lang=es&page=1")
	require.Len(t, keysIn(page), 7)
	require.Contains(t, page, `href="/?flagged=no&amp;lang=es" rel="prev"`)
	require.Contains(t, page, `data-list-url="/inbox/list?flagged=no&amp;lang=es&amp;page=1"`)
	_, list := c.get("/inbox/list?flagged=no&lang=es&page=1")
	require.Len(t, keysIn(list), 7)

	// With no dates the list is of the last seven days (it reads every
	// mention of its window); a date filter reaches further back.
	old := escucha.Mention{Source: "x", ID: "old", Text: "Hola de hace un mes", Lang: "es", Author: escucha.Author{Handle: "h"}, PostedAt: t0.AddDate(0, 0, -30)}
	_, err = e.st.Commit(t.Context(), store.Batch{Items: []store.Item{{Mention: old, Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}}}})
	require.NoError(t, err)
	_, page = c.get("/?flagged=no&lang=es")
	require.Contains(t, page, `<span id="total">57</span>`)
	require.Contains(t, page, "Sin fechas en el filtro, se ven los últimos 7 días.")
	_, page = c.get("/?flagged=no&lang=es&since=" + t0.AddDate(0, 0, -40).Format(time.DateOnly))
	require.Contains(t, page, `<span id="total">58</span>`)
	_, page = c.get("/?flagged=no&lang=es&until=" + t0.Format(time.DateOnly))
	require.Contains(t, page, `<span id="total">58</span>`, "an until date alone lifts the window too")
}
