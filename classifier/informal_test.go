package classifier

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"
)

// informalRewrites write a post the way many people type it. Each is
// applied to whole blind sets by TestInformalWriting.
var informalRewrites = []struct {
	name    string
	rewrite func(text, lang string) string
}{
	{"lower case, no accents, no ¿ ¡", func(text, _ string) string {
		return strings.NewReplacer("¿", "", "¡", "").Replace(stripAccents(strings.ToLower(text)))
	}},
	{"no apostrophes", func(text, _ string) string { return apostrophe.ReplaceAllString(text, "$1$2") }},
	{"abbreviations", abbreviate},
	{"no full stops or commas", func(text, _ string) string { return endStop.ReplaceAllString(text, "$1") }},
	{"a reply's two @handles first", func(text, _ string) string { return "@juanp_92 @marta_rl " + text }},
	{"all in capitals", func(text, _ string) string { return strings.ToUpper(text) }},
}

var (
	apostrophe = regexp.MustCompile(`(\pL)['’](\pL)`)
	endStop    = regexp.MustCompile(`[.,]+(\s|$)`)
	word       = regexp.MustCompile(`\pL+`)
	porQue     = regexp.MustCompile(`(?i)\bpor qu[eé]([^\pL]|$)`)
	// The forms typed for common words, by language.
	typed = map[string]map[string]string{
		"es": {"que": "q", "porque": "xq", "también": "tmb", "para": "pa", "gracias": "grax", "todo": "tdo", "pero": "xo", "mensaje": "msj"},
		"en": {"you": "u", "your": "ur", "please": "pls", "because": "bc", "are": "r", "thanks": "thx", "people": "ppl", "before": "b4", "message": "msg"},
	}
)

// abbreviate writes common words the short way ("q", "xq", "pls", "u").
func abbreviate(text, lang string) string {
	if lang == "es" {
		text = porQue.ReplaceAllString(text, "xq$1")
	}
	return word.ReplaceAllStringFunc(text, func(w string) string {
		if short, ok := typed[lang][strings.ToLower(w)]; ok {
			return short
		}
		return w
	})
}

// stripAccents drops the accents people skip on phones, keeping ñ.
func stripAccents(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == 'ñ' || r == 'Ñ' {
			b.WriteRune(r)
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(d)
			}
		}
	}
	return b.String()
}

// TestInformalWriting rewrites every read blind set the ways people type
// (no accents or capitals, no apostrophes, "q"/"xq"/"pls", no full
// stops, a reply's @handles first, all capitals) and holds each rewrite's
// mean complaint and suggestion F1 per language within 0.01 of the
// sets as written: the normaliser, not the luck of the spelling, carries
// the verdict.
func TestInformalWriting(t *testing.T) {
	dirs := blindSetDirs(t)
	if testing.Short() || raceEnabled {
		dirs = dirs[:len(dirs)/4]
	}
	type key struct{ variant, lang, class string }
	sum := map[key]float64{}
	for _, dir := range dirs {
		c := newC(t, Options{RulesFile: filepath.Join(dir, "company.yaml")})
		for _, lang := range []string{"en", "es"} {
			path := filepath.Join(dir, lang+".jsonl")
			variants := append([]struct {
				name    string
				rewrite func(text, lang string) string
			}{{"as written", func(text, _ string) string { return text }}}, informalRewrites...)
			for _, v := range variants {
				scores := setScores(t, c, path, v.rewrite)
				sum[key{v.name, lang, "complaint"}] += scores[0]
				sum[key{v.name, lang, "suggestion"}] += scores[1]
			}
		}
	}
	n := float64(len(dirs))
	for _, v := range informalRewrites {
		for _, lang := range []string{"en", "es"} {
			for _, class := range []string{"complaint", "suggestion"} {
				base, got := sum[key{"as written", lang, class}]/n, sum[key{v.name, lang, class}]/n
				t.Logf("%-32s %s %-10s F1 %.4f (as written %.4f)", v.name, lang, class, got, base)
				require.GreaterOrEqualf(t, got, base-0.01, "%s: %s %s F1 mean", v.name, lang, class)
			}
		}
	}
}
