package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func alertingFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "escucha.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`
brand: {name: Volta}
sources: [{name: demo, type: demo}]
`+body), 0o600))
	return p
}

func TestAlertingLoads(t *testing.T) {
	cfg, err := Load(LoadOptions{File: alertingFile(t, `
alerting:
  group_window: 5m
  group_update: 1m
  digest_interval: 30m
  snooze: 15m
  budget: {per_hour: 6}
recipients:
  elena:
    timezone: Europe/Madrid
    quiet_hours: {start: "22:00", end: "07:00"}
    budget: {per_hour: 3}
  deputy: {name: Deputy}
routes:
  - name: ceo
    match: {ceo: true}
    recipients: [elena]
    group: {window: 3m, off: true}
    escalation:
      steps:
        - {after: 10m, recipients: [deputy]}
        - {after: 30m, recipients: [elena, deputy]}
      repeat: 2
`)})
	require.NoError(t, err)
	require.Equal(t, Alerting{GroupWindow: 5 * time.Minute, GroupUpdate: time.Minute, DigestInterval: 30 * time.Minute,
		Snooze: 15 * time.Minute, Budget: Budget{PerHour: 6}}, cfg.Alerting)
	e := cfg.Recipients["elena"]
	require.Equal(t, &QuietHours{Start: "22:00", End: "07:00"}, e.QuietHours)
	require.Equal(t, &Budget{PerHour: 3}, e.Budget)
	require.Nil(t, cfg.Recipients["deputy"].QuietHours)
	rt := cfg.Routes[0]
	require.Equal(t, Grouping{Window: 3 * time.Minute, Off: true}, rt.Group)
	require.Equal(t, Escalation{Repeat: 2, Steps: []EscalationStep{
		{After: 10 * time.Minute, Recipients: []string{"deputy"}},
		{After: 30 * time.Minute, Recipients: []string{"elena", "deputy"}},
	}}, rt.Escalation)
}

func TestAlertingRejected(t *testing.T) {
	_, err := Load(LoadOptions{File: alertingFile(t, `
alerting:
  group_window: -1m
  budget: {per_hour: -2}
recipients:
  elena:
    quiet_hours: {start: "25:00", end: "7"}
    budget: {per_hour: -1}
  bob:
    quiet_hours: {start: "07:00", end: "07:00"}
routes:
  - name: ceo
    recipients: [elena]
    group: {window: -5m}
    escalation:
      steps:
        - {after: 0s, recipients: [nobody]}
        - {after: 5m}
      repeat: 101
  - name: other
    recipients: [bob]
    escalation: {repeat: 1}
`)})
	requireKeys(t, err,
		"alerting.group_window", "alerting.budget.per_hour",
		"recipients.elena.quiet_hours.start", "recipients.elena.quiet_hours.end", "recipients.elena.budget.per_hour",
		"recipients.bob.quiet_hours",
		"routes[0].group.window", "routes[0].escalation.repeat",
		"routes[0].escalation.steps[0].after", "routes[0].escalation.steps[0].recipients[0]",
		"routes[0].escalation.steps[1].recipients", "routes[1].escalation.steps")

	_, err = Load(LoadOptions{File: alertingFile(t, `
routes:
  - name: ceo
    recipients: [elena]
    escalation: {stepz: []}
recipients: {elena: {name: E}}
`)})
	require.ErrorContains(t, err, "stepz", "unknown keys inside the squashed blocks are errors")
}

func TestClock(t *testing.T) {
	for in, want := range map[string]int{"00:00": 0, "7:05": 425, "22:00": 1320, "23:59": 1439} {
		got, err := Clock(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "24:00", "12:60", "12", "12:5", "aa:bb", "-1:00"} {
		_, err := Clock(bad)
		require.Error(t, err, bad)
	}
}
