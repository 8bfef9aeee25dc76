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

	"github.com/stretchr/testify/require"
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
