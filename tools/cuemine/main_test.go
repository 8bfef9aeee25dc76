package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMineWritesAndReplacesTheCueBlock(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "en.yaml")
	require.NoError(t, os.WriteFile(rules, []byte("lang: en\nstopwords: [the]\nabbreviations:\n  pls: please\nrules:\n  - id: en.x\n    class: complaint\n    explain: x\n    patterns: [x]\n"), 0o600))
	var sets []string
	for i := range 3 {
		var b strings.Builder
		for range 10 {
			b.WriteString(`{"lang":"en","label":"complaint","text":"the voicemail again, pls"}` + "\n")
			b.WriteString(`{"lang":"en","label":"other","text":"the shop opens again at nine"}` + "\n")
			b.WriteString(`{"lang":"es","label":"complaint","text":"buzón de voz otra vez"}` + "\n")
		}
		p := filepath.Join(dir, "set"+string(rune('a'+i))+".jsonl")
		require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
		sets = append(sets, p)
	}
	args := append([]string{"-lang", "en", "-rules", rules, "-min-sets", "3"}, sets...)
	require.NoError(t, run(args, io.Discard))
	first, err := os.ReadFile(rules)
	require.NoError(t, err)
	s := string(first)
	require.Contains(t, s, "  - id: en.x\n", "the hand-written rules stay")
	require.Contains(t, s, "voicemail", "a word only in complaints is a cue")
	block := s[strings.Index(s, "# BEGIN cues"):]
	for _, w := range []string{"again", "opens", "pls", "the", "buzon"} {
		require.NotContains(t, block, `"`+w, "not a cue: %s", w)
		require.NotContains(t, block, `|`+w, "not a cue: %s", w)
	}
	require.Equal(t, 1, strings.Count(s, "# BEGIN cues"))

	// Mining again replaces the block instead of adding a second one.
	require.NoError(t, run(args, io.Discard))
	second, err := os.ReadFile(rules)
	require.NoError(t, err)
	require.Equal(t, string(first), string(second))

	require.ErrorContains(t, run([]string{"-lang", "fr", "-rules", rules, sets[0]}, io.Discard), `-lang "fr"`)
}
