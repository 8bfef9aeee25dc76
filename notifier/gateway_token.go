package notifier

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// Signed action links let a push notification's button act on an alert
// without a login: the link names one alert, one action and an expiry,
// signed with HMAC-SHA256 under the action key.
//
//	token = base64url(alert_id "\n" action "\n" expiry_unix) "." base64url(HMAC(key, "escucha-action-v1\n" + payload))

// Errors of VerifyActionToken.
var (
	// ErrTokenInvalid is returned for a malformed or forged action token.
	ErrTokenInvalid = errors.New("invalid action link")
	// ErrTokenExpired is returned for a well-signed token past its expiry.
	ErrTokenExpired = errors.New("action link expired")
)

const (
	actionTokenDomain = "escucha-action-v1\n"
	// DefaultActionTokenTTL is how long an action link stays valid when
	// delivery.action_token_ttl is 0.
	DefaultActionTokenTTL = 24 * time.Hour
	// actionKeyFile holds the generated action key under the data dir.
	actionKeyFile = "action.key"
	// minActionKey is the shortest configured key accepted, in bytes.
	minActionKey = 16
)

// ActionToken is what a verified token grants.
type ActionToken struct {
	AlertID string
	Action  escucha.ActionKind
	Expires time.Time
}

// SignActionToken returns a token allowing action on alertID until exp.
func SignActionToken(key []byte, alertID string, action escucha.ActionKind, exp time.Time) string {
	payload := alertID + "\n" + string(action) + "\n" + strconv.FormatInt(exp.Unix(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
		base64.RawURLEncoding.EncodeToString(actionMAC(key, payload))
}

// VerifyActionToken checks a token's signature and expiry at now. A bad
// token wraps ErrTokenInvalid; an expired one wraps ErrTokenExpired (and
// still returns what it named).
func VerifyActionToken(key []byte, token string, now time.Time) (ActionToken, error) {
	p64, m64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 2048 {
		return ActionToken{}, ErrTokenInvalid
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, actionMAC(key, string(payload))) {
		return ActionToken{}, ErrTokenInvalid
	}
	parts := strings.Split(string(payload), "\n")
	if len(parts) != 3 {
		return ActionToken{}, ErrTokenInvalid
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	kind := escucha.ActionKind(parts[1])
	if err != nil || !kind.Valid() || parts[0] == "" {
		return ActionToken{}, ErrTokenInvalid
	}
	t := ActionToken{AlertID: parts[0], Action: kind, Expires: time.Unix(exp, 0).UTC()}
	if !now.Before(t.Expires) {
		return t, ErrTokenExpired
	}
	return t, nil
}

func actionMAC(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(actionTokenDomain))
	h.Write([]byte(payload))
	return h.Sum(nil)
}

// ActionURL returns the link a button posts to: <publicURL>/a/<token>.
func ActionURL(publicURL string, key []byte, alertID string, action escucha.ActionKind, exp time.Time) string {
	return strings.TrimRight(publicURL, "/") + "/a/" + SignActionToken(key, alertID, action, exp)
}

// LoadActionKey returns the HMAC key of action links: delivery.action_key
// when set (at least 16 bytes), otherwise the key in
// <data_dir>/action.key, generated (32 random bytes, mode 0600) the first
// time. It is a key escucha makes for itself, not a user secret: anyone
// who can read the data dir could read the store anyway. Deleting the file
// invalidates every link already sent.
func LoadActionKey(cfg config.Config) ([]byte, error) {
	if cfg.Delivery.ActionKey.IsSet() {
		s, err := cfg.Delivery.ActionKey.Resolve()
		if err != nil {
			return nil, fmt.Errorf("delivery.action_key: %w", err)
		}
		if len(s) < minActionKey {
			return nil, fmt.Errorf("delivery.action_key: %s is shorter than %d bytes", cfg.Delivery.ActionKey, minActionKey)
		}
		return []byte(s), nil
	}
	if cfg.DataDir == "" {
		return nil, errors.New("action key: data_dir is empty")
	}
	path := filepath.Join(cfg.DataDir, actionKeyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(data)))
		if err != nil || len(key) < minActionKey {
			return nil, fmt.Errorf("action key %s is damaged (delete it to make a new one; links already sent stop working)", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read action key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate action key: %w", err)
	}
	if err := writeKeyFile(path, []byte(hex.EncodeToString(key)+"\n")); err != nil {
		return nil, fmt.Errorf("write action key: %w", err)
	}
	return key, nil
}

// writeKeyFile writes a key file with mode 0600, atomically, refusing to
// replace one that appeared meanwhile.
func writeKeyFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Link(f.Name(), path)
}
