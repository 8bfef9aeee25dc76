package classifier

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// tokenSamples are texts the tokenizer reads as each token class.
var tokenSamples = map[string]string{
	"<num>": "12", "<time>": "10:30", "<cur>": "€", "<url>": "https://x.y",
	"<handle>": "@cuenta", "<emoji>": "😡", "<caps>": "TERRIBLE",
}

// synthesize writes a text that pattern src should match: the first
// option of each choice, prefixes completed with a letter, gaps filled
// with filler words (none when filler is ""), token classes as samples.
// It reports false for regular expressions.
func synthesize(src, filler string) (string, bool) {
	if strings.HasPrefix(strings.TrimSpace(src), "re:") {
		return "", false
	}
	var words []string
	for _, part := range strings.Fields(src) {
		if part == "..." || strings.HasPrefix(part, "..") {
			if filler != "" && part != "..0" {
				words = append(words, filler)
			}
			continue
		}
		alt, _, _ := strings.Cut(part, "|")
		if s, ok := tokenSamples[alt]; ok {
			words = append(words, s)
			continue
		}
		if pre, ok := strings.CutSuffix(alt, "*"); ok {
			alt = pre + "a"
		}
		words = append(words, alt)
	}
	return strings.Join(words, " "), true
}

// TestEveryPatternCanMatch synthesizes a text from every built-in
// pattern and requires the pattern's rule to match it, covering the
// synthesized words, with the real matcher in the rule's language.
func TestEveryPatternCanMatch(t *testing.T) {
	// Under "any" every rule but the advice framings of class other (left
	// out there) compiles, the advice rules of weight 0 too; those
	// framings are checked under "brand".
	type compiled struct {
		rs  *ruleset
		idx int32
	}
	ruleIdx := map[string]compiled{}
	for _, scope := range []string{SuggestionsBrand, SuggestionsAny} {
		rs, err := compile(Options{Suggestions: scope})
		require.NoError(t, err)
		for i, r := range rs.rules {
			ruleIdx[r.id] = compiled{rs, int32(i)}
		}
	}
	dead := map[string]int{}
	for _, name := range []string{"rules/es.yaml", "rules/en.yaml"} {
		data, err := builtinFS.ReadFile(name)
		require.NoError(t, err)
		var f langFile
		require.NoError(t, yaml.Unmarshal(data, &f))
		for i := range f.Rules {
			s, _, err := decodeRule(&f.Rules[i])
			require.NoError(t, err)
			lang := s.Lang
			if lang == "" || lang == "any" {
				lang = f.Lang
			}
			for _, p := range s.Patterns {
				var fails []string
				for _, filler := range []string{"", "foo"} {
					text, ok := synthesize(p, filler)
					if !ok {
						continue
					}
					extra := 0
					if s.Question && !strings.HasSuffix(text, "?") {
						text += " ?"
						extra = 1
					}
					c, ok := ruleIdx[s.ID]
					require.True(t, ok, "rule %q compiles in no scope", s.ID)
					if msg := matchesWhole(c.rs, c.idx, text, lang, extra); msg != "" {
						fails = append(fails, fmt.Sprintf("%q: %s", text, msg))
					}
				}
				if len(fails) > 0 {
					dead[name]++
					t.Errorf("%s:%d: rule %q: pattern %q cannot match: %s", name, f.Rules[i].Line, s.ID, p, strings.Join(fails, "; "))
				}
			}
		}
	}
	if len(dead) > 0 {
		t.Logf("dead patterns per file: %v", dead)
	}
}

// matchesWhole runs the matcher on text in lang and reports why rule ri
// does not match all of its words, the last extra tokens aside (""
// when it does).
func matchesWhole(rs *ruleset, ri int32, text, lang string, extra int) string {
	d := new(doc)
	_, mask := rs.normalize(d, text, lang)
	rs.match(d, mask)
	first, last := -1, -1
	for i := range d.toks {
		if first < 0 {
			first = i
		}
		last = i
	}
	last -= extra // a "?" appended for a question rule is not the pattern's
	var got []string
	for _, h := range d.hits {
		if h.rule != ri {
			continue
		}
		if int(h.start) == first && int(h.end) == last {
			return ""
		}
		got = append(got, fmt.Sprintf("[%d,%d]", h.start, h.end))
	}
	var toks []string
	for i := range d.toks {
		toks = append(toks, string(d.norm(i)))
	}
	if len(got) == 0 {
		return fmt.Sprintf("no hit (tokens %q)", toks)
	}
	return fmt.Sprintf("hits %v do not cover tokens [%d,%d] %q", got, first, last, toks)
}

// TestRewrittenPatternWordsMatch checks that a pattern word the
// normaliser rewrites into one word matches the text it was written
// for, and that a question rule may end on its "?".
func TestRewrittenPatternWordsMatch(t *testing.T) {
	rs, err := compile(Options{Suggestions: SuggestionsAny})
	require.NoError(t, err)
	idx := func(id string) int32 {
		for i, r := range rs.rules {
			if r.id == id {
				return int32(i)
			}
		}
		t.Fatalf("no rule %q", id)
		return -1
	}
	// "fibra" is rewritten to "internet" before matching.
	require.Empty(t, matchesWhole(rs, idx("es.suggestion.cuando_llega"), "cuando llega la fibra a ?", "es", 1))
	// A question rule whose pattern ends with "?".
	require.Empty(t, matchesWhole(rs, idx("en.r6.fault_question"), "acceptable ?", "en", 0))
	require.NotEmpty(t, matchesWhole(rs, idx("en.r6.fault_question"), "acceptable .", "en", 0))
}
