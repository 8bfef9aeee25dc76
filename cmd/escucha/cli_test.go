package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/store"
)

// runCLI runs the escucha command line in process and returns its exit code.
func runCLI(t *testing.T, stdout, stderr io.Writer, args ...string) int {
	t.Helper()
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	_, _ = io.WriteString(stderr, err.Error())
	return 1
}

func portOf(t *testing.T, u string) int {
	t.Helper()
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	p, err := strconv.Atoi(parsed.Port())
	require.NoError(t, err)
	return p
}

func TestConfigCheckNamesTheKey(t *testing.T) {
	cases := map[string]string{
		"unknown-key.yaml":    "nats.urll",
		"wrong-type.yaml":     "classifier.threshold",
		"missing-brand.yaml":  "brand.name",
		"wrong-duration.yaml": "sources[0].interval",
	}
	for file, key := range cases {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("..", "..", "config", "testdata", file)
			for _, args := range [][]string{{"config", "check", "--config", path}, {"run", "--config", path}} {
				var out, errOut bytes.Buffer
				code := runCLI(t, &out, &errOut, args...)
				require.NotEqual(t, 0, code, "%v must fail", args)
				require.Contains(t, errOut.String(), key)
			}
		})
	}
}

func TestConfigCheckAcceptsTheExample(t *testing.T) {
	t.Setenv("ESCUCHA_X_BEARER_TOKEN", "token-for-the-check")
	var out, errOut bytes.Buffer
	code := runCLI(t, &out, &errOut, "config", "check", "--config", filepath.Join("..", "..", "config", "example.yaml"))
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "configuration OK")
	require.NotContains(t, out.String()+errOut.String(), "token-for-the-check")
}

func TestAckUnknownAlertFails(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runCLI(t, &out, &errOut, "ack", "x/1/elena/0", "--data-dir", t.TempDir())
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut.String(), "not found")
	code = runCLI(t, &out, &errOut, "ack", "nonsense", "--data-dir", t.TempDir())
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut.String(), "not an alert id")
}

func TestReplayShowsWhatNewRulesWouldChange(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "escucha.db"), store.Options{NoSync: true})
	require.NoError(t, err)
	now := time.Now().UTC()
	items := []store.Item{
		// Stored as "other" by older rules; today's rules call it a complaint.
		{Mention: escucha.Mention{Source: "x", ID: "1", Text: "Llevo tres semanas esperando el reembolso y nadie me responde", PostedAt: now},
			Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}},
		// Stored with the verdict today's rules give: unchanged.
		{Mention: escucha.Mention{Source: "x", ID: "2", Text: "Hoy hace sol en Madrid", PostedAt: now},
			Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}},
	}
	_, err = st.Commit(context.Background(), store.Batch{Source: "x", Items: items})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	var out, errOut bytes.Buffer
	code := runCLI(t, &out, &errOut, "replay", "--data-dir", dir)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "x/1")
	require.NotContains(t, out.String(), "x/2")
	require.Contains(t, out.String(), "1 of 2 stored mentions would change")
}
