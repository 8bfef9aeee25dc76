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
		r := Score(c, "dev "+id, keep, nil, 300)
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
