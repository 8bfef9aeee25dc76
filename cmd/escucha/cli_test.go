package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/classifier"
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

// storeWith opens the store of data dir dir (a real bbolt file) and
// commits items to it; the caller closes it before running a command.
func storeWith(t *testing.T, dir string, items ...store.Item) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "escucha.db"), store.Options{NoSync: true})
	require.NoError(t, err)
	_, err = st.Commit(t.Context(), store.Batch{Source: "x", Items: items})
	require.NoError(t, err)
	return st
}

// mentionItem is mention x/id as stored with a verdict of label.
func mentionItem(id, text string, posted time.Time, label escucha.Label, lang string) store.Item {
	return store.Item{Mention: escucha.Mention{Source: "x", ID: id, Text: text, PostedAt: posted},
		Verdict: escucha.Verdict{Label: label, Lang: lang}}
}

func TestReplayShowsWhatNewRulesWouldChange(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC()
	st := storeWith(t, dir,
		// Stored as "other" by older rules; today's rules call it a complaint.
		mentionItem("1", "Llevo tres semanas esperando el reembolso y nadie me responde", now, escucha.LabelOther, "es"),
		// Stored with the verdict today's rules give: unchanged.
		mentionItem("2", "Hoy hace sol en Madrid", now, escucha.LabelOther, "es"))
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

	now := time.Now().UTC()
	st := storeWith(t, dir,
		mentionItem("1", "Llevo tres semanas esperando el reembolso y nadie me responde", now, escucha.LabelOther, "es"),
		mentionItem("2", "Please add a dark mode to the app", now.Add(time.Minute), escucha.LabelSuggestion, "en"),
		mentionItem("3", "Hoy hace sol en Madrid", now.Add(2*time.Minute), escucha.LabelOther, "es"))
	_, err := st.ApplyReview(t.Context(), "x/1", store.ReviewOp{Kind: store.OpCorrect, By: "ana", Correction: store.CorrectLabel,
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

func TestCuesMinedIntoCompanyRules(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "company.yaml")
	const company = "brand: {names: [Acme], handles: [acme]}\nrules:\n  - id: acme.toaster\n    lang: en\n    class: complaint\n    explain: the toaster burns\n    patterns: [\"toaster ..2 burnt\"]\n"
	require.NoError(t, os.WriteFile(rules, []byte(company), 0o600))
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, `{"lang":"en","label":"complaint","reviewed":true,"text":"order %d: zorblat, quuxen and flimber"}`+"\n", i)
		fmt.Fprintf(&b, `{"lang":"en","label":"other","reviewed":true,"text":"order %d: lovely sunny day"}`+"\n", i)
		// The classifier's verdicts nobody confirmed teach nothing.
		fmt.Fprintf(&b, `{"lang":"en","label":"complaint","reviewed":false,"text":"order %d: gadroon"}`+"\n", i)
	}
	for i := range 5 {
		fmt.Fprintf(&b, `{"lang":"es","label":"complaint","reviewed":true,"text":"pedido %d: zorblat"}`+"\n", i)
	}
	labels := filepath.Join(dir, "labels.jsonl")
	require.NoError(t, os.WriteFile(labels, []byte(b.String()), 0o600))

	var out, errOut bytes.Buffer
	code := runCLI(t, &out, &errOut, "cues", "--rules", rules, labels)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "es: 5 reviewed complaints and 0 other posts: too few to mine (200 each)")
	require.Contains(t, out.String(), "en: 3 cue words from 400 reviewed posts (200 complaints)")
	first, err := os.ReadFile(rules)
	require.NoError(t, err)
	s := string(first)
	require.True(t, strings.HasPrefix(s, company), "the company's own lines are kept")
	require.Contains(t, s, "  # BEGIN cues en: written by escucha cues")
	require.Contains(t, s, "  - id: custom.cue.en.b50\n    lang: en\n    class: cue\n    weight: 1\n")
	require.Contains(t, s, `"flimber|quuxen|zorblat"`)
	require.NotContains(t, s, "gadroon")
	require.NotContains(t, s, "cues es")

	c, err := classifier.New(classifier.Options{RulesFile: rules})
	require.NoError(t, err)
	v := c.Classify("@acme zorblat quuxen flimber", "en")
	require.Equal(t, escucha.LabelComplaint, v.Label)
	require.Equal(t, []string{"custom.cue.en.b50"}, v.RuleIDs())

	// Mining again replaces the block; --dry-run writes nothing.
	out.Reset()
	require.Equal(t, 0, runCLI(t, &out, &errOut, "cues", "--rules", rules, labels), errOut.String())
	again, err := os.ReadFile(rules)
	require.NoError(t, err)
	require.Equal(t, string(first), string(again))
	out.Reset()
	require.Equal(t, 0, runCLI(t, &out, &errOut, "cues", "--rules", rules, "--langs", "en", "--min-complaints", "250", "--dry-run", labels), errOut.String())
	require.Contains(t, out.String(), "en: 0 cue words")
	again, err = os.ReadFile(rules)
	require.NoError(t, err)
	require.Equal(t, string(first), string(again))

	// The block goes at the end of the rules list, so that list must be last.
	other := filepath.Join(dir, "other.yaml")
	const flow = "rules: []\nbrand: {names: [Acme]}\n"
	require.NoError(t, os.WriteFile(other, []byte(flow), 0o600))
	errOut.Reset()
	require.NotEqual(t, 0, runCLI(t, &out, &errOut, "cues", "--rules", other, "--langs", "en", labels))
	require.Contains(t, errOut.String(), `make "rules:" the file's last key`)
	kept, err := os.ReadFile(other)
	require.NoError(t, err)
	require.Equal(t, flow, string(kept))

	errOut.Reset()
	require.NotEqual(t, 0, runCLI(t, &out, &errOut, "cues", labels))
	require.Contains(t, errOut.String(), "no rules file: pass --rules FILE or set classifier.rules_file")
	errOut.Reset()
	require.NotEqual(t, 0, runCLI(t, &out, &errOut, "cues", "--rules", rules, "--langs", "fr", labels))
	require.Contains(t, errOut.String(), `--langs: function words of "fr": want es or en`)
}
