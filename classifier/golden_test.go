package classifier

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testcases/*/expected.jsonl")

// judgement is what a golden case pins down: the decision, not the score
// or the exact list of rules, so that tuning a weight does not rewrite
// every case. The "contract" folder is compared byte for byte.
type judgement struct {
	ID       json.RawMessage `json:"id"`
	Label    string          `json:"label"`
	Severity *string         `json:"severity"`
	Lang     string          `json:"lang"`
	CEO      bool            `json:"ceo"`
	Error    string          `json:"error"`
}

func judgements(t *testing.T, b []byte) []judgement {
	t.Helper()
	var out []judgement
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var j judgement
		require.NoError(t, json.Unmarshal(sc.Bytes(), &j), sc.Text())
		out = append(out, j)
	}
	require.NoError(t, sc.Err())
	return out
}

// TestGolden runs every testcases/<name>/input.jsonl through the classify
// contract and compares with expected.jsonl.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testcases", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	c := newC(t, Options{})
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "input.jsonl"))
			require.NoError(t, err)
			var out bytes.Buffer
			require.NoError(t, ClassifyJSONL(context.Background(), c, bytes.NewReader(in), &out, 2))
			path := filepath.Join(dir, "expected.jsonl")
			if *update {
				require.NoError(t, os.WriteFile(path, out.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			if filepath.Base(dir) == "contract" {
				require.Equal(t, string(want), out.String())
				return
			}
			w, g := judgements(t, want), judgements(t, out.Bytes())
			require.Len(t, g, len(w))
			for i := range w {
				require.Equal(t, w[i], g[i], "line %d: %s", i+1, bytes.Split(in, []byte("\n"))[i])
			}
		})
	}
}
