package classifier

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha/config"
)

// fullVerdict is everything a result says, spans resolved, for comparing
// the optimised pipeline with runRef.
type fullVerdict struct {
	Label, Severity string
	Lang            int
	CEO             bool
	Score           float64
	Fired           []firedSpans
}

type firedSpans struct {
	Rule   string
	Weight float64
	First  int32
	Spans  []span
}

func full(rs *ruleset, d *doc, r result) fullVerdict {
	v := fullVerdict{Label: string(r.label), Severity: string(r.severity), Lang: r.lang, CEO: r.ceo, Score: r.score}
	for _, f := range r.fired {
		v.Fired = append(v.Fired, firedSpans{Rule: rs.rules[f.rule].id, Weight: f.weight, First: f.first,
			Spans: slices.Clone(d.spans[f.spanFrom:f.spanTo])})
	}
	return v
}

// refIndex is matchRef's index: patterns by their first element's ids.
func refIndex(rs *ruleset) [][]int32 {
	index := make([][]int32, rs.nIDs)
	for pi, p := range rs.patterns {
		for _, id := range p.elems[0].ids {
			index[id] = append(index[id], int32(pi))
		}
	}
	return index
}

// jsonlTexts returns the texts of a JSON Lines file, at most max.
func jsonlTexts(t testing.TB, path string, max int) []string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var texts []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(texts) < max {
		var in input
		if in.parse(sc.Bytes()) == nil && in.hasTx {
			texts = append(texts, string(in.text))
		}
	}
	return texts
}

// testTexts returns the texts of every testdata/*.jsonl file and 20,000
// noisy texts: the corpus the fast paths are compared with their
// references on.
func testTexts(t testing.TB, rs *ruleset) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	require.NoError(t, err)
	var texts []string
	for _, f := range files {
		texts = append(texts, jsonlTexts(t, f, 1<<30)...)
	}
	return append(texts, noisyTexts(rs, 20000)...)
}

// noisyTexts draws words from the rules' vocabulary and writes them the
// way posts do: capitals, accents, stretched letters, hashtags,
// apostrophes, emoji, emoticons, numbers, times, URLs and punctuation, so
// the tokenizer's and detector's paths are exercised.
func noisyTexts(rs *ruleset, n int) []string {
	words := make([]string, 0, len(rs.vocab))
	for w := range rs.vocab {
		words = append(words, w)
	}
	sort.Strings(words)
	accent := strings.NewReplacer("a", "á", "e", "é", "i", "í", "o", "ó", "u", "ú", "n", "ñ")
	extra := []string{".", ",", "?", "¿", "¡", "!!!", "??", "...", "…", "\n", ":)", ":(", ";)", ":/", "<3", "😡", "🙃👍🏽", "10:30", "3.5", "1,200",
		"$95", "€", "https://t.co/x", "www.acme.com", "@acme", "@Acme_Help", "RT", "—", "(", ")", "\"", "don't", "can’t", "x_y", "#", "##", "🇪🇸", "ﬁx", "ＯＫ"}
	rng := rand.New(rand.NewPCG(3, 5))
	texts := make([]string, 0, n)
	for range n {
		var b strings.Builder
		for k := range 2 + rng.IntN(25) {
			if k > 0 && rng.IntN(6) > 0 {
				b.WriteByte(' ')
			}
			if rng.IntN(5) == 0 {
				b.WriteString(extra[rng.IntN(len(extra))])
				continue
			}
			w := words[rng.IntN(len(words))]
			switch rng.IntN(12) {
			case 0:
				w = strings.ToUpper(w)
			case 1:
				w = strings.ToUpper(w[:1]) + w[1:]
			case 2:
				w = accent.Replace(w)
			case 3:
				w += strings.Repeat(w[len(w)-1:], 3)
			case 4:
				w = "#" + strings.ToUpper(w[:1]) + w[1:] + strings.ToUpper(words[rng.IntN(len(words))])
			case 5:
				w = "#" + w + "_" + words[rng.IntN(len(words))] + "2024"
			case 6:
				w = "¿" + w + "?"
			}
			b.WriteString(w)
		}
		texts = append(texts, b.String())
	}
	return texts
}

// TestPipelineAgreesWithReference compares the full verdicts (label,
// severity, language, CEO, score, rules with weights and spans) of the
// optimised pipeline with the reference pipeline (ref_test.go) on the
// golden inputs, the labelled test data, generated and noisy texts, and
// the first 50,000 lines of ESCUCHA_BENCH_JSONL when set.
func TestPipelineAgreesWithReference(t *testing.T) {
	c := newC(t, Options{})
	rs := c.rs.Load()
	index := refIndex(rs)
	n := 20000
	if raceEnabled || testing.Short() {
		n = 3000
	}
	if testing.Short() {
		n = 2000
	}
	texts := matchCorpus(t, rs, n)
	files, err := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	require.NoError(t, err)
	for _, f := range files {
		texts = append(texts, jsonlTexts(t, f, 1<<30)...)
	}
	texts = append(texts, noisyTexts(rs, n)...)
	if path := os.Getenv("ESCUCHA_BENCH_JSONL"); path != "" {
		texts = append(texts, jsonlTexts(t, path, 50000)...)
	}
	d, dref := new(doc), new(doc)
	var fired int
	for i, text := range texts {
		langs := []string{""}
		if i%3 == 0 {
			langs = append(langs, "es", "en")
		}
		for _, lang := range langs {
			want := full(rs, dref, rs.runRef(dref, text, lang, index))
			got := full(rs, d, *rs.run(d, text, lang))
			require.Equal(t, want, got, "text %q lang %q", text, lang)
			fired += len(got.Fired)
		}
	}
	require.Greater(t, fired, len(texts), "the corpus must fire rules")
}

// TestPipelineAgreesWithReferenceEntities is the comparison with the
// brand and CEO of the default configuration (what `escucha classify`
// runs with), on texts that name them beside the labelled test data.
func TestPipelineAgreesWithReferenceEntities(t *testing.T) {
	opts := OptionsFrom(config.Default())
	// Names holding rule words, so that masking hits inside names counts.
	opts.Brand.Keywords = append(opts.Brand.Keywords, "No Frills", "Sin Límites", "Never Late Air", "Cero Esperas")
	c := newC(t, opts)
	rs := c.rs.Load()
	index := refIndex(rs)
	files, err := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	require.NoError(t, err)
	var base []string
	for _, f := range files {
		base = append(base, jsonlTexts(t, f, 1<<30)...)
	}
	names := []string{"Volta", "@volta", "@volta_ayuda", "#volta", "voltacars", "Elena Ruiz", "@elenaruiz", "la CEO Elena Ruiz",
		"No Frills", "no frills again", "Sin Límites", "Never Late Air", "cero esperas"}
	rng := rand.New(rand.NewPCG(5, 6))
	texts := slices.Clone(base)
	for _, b := range base {
		n := names[rng.IntN(len(names))]
		if rng.IntN(2) == 0 {
			texts = append(texts, n+" "+b)
		} else {
			texts = append(texts, b+" "+n)
		}
	}
	d, dref := new(doc), new(doc)
	var entity int
	for _, text := range texts {
		want := full(rs, dref, rs.runRef(dref, text, "", index))
		got := full(rs, d, *rs.run(d, text, ""))
		require.Equal(t, want, got, "text %q", text)
		entity += int(b2u(got.CEO))
	}
	require.Positive(t, entity, "the corpus must name the CEO")
}

// FuzzPipeline compares the optimised pipeline with the reference one on
// arbitrary texts.
func FuzzPipeline(f *testing.F) {
	for _, s := range []string{"", "Llevo 3 días sin internet 😡", "Love paying $95 🙃", "\xff", "no no no no", "¿¿??", "#a_b_C1", "rt @x: hola", "PÉSIMO servicioooo!!! pero bueno",
		"¿Porque no ponen wifi?", "@a @b xq no abren", "¿xq nadie", "@a @b @acme $5 refund pls", "ME COBRARON 30€ DOS VECES"} {
		f.Add(s, "")
	}
	c := newC(f, Options{})
	rs := c.rs.Load()
	index := refIndex(rs)
	d, dref := new(doc), new(doc)
	f.Fuzz(func(t *testing.T, s, lang string) {
		want := full(rs, dref, rs.runRef(dref, s, lang, index))
		got := full(rs, d, *rs.run(d, s, lang))
		if !slices.EqualFunc([]fullVerdict{want}, []fullVerdict{got}, func(a, b fullVerdict) bool {
			return a.Label == b.Label && a.Severity == b.Severity && a.Lang == b.Lang && a.CEO == b.CEO && a.Score == b.Score &&
				slices.EqualFunc(a.Fired, b.Fired, func(x, y firedSpans) bool {
					return x.Rule == y.Rule && x.Weight == y.Weight && x.First == y.First && slices.Equal(x.Spans, y.Spans)
				})
		}) {
			t.Fatalf("text %q lang %q:\nwant %+v\ngot  %+v", s, lang, want, got)
		}
	})
}

// TestTokCache checks the token cache against a map on keys of every
// length up to 20 bytes, read from slices with and without spare capacity
// (the short-key load reads past the key when it can), across growth.
func TestTokCache(t *testing.T) {
	var c tokCache
	c.reset()
	want := map[string]int32{}
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() []byte {
		b := make([]byte, rng.IntN(21), 32)
		for i := range b {
			b[i] = "ab\x00z"[rng.IntN(4)]
		}
		if rng.IntN(2) == 0 {
			b = b[:len(b):len(b)] // no spare capacity
		} else {
			for i := len(b); i < cap(b); i++ {
				b[:cap(b)][i] = byte(rng.IntN(256)) // garbage past the key
			}
		}
		return b
	}
	for n := range 20000 {
		w := key()
		h, v := c.hash(w)
		got := c.get(h, v, w)
		if k, ok := want[string(w)]; ok {
			require.Equal(t, k, got, "key %q", w)
			continue
		}
		require.Equal(t, int32(-1), got, "key %q", w)
		c.put(h, v, w, int32(n))
		want[string(w)] = int32(n)
	}
	require.Greater(t, len(c.slots), 2048, "the table must have grown")
}

// TestLookupProbe checks lookup's own probe of the token cache (one-byte
// tokens and short words found in their first slot) against entry, on
// the test data and noisy texts: every token's entry is the one entry
// gives for its folded bytes.
func TestLookupProbe(t *testing.T) {
	c := newC(t, Options{})
	rs := c.rs.Load()
	texts := testTexts(t, rs)
	d := new(doc)
	for _, text := range texts {
		rs.normalize(d, text, "")
		for i := range d.toks {
			if tk := &d.toks[i]; tk.kind != kURL {
				require.Equal(t, rs.entry(d, d.norm(i)), tk.ent, "text %q token %q", text, d.norm(i))
			}
		}
	}
}
