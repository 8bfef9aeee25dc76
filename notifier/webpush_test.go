package notifier

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	etestutil "github.com/escucha/escucha/internal/testutil"
	"github.com/escucha/escucha/store"
)

// browserKeys is a browser's side of a push subscription: the key pair
// and auth secret whose public half it gives to the application.
type browserKeys struct {
	priv *ecdh.PrivateKey
	auth []byte
}

func newBrowserKeys(t *testing.T) browserKeys {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	auth := make([]byte, 16)
	_, err = rand.Read(auth)
	require.NoError(t, err)
	return browserKeys{priv: priv, auth: auth}
}

func (k browserKeys) subscription(recipient, endpoint string) store.PushSubscription {
	s := store.PushSubscription{Recipient: recipient, Endpoint: endpoint}
	s.Keys.P256dh = base64.RawURLEncoding.EncodeToString(k.priv.PublicKey().Bytes())
	s.Keys.Auth = base64.RawURLEncoding.EncodeToString(k.auth)
	return s
}

// decrypt opens an aes128gcm Web Push body (RFC 8188, RFC 8291) as the
// browser does.
func (k browserKeys) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	require.Greater(t, len(body), 21)
	salt, idlen := body[:16], int(body[20])
	rs := binary.BigEndian.Uint32(body[16:20])
	serverPub := body[21 : 21+idlen]
	ct := body[21+idlen:]
	require.LessOrEqual(t, len(ct), int(rs), "one record")
	as, err := ecdh.P256().NewPublicKey(serverPub)
	require.NoError(t, err)
	shared, err := k.priv.ECDH(as)
	require.NoError(t, err)
	prkKey, err := hkdf.Extract(sha256.New, shared, k.auth)
	require.NoError(t, err)
	info := append(append([]byte("WebPush: info\x00"), k.priv.PublicKey().Bytes()...), serverPub...)
	ikm, err := hkdf.Expand(sha256.New, prkKey, string(info), 32)
	require.NoError(t, err)
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	require.NoError(t, err)
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	require.NoError(t, err)
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	require.NoError(t, err)
	block, err := aes.NewCipher(cek)
	require.NoError(t, err)
	gcm, err := cipher.NewGCM(block)
	require.NoError(t, err)
	plain, err := gcm.Open(nil, nonce, ct, nil)
	require.NoError(t, err)
	plain = bytes.TrimRight(plain, "\x00")
	require.Equal(t, byte(2), plain[len(plain)-1], "last-record delimiter")
	return plain[:len(plain)-1]
}

// checkVAPID verifies the Authorization header: "vapid t=<JWT>, k=<key>"
// signed (ES256) by the VAPID key, for the push service's origin.
func checkVAPID(t *testing.T, header, publicKey, audience, subject string) {
	t.Helper()
	rest, ok := strings.CutPrefix(header, "vapid t=")
	require.True(t, ok, header)
	jwt, key, ok := strings.Cut(rest, ", k=")
	require.True(t, ok, header)
	require.Equal(t, publicKey, key)
	parts := strings.Split(jwt, ".")
	require.Len(t, parts, 3)
	claimsJSON, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct {
		Aud string `json:"aud"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}
	require.NoError(t, json.Unmarshal(claimsJSON, &claims))
	require.Equal(t, audience, claims.Aud)
	require.Equal(t, subject, claims.Sub)
	require.Greater(t, claims.Exp, time.Now().Unix())

	pub, err := base64.RawURLEncoding.DecodeString(publicKey)
	require.NoError(t, err)
	x, y := elliptic.Unmarshal(elliptic.P256(), pub) //nolint:staticcheck // the key is a raw point
	require.NotNil(t, x)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	require.Len(t, sig, 64)
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	ok = ecdsa.Verify(&ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}, digest[:],
		new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	require.True(t, ok, "the JWT is signed by the VAPID key")
}

func TestWebPushGateway(t *testing.T) {
	_, nc := etestutil.RunJetStream(t)
	st := etestutil.TempStore(t)
	// Two browsers of elena: one push service takes the message (201), the
	// other says the subscription is gone (410).
	okService := newFakePush(t, http.StatusCreated)
	goneService := newFakePush(t, http.StatusGone)
	phone, laptop := newBrowserKeys(t), newBrowserKeys(t)
	require.NoError(t, st.SavePushSubscription(t.Context(), phone.subscription("elena", okService.URL+"/push/abc")))
	require.NoError(t, st.SavePushSubscription(t.Context(), laptop.subscription("elena", goneService.URL+"/push/old")))

	cfg := gwConfig("http://unused")
	cfg.Recipients = map[string]config.Recipient{"elena": {Language: "es"}, "comms": {}}
	cfg.DataDir = t.TempDir()
	cfg.Delivery.Webpush.Subscriber = "mailto:ops@volta.example"
	keys, err := LoadVAPIDKeys(cfg)
	require.NoError(t, err)
	again, err := LoadVAPIDKeys(cfg)
	require.NoError(t, err)
	require.Equal(t, keys, again, "kept under data_dir")

	run := runGateways(t, GatewayOptions{Conn: nc, Config: cfg, Store: st, Subscriptions: st, VAPID: keys})
	require.Equal(t, []string{"webpush"}, run.g.Channels())

	a := publishAlert(t, nc, gwAlert(t, st, "600", "elena", escucha.SeverityCritical))
	publishAlert(t, nc, gwAlert(t, st, "601", "comms", escucha.SeverityHigh)) // no subscription: nothing sent
	require.Eventually(t, func() bool {
		rec, err := st.Alert(t.Context(), a.ID)
		return err == nil && !rec.DeliveredAt.IsZero()
	}, 10*time.Second, 10*time.Millisecond)

	reqs := okService.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, "/push/abc", r.Path)
	require.Equal(t, "21600", r.Header.Get("TTL"), "max_age (6h)")
	require.Equal(t, "high", r.Header.Get("Urgency"), "critical")
	require.Equal(t, "aes128gcm", r.Header.Get("Content-Encoding"))
	require.Len(t, r.Header.Get("Topic"), 32)
	checkVAPID(t, r.Header.Get("Authorization"), keys.Public, okService.URL, "mailto:ops@volta.example")

	var p WebPushPayload
	require.NoError(t, json.Unmarshal(phone.decrypt(t, r.Body), &p))
	require.Equal(t, WebPushPayload{ID: a.ID, Title: "Queja alta a la CEO: @ana",
		Body: "@ana (1234): @elenaruiz llevo 3 semanas esperando la devolución <b>ya</b>",
		URL:  "http://escucha.test/m/#alert=x%2F600%2Felena%2F0", Lang: "es"}, p)

	// The gone subscription was removed; the other stays.
	require.Len(t, goneService.requests(), 1)
	subs, err := st.PushSubscriptions(t.Context(), "elena")
	require.NoError(t, err)
	require.Len(t, subs, 1)
	require.Equal(t, okService.URL+"/push/abc", subs[0].Endpoint)
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(run.g.m.sends.WithLabelValues("webpush", "skipped")) == 1
	}, 5*time.Second, 10*time.Millisecond, "comms has no browser")
}

func TestWebPushRetriesAServiceOutage(t *testing.T) {
	_, nc := etestutil.RunJetStream(t)
	st := etestutil.TempStore(t)
	service := newFakePush(t, http.StatusServiceUnavailable, http.StatusCreated)
	b := newBrowserKeys(t)
	require.NoError(t, st.SavePushSubscription(t.Context(), b.subscription("elena", service.URL+"/p")))
	cfg := gwConfig("http://unused")
	cfg.Recipients = map[string]config.Recipient{"elena": {}}
	cfg.DataDir = t.TempDir()
	keys, err := LoadVAPIDKeys(cfg)
	require.NoError(t, err)
	runGateways(t, GatewayOptions{Conn: nc, Config: cfg, Store: st, Subscriptions: st, VAPID: keys})
	a := publishAlert(t, nc, gwAlert(t, st, "700", "elena", escucha.SeverityLow))
	require.Eventually(t, func() bool {
		rec, err := st.Alert(t.Context(), a.ID)
		return err == nil && !rec.DeliveredAt.IsZero()
	}, 10*time.Second, 10*time.Millisecond)
	reqs := service.requests()
	require.Len(t, reqs, 2)
	require.Equal(t, "low", reqs[1].Header.Get("Urgency"))
	require.Equal(t, reqs[0].Header.Get("Topic"), reqs[1].Header.Get("Topic"), "a retry replaces a pending copy")
}
