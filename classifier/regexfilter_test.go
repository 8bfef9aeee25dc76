package classifier

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRegexGuard(t *testing.T) {
	cases := []struct {
		expr string
		want [][]string // nil: no guard
	}{
		{`\bpaid for [^.!?]{0,40}[.!?] *[a-z ]{0,30}\b(gets|getting|says) \d+`, [][]string{{"paid for "}, {"get", "says"}}},
		{`@[a-z0-9_]*_ceo\b|@ceo_[a-z0-9_]+\b`, [][]string{{"_ceo", "ceo_"}}},
		{`\b(scheduled|due) \d{1,2}`, [][]string{{"due", "scheduled"}}},
		{`\b\d+[^a-z0-9]{0,3}(week|weeks|month|months)[^a-z0-9]{1,3}wait\b`, [][]string{{"month", "week"}, {"wait"}}},
		{`\bantes\b[^.!?]{0,60}, no despues\b`, [][]string{{"antes"}, {", no despues"}}},
		{`(?i)hello`, nil},
		{`a|bc`, nil},     // a one-byte alternative guards nothing
		{`\d+ (x)?`, nil}, // nothing required
		{`(abc)*def`, [][]string{{"def"}}},
		{`(ab){2}`, [][]string{{"ab"}, {"ab"}}},
		{`ab(?i)cd(?-i)ef`, [][]string{{"ab"}, {"ef"}}},
	}
	for _, c := range cases {
		got := regexGuard(c.expr)
		var s [][]string
		for _, st := range got {
			var ls []string
			for _, l := range st {
				ls = append(ls, string(l))
			}
			s = append(s, ls)
		}
		require.Equal(t, c.want, s, c.expr)
	}
}

// TestGuardStepsInOrder checks that the steps are searched in order,
// each after the earliest end of the one before.
func TestGuardStepsInOrder(t *testing.T) {
	g := regexGuard(`\b\d+[^a-z0-9]{0,3}(week|weeks|month|months)[^a-z0-9]{1,3}wait\b`)
	require.False(t, guardPasses(g, []byte("still waiting for my refund after 3 weeks ")))
	require.True(t, guardPasses(g, []byte("a 3 weeks wait ")))
	require.True(t, guardPasses(g, []byte("weeks of waiting and a 3 week wait ")))
	g = []guardStep{{[]byte("abc"), []byte("ab")}, {[]byte("cd")}}
	require.True(t, guardPasses(g, []byte("abcd")), "the earliest end of the first step counts")
}

// TestGuardNeverSkipsAMatch draws expressions and texts from a small
// alphabet and checks that no text the expression matches is skipped,
// neither by the literal steps on the text nor by the token bits and
// steps on the folded text.
func TestGuardNeverSkipsAMatch(t *testing.T) {
	c, err := New(Options{})
	require.NoError(t, err)
	base := c.rs.Load()
	rng := rand.New(rand.NewPCG(3, 4))
	atoms := []string{"ab", "ba", "a b", "b a", "aa", "bb", "ab ba", "[ab]", "[^a]", "\\b", "\\d", " ", "\\.", "a?", "(ab|ba)", "(aa|b b|ab)", "(ab)+", "(ba){2}", "b*", "(?:a b|bab)", "(?i)ab"}
	expr := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(5) {
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		if rng.IntN(4) == 0 {
			b.WriteString("|")
			b.WriteString(atoms[rng.IntN(len(atoms))])
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		return b.String()
	}
	text := func() string {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = "aab b.1A"[rng.IntN(8)]
		}
		return string(b)
	}
	n := 0
	d := new(doc)
	for range 300 {
		rs := new(ruleset)
		*rs = *base
		rs.regexes = nil
		for range 4 {
			e := expr()
			rs.regexes = append(rs.regexes, regexRule{rule: 0, re: regexp.MustCompile(e), guard: regexGuard(e)})
		}
		rs.compileTokenGuards()
		for range 200 {
			tx := text()
			rs.normalize(d, tx, "")
			for k, rr := range rs.regexes {
				if rr.re.MatchString(tx) {
					require.True(t, guardPasses(rr.guard, []byte(tx)), "%s on %q", rr.re, tx)
				}
				if rr.re.Match(d.buf) {
					n++
					require.True(t, rs.mayRun(d, k, maskES|maskEN), "%s on folded %q", rr.re, d.buf)
				}
			}
		}
	}
	require.Greater(t, n, 1000)
}

// TestRegexGuardIsExact checks that every built-in expression's guard
// never skips a text the expression matches, over texts built to match.
func TestRegexGuardIsExact(t *testing.T) {
	c, err := New(Options{})
	require.NoError(t, err)
	texts := []string{
		"i paid for the fast plan. the app says 20 mbps",
		"scheduled 07:12. arrived 08:31",
		"3 weeks wait for a call",
		"@anna_ceo hi", "@ceo_anna hi",
		"pedi una mesa, me llego una silla",
		"para las 9 dijeron y ya son las 11",
	}
	n := 0
	d := new(doc)
	for _, rs := range []*ruleset{c.rs.Load()} {
		for k, rr := range rs.regexes {
			for _, tx := range texts {
				if rr.re.MatchString(tx) {
					n++
					require.True(t, guardPasses(rr.guard, []byte(tx)), "%s on %q", rr.re, tx)
				}
				// The token guard, on the folded text the expression runs on.
				rs.normalize(d, tx, "")
				if rr.re.Match(d.buf) {
					require.True(t, rs.mayRun(d, k, maskES|maskEN), "token guard of %s on %q", rr.re, d.buf)
				}
			}
			require.NotNil(t, rr.guard, "built-in expression %s has no guard: it runs on every text", rr.re)
			// At least one step of pieces of three bytes or more: a guard
			// made only of two-byte pieces ("re" of "replies|responses")
			// passes on most texts, so the expression would run nearly always.
			strong := false
			for _, st := range rr.guard {
				ok := true
				for _, l := range st {
					ok = ok && len(l) >= 3
				}
				strong = strong || ok
			}
			require.True(t, strong, "built-in expression %s has only weak guard steps %q", rr.re, rr.guard)
		}
	}
	require.Positive(t, n)
}

// TestTokenGuardPieces checks that a text is skipped only when no token
// holds a piece of the guard, including pieces inside longer tokens and
// tokens the normaliser writes itself ("<url>").
func TestTokenGuardPieces(t *testing.T) {
	c, err := New(Options{})
	require.NoError(t, err)
	rs := new(ruleset)
	*rs = *c.rs.Load()
	rs.regexes = nil
	for _, expr := range []string{`\bpaid for \d`, `_ceo\b`, `url> x`, `\bwait\b`} {
		rs.regexes = append(rs.regexes, regexRule{re: regexp.MustCompile(expr), guard: regexGuard(expr)})
	}
	rs.compileTokenGuards()
	cases := []struct {
		text string
		want uint64 // expressions that may run
	}{
		{"I paid for 3 nights", 1 << 0},
		{"unpaid stuff", 1 << 0}, // "paid" inside "unpaid": the literal check decides
		{"@acme_ceo hi", 1 << 1},
		{"see https://x.y x", 1 << 2},
		{"awaiting", 1 << 3},
		{"nothing here", 0},
	}
	d := new(doc)
	for _, c := range cases {
		rs.normalize(d, c.text, "en")
		var got uint64
		for k, rr := range rs.regexes {
			if d.guard&rr.bits == rr.bits {
				got |= 1 << k
			}
		}
		require.Equal(t, c.want, got, "%q", c.text)
	}
}

// TestRegexGuardSelective: a built-in expression whose guard lets through
// a large share of ordinary posts costs more than all the token patterns
// together (an expression guarded by "order|case|…" with nested optional
// groups doubled classify time). On the generated benchmark posts and a
// sample of real ones, each expression may run on at most 3% of posts.
func TestRegexGuardSelective(t *testing.T) {
	c, err := New(Options{})
	require.NoError(t, err)
	rs := c.rs.Load()
	texts := append([]string{}, benchTexts...)
	for _, f := range []string{"testdata/heldout/final-en.jsonl", "testdata/heldout/final-es.jsonl"} {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, line := range bytes.Split(data, []byte("\n")) {
			var p struct{ Text string }
			if json.Unmarshal(line, &p) == nil && p.Text != "" {
				texts = append(texts, p.Text)
			}
		}
	}
	runs := make([]int, len(rs.regexes))
	d := new(doc)
	for _, tx := range texts {
		rs.normalize(d, tx, "")
		for k := range rs.regexes {
			if rs.mayRun(d, k, maskES|maskEN) {
				runs[k]++
			}
		}
	}
	for k, rr := range rs.regexes {
		require.LessOrEqual(t, float64(runs[k])/float64(len(texts)), 0.03,
			"built-in expression %s runs on %d of %d posts", rr.re, runs[k], len(texts))
	}
}
