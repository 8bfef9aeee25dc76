package classifier

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testcases/*/expected.jsonl")

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
			require.Equal(t, string(want), out.String())
		})
	}
}
