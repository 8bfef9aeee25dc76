package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
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

func TestExportFeedsEval(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := runCLI(t, &out, &errOut, "export", "--data-dir", dir)
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut.String(), "no store to read")

	st, err := store.Open(filepath.Join(dir, "escucha.db"), store.Options{NoSync: true})
	require.NoError(t, err)
	now := time.Now().UTC()
	items := []store.Item{
		{Mention: escucha.Mention{Source: "x", ID: "1", Text: "Llevo tres semanas esperando el reembolso y nadie me responde", PostedAt: now},
			Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}},
		{Mention: escucha.Mention{Source: "x", ID: "2", Text: "Please add a dark mode to the app", PostedAt: now.Add(time.Minute)},
			Verdict: escucha.Verdict{Label: escucha.LabelSuggestion, Lang: "en"}},
		{Mention: escucha.Mention{Source: "x", ID: "3", Text: "Hoy hace sol en Madrid", PostedAt: now.Add(2 * time.Minute)},
			Verdict: escucha.Verdict{Label: escucha.LabelOther, Lang: "es"}},
	}
	_, err = st.Commit(t.Context(), store.Batch{Source: "x", Items: items})
	require.NoError(t, err)
	_, err = st.ApplyReview(t.Context(), "x/1", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectLabel,
		Label: escucha.LabelComplaint, Severity: escucha.SeverityHigh})
	require.NoError(t, err)
	_, err = st.ApplyReview(t.Context(), "x/2", store.ReviewOp{Kind: store.OpResolve, By: "ana"})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	file := filepath.Join(dir, "labels.jsonl")
	out.Reset()
	errOut.Reset()
	code = runCLI(t, &out, &errOut, "export", "--data-dir", dir, "-o", file)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, errOut.String(), "2 mentions written (1 complaints, 1 suggestions, 0 other); 2 reviewed, 1 corrected")

	// The file is labelled data eval reads: today's rules find both.
	out.Reset()
	errOut.Reset()
	code = runCLI(t, &out, &errOut, "eval", "--data", file)
	require.Equal(t, 0, code, errOut.String())
	require.Regexp(t, `all\s+complaint\s+1\.000\s+1\.000\s+1\.000\s+1\b`, out.String())
	require.Regexp(t, `all\s+suggestion\s+1\.000\s+1\.000\s+1\.000\s+1\b`, out.String())

	out.Reset()
	errOut.Reset()
	code = runCLI(t, &out, &errOut, "export", "--data-dir", dir, "--unreviewed", "--since", "1h")
	require.Equal(t, 0, code, errOut.String())
	require.Equal(t, 3, strings.Count(out.String(), "\n"))
	require.Contains(t, out.String(), `"text":"Hoy hace sol en Madrid","label":"other","severity":null,"ceo":false,"reviewed":false`)
}
