package classifier

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/escucha/escucha"
)

// cueRules is a company file with cue words no built-in rule knows.
const cueRules = `rules:
  - id: acme.cue.made_up
    lang: en
    class: cue
    weight: 0.5
    explain: made-up words seen in complaints
    patterns: ["zorblat|quuxen|flimber|gadroon"]
`

func TestCuesFlagOnlyWhatNothingElseDecides(t *testing.T) {
	c := newC(t, Options{RulesFile: rulesFile(t, cueRules)})

	// Three distinct cue words (3 × 0.5 beats the prior of other, 1.0):
	// a complaint, explained by the cue rule with each word's span.
	text := "@acme zorblat then quuxen and flimber"
	v := c.Classify(text, "en")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	var spans []string
	for _, r := range v.Rules {
		if r.ID == "acme.cue.made_up" {
			require.InDelta(t, 1.5, r.Weight, 1e-9)
			for _, sp := range r.Spans {
				spans = append(spans, text[sp.Start:sp.End])
			}
		}
	}
	require.Equal(t, []string{"zorblat", "quuxen", "flimber"}, spans)

	requireLabels(t, c, escucha.LabelOther,
		"@acme zorblat and quuxen",                    // two words are chance
		"@acme zorblat zorblat zorblat quuxen quuxen", // a word counts once
		// An other rule claimed the post ("knock on wood"): cues give way.
		"@acme zorblat quuxen flimber gadroon, knock on wood",
	)
	// A proposal stays a proposal.
	requireLabels(t, c, escucha.LabelSuggestion, "@acme please add zorblat, quuxen and flimber to the app")
}

// TestBuiltinCuesAreContentWords keeps the mined lists to what a reader
// can weigh: no word the language file lists as a stop word, negator,
// contrast or person word, or rewrites as an abbreviation, is a cue.
func TestBuiltinCuesAreContentWords(t *testing.T) {
	for _, name := range builtinNames {
		data, err := builtinFS.ReadFile(name)
		require.NoError(t, err)
		var f struct {
			Stopwords, Negators, Contrast, Persons []string
			Abbreviations                          map[string]string
			Rules                                  []struct {
				ID, Class string
				Weight    float64
				Patterns  []string
			}
		}
		require.NoError(t, yaml.Unmarshal(data, &f), name)
		function := map[string]bool{}
		for _, l := range [][]string{f.Stopwords, f.Negators, f.Contrast, f.Persons} {
			for _, w := range l {
				function[w] = true
			}
		}
		for w := range f.Abbreviations {
			function[w] = true
		}
		cues := 0
		for _, r := range f.Rules {
			if r.Class != "cue" {
				continue
			}
			require.LessOrEqual(t, r.Weight, maxCueWeight, r.ID)
			for _, p := range r.Patterns {
				for _, w := range strings.Split(p, "|") {
					require.False(t, function[w], "%s: %s: %q is a function word", name, r.ID, w)
					cues++
				}
			}
		}
		require.Greater(t, cues, 100, "%s has its mined cue words", name)
	}
}

// TestDisableBuiltinRules switches built-in rules off from the company
// file: an id, or a prefix such as all English cue words.
func TestDisableBuiltinRules(t *testing.T) {
	const cues = "@acme voicemail, refund, reference number"
	const fault = "@acme the order never arrived"
	base := newC(t, Options{})
	require.Equal(t, escucha.LabelComplaint, base.Classify(cues, "en").Label)
	require.Contains(t, base.Classify(fault, "en").RuleIDs(), "en.complaint.defect")

	c := newC(t, Options{RulesFile: rulesFile(t, "disable:\n  - en.cue.*\n  - en.complaint.defect\n")})
	v := c.Classify(cues, "en")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
	for _, id := range v.RuleIDs() {
		require.False(t, strings.HasPrefix(id, "en.cue."), id)
	}
	v = c.Classify(fault, "en")
	require.Equal(t, escucha.LabelComplaint, v.Label, "the other rules still see the fault")
	require.NotContains(t, v.RuleIDs(), "en.complaint.defect")
	// Spanish cue words are untouched.
	v = c.Classify("@acme comprobantes, apellido, clarito", "es")
	require.Equal(t, escucha.LabelComplaint, v.Label)
	require.Equal(t, base.Classify("@acme comprobantes, apellido, clarito", "es").RuleIDs(), v.RuleIDs())
	for _, id := range v.RuleIDs() {
		require.True(t, strings.HasPrefix(id, "es.cue."), id)
	}
}
