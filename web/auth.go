package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/escucha/escucha/config"
)

// Cookie names.
const (
	sessionCookie = "escucha_session"
	preCookie     = "escucha_login"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// user is a person who may log in.
type user struct {
	Login, Name, Role, Lang, Recipient string
	hash                               string
}

// permission is something a role may do.
type permission int

const (
	permInbox   permission = iota // read the inbox
	permAct                       // act on mentions and alerts
	permReports                   // read the reports
	permAdmin                     // rules and users pages
)

// can reports whether role has permission p: comms reads and acts on the
// inbox; ops reads the inbox and the reports; admin does everything.
func can(role string, p permission) bool {
	switch role {
	case config.RoleAdmin:
		return true
	case config.RoleComms:
		return p == permInbox || p == permAct
	case config.RoleOps:
		return p == permInbox || p == permReports
	}
	return false
}

// session is one login.
type session struct {
	id      string
	user    *user
	csrf    string
	expires time.Time
}

// sessions keeps logins in memory: a restart logs everyone out, and no
// session secret is ever written to disk.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, ttl: ttl, now: now}
}

func (ss *sessions) create(u *user) *session {
	s := &session{id: randomToken(32), user: u, csrf: randomToken(32), expires: ss.now().Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for id, old := range ss.m {
		if now.After(old.expires) {
			delete(ss.m, id)
		}
	}
	ss.m[hashID(s.id)] = s
	return s
}

func (ss *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	k := hashID(id)
	s := ss.m[k]
	if s == nil {
		return nil
	}
	if ss.now().After(s.expires) {
		delete(ss.m, k)
		return nil
	}
	return s
}

func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, hashID(id))
}

// hashID keys the session map by a hash of the cookie, so a timing side
// channel in the map lookup does not reveal session ids.
func hashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// randomToken returns n random bytes, base64url encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

func equalToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// dummyHash is compared against when the login name is unknown, so the
// answer takes as long as for a known user. It is made on first use: a
// bcrypt hash costs ~50 ms, which every command (escucha classify, ack…)
// would otherwise pay at start.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("escucha-dummy-password"), bcrypt.DefaultCost)
	return h
})

// checkPassword compares a password with a bcrypt or argon2id (PHC) hash.
func checkPassword(hash, password string) bool {
	if strings.HasPrefix(hash, "$argon2id$") {
		return checkArgon2id(hash, password)
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// checkArgon2id verifies $argon2id$v=19$m=65536,t=3,p=2$salt$key.
func checkArgon2id(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[2] != "v=19" {
		return false
	}
	var m, t uint32
	var p uint8
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return false
		}
		switch k {
		case "m":
			m = uint32(n)
		case "t":
			t = uint32(n)
		case "p":
			p = uint8(min(n, 255))
		}
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || m == 0 || t == 0 || p == 0 || len(key) == 0 || m > 1<<22 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// loginLimiter rate-limits login attempts per client IP.
type loginLimiter struct {
	mu    sync.Mutex
	m     map[string]*rate.Limiter
	every time.Duration
	burst int
}

func newLoginLimiter(every time.Duration, burst int) *loginLimiter {
	return &loginLimiter{m: map[string]*rate.Limiter{}, every: every, burst: burst}
}

func (l *loginLimiter) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.m[ip]
	if lim == nil {
		if len(l.m) > 10000 {
			clear(l.m) // bounded memory under a spray of addresses
		}
		lim = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.m[ip] = lim
	}
	return lim.AllowN(now, 1)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type ctxKey int

const (
	keySession ctxKey = iota
	keyNonce
)

func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(keySession).(*session)
	return s
}

func nonceFrom(ctx context.Context) string {
	n, _ := ctx.Value(keyNonce).(string)
	return n
}

// errCSRF is the cause of a refused action without a valid CSRF token.
var errCSRF = errors.New("missing or wrong CSRF token")

// checkCSRF verifies the token of a state-changing request: the form field
// csrf or the X-CSRF-Token header must equal the session's token.
func checkCSRF(r *http.Request, s *session) error {
	tok := r.Header.Get(csrfHeader)
	if tok == "" {
		tok = r.PostFormValue(csrfField)
	}
	if s == nil || !equalToken(tok, s.csrf) {
		return errCSRF
	}
	return nil
}

// buildUsers reads the users of the config. In demo mode with no users it
// creates an admin with a random password, returned once for the log.
func buildUsers(cfg config.Config) (map[string]*user, string, error) {
	users := map[string]*user{}
	for login, u := range cfg.Web.Users {
		if err := config.CheckPasswordHash(u.PasswordHash); err != nil {
			return nil, "", fmt.Errorf("web.users.%s.password_hash: %w", login, err)
		}
		users[login] = &user{Login: login, Name: u.Name, Role: u.Role, Lang: u.Language, Recipient: u.Recipient, hash: u.PasswordHash}
	}
	if len(users) > 0 || !cfg.Demo {
		return users, "", nil
	}
	password := randomToken(12)
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return nil, "", fmt.Errorf("demo admin password: %w", err)
	}
	users["admin"] = &user{Login: "admin", Name: "Admin", Role: config.RoleAdmin, hash: string(h)}
	return users, password, nil
}
