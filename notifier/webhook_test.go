package notifier

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
	etestutil "github.com/escucha/escucha/internal/testutil"
)

func TestWebhookGatewaySignsAndRetries(t *testing.T) {
	t.Setenv("TEST_ESCUCHA_HOOK_SECRET", "hook-secret")
	_, nc := etestutil.RunJetStream(t)
	st := etestutil.TempStore(t)
	hook := newFakePush(t, 500) // down once
	cfg := gwConfig("http://unused")
	cfg.Recipients = map[string]config.Recipient{
		"elena": {Language: "es", RecipientDelivery: config.RecipientDelivery{
			Webhook: &config.WebhookTarget{URL: hook.URL + "/escucha?token=in-url", Secret: config.SecretRef{Env: "TEST_ESCUCHA_HOOK_SECRET"}}}},
		"bob": {RecipientDelivery: config.RecipientDelivery{Webhook: &config.WebhookTarget{URL: hook.URL + "/bob"}}},
	}
	run := runGateways(t, GatewayOptions{Conn: nc, Config: cfg, Store: st, ActionKey: testKey})
	require.Equal(t, []string{"webhook"}, run.g.Channels())

	a := publishAlert(t, nc, gwAlert(t, st, "500", "elena", escucha.SeverityHigh))
	require.Eventually(t, func() bool {
		rec, err := st.Alert(t.Context(), a.ID)
		return err == nil && !rec.DeliveredAt.IsZero()
	}, 10*time.Second, 10*time.Millisecond)
	reqs := hook.requests()
	require.Len(t, reqs, 2, "one failure, one success")
	r := reqs[1]
	require.Equal(t, "/escucha", r.Path)
	require.Equal(t, a.ID, r.Header.Get("Idempotency-Key"))
	require.Equal(t, a.ID, r.Header.Get("X-Escucha-Alert-Id"))

	// The signature covers the timestamp and the body.
	sig := r.Header.Get("X-Escucha-Signature")
	ts, _, ok := strings.Cut(strings.TrimPrefix(sig, "t="), ",")
	require.True(t, ok, sig)
	unix, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	require.Equal(t, WebhookSignature([]byte("hook-secret"), unix, r.Body), sig)
	require.NotEqual(t, WebhookSignature([]byte("other"), unix, r.Body), sig)

	var p WebhookPayload
	require.NoError(t, json.Unmarshal(r.Body, &p))
	require.Equal(t, "alert", p.Type)
	require.Equal(t, a.ID, p.Alert.ID)
	require.Equal(t, a.Mention.Text, p.Alert.Mention.Text)
	require.Len(t, p.ActionURLs, 4)
	tok, err := VerifyActionToken(testKey, strings.TrimPrefix(p.ActionURLs[escucha.ActionResolved], "http://escucha.test/a/"), time.Now())
	require.NoError(t, err)
	require.Equal(t, escucha.ActionResolved, tok.Action)

	// Without a secret there is no signature.
	b := publishAlert(t, nc, gwAlert(t, st, "501", "bob", escucha.SeverityLow))
	require.Eventually(t, func() bool { return len(hook.requests()) == 3 }, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, "/bob", hook.requests()[2].Path)
	require.Empty(t, hook.requests()[2].Header.Get("X-Escucha-Signature"))
	require.Equal(t, b.ID, hook.requests()[2].Header.Get("Idempotency-Key"))
}

func TestPostJSONKeepsURLOutOfErrors(t *testing.T) {
	retry, err := postJSON(t.Context(), defaultTestClient(), "ntfy publish", "http://127.0.0.1:1/?auth=tk_secret", []byte(`{}`), nil)
	require.True(t, retry, "a connection error is temporary")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "tk_secret")
}
