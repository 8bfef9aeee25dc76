package cuemine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWordsFoldLikeTheClassifier(t *testing.T) {
	got := Words("¡Pésimo! No me DEVOLVIERON el año… https://x.co/a @acme don't")
	for _, w := range []string{"pesimo", "no", "me", "devolvieron", "el", "año", "dont"} {
		require.True(t, got[w], "%q in %v", w, got)
	}
	require.False(t, got["acme"], "handles are left out")
	require.False(t, got["https"], "links are left out")
}

func TestCuesSkipUnconfirmedRowsAndRareWords(t *testing.T) {
	var b strings.Builder
	for range 6 {
		b.WriteString(`{"lang":"en","label":"complaint","text":"voicemail again"}` + "\n")
		b.WriteString(`{"lang":"en","label":"other","text":"open again"}` + "\n")
	}
	for range 4 {
		b.WriteString(`{"lang":"en","label":"complaint","text":"refund"}` + "\n")
	}
	// The classifier's own verdicts, never confirmed: not evidence.
	for range 20 {
		b.WriteString(`{"lang":"en","label":"complaint","text":"gadroon","reviewed":false}` + "\n")
	}
	b.WriteString(`{"lang":"en","label":"complaint","text":"flimber","reviewed":true}` + "\n")
	var c Counts
	require.NoError(t, c.AddSet(strings.NewReader(b.String()), "set", "en"))
	require.Equal(t, 17, c.Posts)
	require.Equal(t, 11, c.Complaints)

	words := func(p Params) (out []string) {
		for _, q := range c.Cues(p, nil) {
			out = append(out, q.Word)
		}
		return out
	}
	p := Params{MinSets: 1, MinLogOdds: 1, Scale: 0.3, Step: 0.5}
	require.Equal(t, []string{"voicemail", "refund"}, words(p), "flimber is seen once: log-odds below 1")
	p.MinComplaints = 5
	require.Equal(t, []string{"voicemail"}, words(p))

	err := c.AddSet(strings.NewReader("{\"text\": 1}\n"), "bad.jsonl", "en")
	require.ErrorContains(t, err, "bad.jsonl:1:")
}

func TestReplaceFindsOnlyItsBlock(t *testing.T) {
	src := []byte("rules:\n  # BEGIN cues es: old\n  - id: a\n  # END cues es\n  # BEGIN cues en: old\n  - id: b\n  # END cues en\n")
	got, err := Replace(src, "cues en", "  # BEGIN cues en: new\n  # END cues en\n")
	require.NoError(t, err)
	require.Equal(t, "rules:\n  # BEGIN cues es: old\n  - id: a\n  # END cues es\n  # BEGIN cues en: new\n  # END cues en\n", string(got))
	_, err = Replace(src, "cues", "x")
	require.ErrorIs(t, err, ErrNoBlock, `"cues" is not "cues es"`)
	_, err = Replace([]byte("  # BEGIN cues: x\n"), "cues", "x")
	require.ErrorContains(t, err, `without "# END cues"`)
}
