package eval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha/classifier"
)

// dataDir finds the project's shared data, or skips.
func dataDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv("ESCUCHA_DATA")
	if d == "" {
		d = filepath.Join("..", "..", "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(d, "dev", "mentions-dev.jsonl")); err != nil {
		t.Skip("shared data not found; set ESCUCHA_DATA")
	}
	return d
}

func TestDevSet(t *testing.T) {
	d := dataDir(t)
	c, err := classifier.New(classifier.Options{})
	require.NoError(t, err)
	p := Presets()["dev"]
	s := p.Resolve(d)
	if id := os.Getenv("ESCUCHA_EVAL_PARITY"); id != "" {
		ex, err := Load(s)
		require.NoError(t, err)
		var keep []Example
		for i, e := range ex {
			if (i%2 == 0) == (id == "odd") {
				keep = append(keep, e)
			}
		}
		r := Score(c, Spec{Name: "dev " + id}, keep, 300)
		require.NoError(t, r.Print(os.Stdout))
		if os.Getenv("ESCUCHA_EVAL_ERRORS") != "" {
			require.NoError(t, r.PrintErrors(os.Stdout))
		}
		return
	}
	r, err := Run(os.Stdout, c, s, 0)
	require.NoError(t, err)
	require.Greater(t, r.F1("all", "complaint"), 0.7)
}

// TestExternalTable prints the Markdown table of docs/classifier.md when
// ESCUCHA_EVAL_TABLE is set (it takes a few seconds over every data set).
func TestExternalTable(t *testing.T) {
	d := dataDir(t)
	if os.Getenv("ESCUCHA_EVAL_TABLE") == "" {
		t.Skip("set ESCUCHA_EVAL_TABLE=1 to print the evaluation table")
	}
	c, err := classifier.New(classifier.Options{})
	require.NoError(t, err)
	reps, err := RunAll(os.Stdout, c, d)
	require.NoError(t, err)
	require.Greater(t, reps["dev"].MacroF1("all"), 0.6)
	cc, err := classifier.New(classifier.Options{RulesFile: filepath.Join("testdata", "dev-companies.yaml")})
	require.NoError(t, err)
	r, err := Run(os.Stdout, cc, Presets()["dev"].Resolve(d), 0)
	require.NoError(t, err)
	require.Greater(t, r.CEO.F1(), 0.8)
}

// ContainsSuggestion scores a complaint that carries a proposal as a
// suggestion (SemEval's question), and only then.
func TestContainsSuggestion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv")
	rows := "id,sentence,label\n" +
		"1,\"Third week waiting for my refund. You should hire more people for the phones.\",1\n" +
		"2,\"Third week waiting for my refund.\",0\n" +
		"3,\"It would be great if the app had a dark mode.\",1\n"
	require.NoError(t, os.WriteFile(path, []byte(rows), 0o600))
	c, err := classifier.New(classifier.Options{})
	require.NoError(t, err)
	s := Spec{Path: path, IDField: "id", TextField: "sentence", LabelField: "label", Lang: "en",
		Map: map[string]string{"1": "suggestion", "0": "other"}, Classes: []string{"suggestion", "other"}}
	ex, err := Load(s)
	require.NoError(t, err)
	r := Score(c, s, ex, 10)
	require.Equal(t, 1, r.ByLang["all"]["suggestion"].TP)
	require.Equal(t, 1, r.ByLang["all"]["suggestion"].FN)
	s.ContainsSuggestion = true
	r = Score(c, s, ex, 10)
	require.Equal(t, 2, r.ByLang["all"]["suggestion"].TP)
	require.Zero(t, r.ByLang["all"]["suggestion"].FN)
	require.Zero(t, r.ByLang["all"]["suggestion"].FP)
	require.Equal(t, 1, r.ByLang["all"]["other"].TP)
	require.True(t, Presets()["semeval-b-trial"].ContainsSuggestion)
	require.False(t, Presets()["dev"].ContainsSuggestion)
}
