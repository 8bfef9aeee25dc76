package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "escucha.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

const deliveryBase = `
brand: {name: Volta}
sources: [{name: demo, type: demo}]
routes: [{name: all, recipients: [elena]}]
`

func TestDeliveryLoads(t *testing.T) {
	t.Setenv("TEST_ESCUCHA_PHONE_PW", "pw")
	cfg, err := Load(LoadOptions{File: writeConfig(t, deliveryBase+`
delivery:
  ntfy: {url: "https://ntfy.example", token: {env: TEST_ESCUCHA_NTFY}}
  action_token_ttl: 2h
  webpush: {subscriber: "mailto:ops@example.com"}
recipients:
  elena:
    name: Elena
    password: {env: TEST_ESCUCHA_PHONE_PW}
    ntfy: {topic: volta-elena-x7, priorities: {high: 5}}
    webhook: {url: "https://hooks.example/escucha", secret: {env: TEST_ESCUCHA_HOOK}}
`)})
	require.NoError(t, err)
	require.Equal(t, "https://ntfy.example", cfg.Delivery.Ntfy.URL)
	require.Equal(t, 2*time.Hour, cfg.Delivery.ActionTokenTTL)
	e := cfg.Recipients["elena"]
	require.NotNil(t, e.Ntfy)
	require.Equal(t, "volta-elena-x7", e.Ntfy.Topic)
	require.Equal(t, 5, e.Ntfy.Priorities["high"])
	require.NotNil(t, e.Webhook)
	require.Equal(t, "https://hooks.example/escucha", e.Webhook.URL)
	require.Equal(t, "TEST_ESCUCHA_HOOK", e.Webhook.Secret.Env)
}

func TestDeliveryRejected(t *testing.T) {
	t.Setenv("TEST_ESCUCHA_EMPTY", "")
	_, err := Load(LoadOptions{File: writeConfig(t, deliveryBase+`
nats: {user: elena}
delivery:
  ntfy: {url: "ftp://ntfy.example"}
  action_token_ttl: -1h
  webpush: {vapid_public_key: "BPub", subscriber: "ops@example.com"}
recipients:
  elena:
    password: {env: TEST_ESCUCHA_EMPTY}
    ntfy: {topic: "no spaces", priorities: {urgent: 5, high: 9}}
    webhook: {url: "/relative"}
`)})
	requireKeys(t, err, "delivery.action_token_ttl", "delivery.ntfy.url", "delivery.webpush",
		"delivery.webpush.subscriber", "nats.user", "recipients.elena.ntfy.priorities.high",
		"recipients.elena.ntfy.priorities.urgent", "recipients.elena.ntfy.topic",
		"recipients.elena.password", "recipients.elena.webhook.url")
}
