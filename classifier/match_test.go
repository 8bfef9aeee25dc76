package classifier

import (
	"bufio"
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
)

// matchRef is the plain matcher match replaced: every pattern indexed by
// its first element's ids, walked element by element. It is kept as the
// oracle match must agree with, hit for hit and in the same order.
func (rs *ruleset) matchRef(d *doc, mask uint8, index [][]int32) {
	has := func(i int, ids []int32) bool {
		for _, a := range d.ids[d.idAt[i]:d.idAt[i+1]] {
			if slices.Contains(ids, a) {
				return true
			}
		}
		return false
	}
	matchFrom := func(p *pattern, i int) (int, bool) {
		pos := i
		for k := 1; k < len(p.elems); k++ {
			e := &p.elems[k]
			found := -1
			for j := pos + 1; j <= pos+1+e.gap && j < len(d.toks); j++ {
				if has(j, e.ids) {
					found = j
					break
				}
				if d.toks[j].flags&fSentEnd != 0 {
					break
				}
			}
			if found < 0 {
				return 0, false
			}
			pos = found
		}
		return pos, true
	}
	for i := range d.toks {
		for _, id := range d.ids[d.idAt[i]:d.idAt[i+1]] {
			for _, pi := range index[id] {
				p := &rs.patterns[pi]
				r := &rs.rules[p.rule]
				if r.langMask&mask == 0 {
					continue
				}
				end, ok := matchFrom(p, i)
				if !ok || r.sentence && !d.inQuestionRef(i, end) || r.start && !rs.atStartRef(d, i) || r.end && !atEndRef(d, end) {
					continue
				}
				d.hits = append(d.hits, hit{rule: p.rule, start: int32(i), end: int32(end)})
			}
		}
	}
	// Regular expressions run over the folded text, as in match.
	for _, rr := range rs.regexes {
		if rs.rules[rr.rule].langMask&mask == 0 {
			continue
		}
		for _, m := range rr.re.FindAllIndex(d.buf, 4) {
			if s, e := d.tokAt(int32(m[0]), int32(m[1])); s >= 0 {
				d.hits = append(d.hits, hit{rule: rr.rule, start: s, end: e})
			}
		}
	}
}

// matchCorpus is every golden input text, the benchmark texts, and
// random texts drawn from the rules' own vocabulary and punctuation, so
// that multi-word patterns, gaps and sentence ends are exercised.
func matchCorpus(t *testing.T, rs *ruleset, n int) []string {
	var texts []string
	files, err := filepath.Glob(filepath.Join("testcases", "*", "input.jsonl"))
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var in input
			if in.parse(sc.Bytes()) == nil && in.hasTx {
				texts = append(texts, string(in.text))
			}
		}
	}
	texts = append(texts, benchTexts...)
	words := make([]string, 0, len(rs.vocab)+len(rs.prefix))
	for w := range rs.vocab {
		words = append(words, w)
	}
	for p := range rs.prefix {
		words = append(words, p+"s")
	}
	sort.Strings(words)
	words = append(words, ".", ",", "?", "¿", "!", "pero", "but", "no", "not", "@acme", "12", "10:30", "$", "😡", "#MalServicio", "NUNCA")
	rng := rand.New(rand.NewPCG(7, 11))
	for range n {
		var b strings.Builder
		for k := range 3 + rng.IntN(30) {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		texts = append(texts, b.String())
	}
	return texts
}

// TestMatchAgreesWithReference compares the compiled matcher with the
// plain one on the golden inputs and 50,000 generated texts: the same
// hits, each rule's in the same order.
func TestMatchAgreesWithReference(t *testing.T) {
	c := newC(t, Options{})
	rs := c.rs.Load()
	index := make([][]int32, rs.nIDs)
	for pi, p := range rs.patterns {
		for _, id := range p.elems[0].ids {
			index[id] = append(index[id], int32(pi))
		}
	}
	d := new(doc)
	n := 50000
	if raceEnabled || testing.Short() {
		n = 5000
	}
	texts := matchCorpus(t, rs, n)
	var hits int
	for _, text := range texts {
		for _, mask := range []uint8{maskES, maskEN, maskES | maskEN} {
			rs.normalize(d, text, "")
			rs.match(d, mask)
			got := slices.Clone(d.hits)
			d.hits = d.hits[:0]
			rs.matchRef(d, mask, index)
			byRule := func(a, b hit) int { return int(a.rule) - int(b.rule) }
			slices.SortStableFunc(got, byRule)
			slices.SortStableFunc(d.hits, byRule)
			require.Equal(t, d.hits, got, "text %q mask %d", text, mask)
			hits += len(got)
		}
	}
	require.Greater(t, hits, len(texts), "the corpus must exercise the rules")
}

// TestAppendScore compares the score writer with strconv for every
// thousandth and for values it must hand to strconv.
func TestAppendScore(t *testing.T) {
	for n := range 1001 {
		x := math.Round(float64(n)) / 1000
		require.Equal(t, strconv.FormatFloat(x, 'f', -1, 64), string(appendScore(nil, x)), "n=%d", n)
	}
	for _, x := range []float64{0.1234, -0.5, 1.5, 2, 1e-9, math.Round(0.731*1000) / 1000} {
		require.Equal(t, strconv.FormatFloat(x, 'f', -1, 64), string(appendScore(nil, x)))
	}
}

// TestFirstPersonClitic: a Spanish verb carrying "me" ("dejarme",
// "diciéndome", "avísenme") tells the post in the first person; words that
// only end the same way do not.
func TestFirstPersonClitic(t *testing.T) {
	for w, want := range map[string]bool{
		"dejarme": true, "cobrarme": true, "decirme": true, "diciéndome": true, "cobrándonos": true,
		"avísenme": true, "EXPLÍQUENME": true, "preocuparme": true,
		"enorme": false, "informe": false, "duerme": false, "firme": false, "confirme": false,
		"CasaFirme": false, "desarme": false, "me": false, "uniforme": false, "carme": false,
	} {
		require.Equal(t, want, firstPersonVerb(w, []byte(FoldWord(w))), w)
	}
	c, err := New(Options{})
	require.NoError(t, err)
	v := c.Classify("La app de Fondi lleva desde el lunes sin dejarme pasar dinero a la hucha", "es")
	for _, r := range v.Rules {
		require.NotEqual(t, "es.signal.impersonal", r.ID, "dejarme is the author")
	}
}

// TestFirstPersonPast: Spanish drops the subject, so a first-person
// preterite ("Terminé pagando un taxi") makes a post personal; short words
// and nouns with the same ending do not.
func TestFirstPersonPast(t *testing.T) {
	for w, want := range map[string]bool{
		"pagué": true, "Terminé": true, "pedí": true, "recibí": true, "usé": true, "LLAMÉ": true,
		"qué": false, "mí": false, "así": false, "aquí": false, "café": false, "comité": false,
		"atención": false, "pague": false, "paid": false,
	} {
		require.Equal(t, want, firstPersonPast(w, []byte(FoldWord(w))), w)
	}
	c, err := New(Options{})
	require.NoError(t, err)
	v := c.Classify("Tres cancelaciones seguidas del conductor en el aeropuerto a la 1:30. Terminé pagando un taxi de $900", "es")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.Rules)
	for _, r := range v.Rules {
		require.NotEqual(t, "es.signal.impersonal", r.ID)
	}
}
