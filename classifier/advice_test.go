package classifier

import (
	"testing"

	"github.com/stretchr/testify/require"

	escucha "github.com/escucha/escucha"
)

// Advice to other customers is not a proposal to the brand (the label
// rules), so by default it is no suggestion alone (strong advice — "make
// sure to…" with "ask for…" — still is); under
// classifier.suggestions "any" (what SemEval-2019 Task 9 counts) it is.
func TestSuggestionsScope(t *testing.T) {
	brand := newC(t, Options{})
	anyScope := newC(t, Options{Suggestions: SuggestionsAny})
	advice := []string{
		"If you want quiet, the Acme Lakeside rooms at the back are your best bet",
		"I'd highly recommend the Acme harbour tour, book it the day before",
		"Bring earplugs if you take the Acme night bus. Trust me",
		"Si vas al hotel Acme, pedí una habitación que dé al patio",
		"Les recomiendo llegar temprano a Acme, a las 10 ya no hay lugar",
		"Mi consejo: en Acme, reservá la mesa de la terraza con tiempo",
		"If you're a student bring your card, the museum next to Acme Lakeside gives discounts.",
		"There's one receptionist at Acme Lakeside at night, so don't expect help with bags.",
		"Want a spa in winter at Acme Lakeside? Forget it, it closes in October.",
		"If you don't mind a bit of noise, this is the right hotel for a city break.",
	}
	for _, text := range advice {
		vb := brand.Classify(text, "")
		require.NotEqual(t, escucha.LabelSuggestion, vb.Label, "brand scope: %q %v", text, vb.RuleIDs())
		va := anyScope.Classify(text, "")
		require.Equal(t, escucha.LabelSuggestion, va.Label, "any scope: %q %v", text, va.RuleIDs())
		// The advice rules left out by default (weight 0) never show up
		// in a brand-scope explanation.
		for _, r := range vb.Rules {
			require.NotContains(t, []string{"en.suggestion.tip_recommend", "en.suggestion.tip_place", "en.suggestion.tip_imperative", "en.suggestion.tip_info", "en.suggestion.r46_tip_if_you", "es.suggestion.consejo_cliente"}, r.ID, text)
		}
	}
	// A post framed as a tip to other customers: its imperatives are no
	// proposal to the brand by default; under "any" the framing is left
	// out and the advice makes a suggestion.
	for _, text := range []string{
		"Tip for new Acme owners: book the first service online and ask for the free wash",
		"Consejo para los que piden en Acme: pongan el piso y la puerta en las notas",
	} {
		vb := brand.Classify(text, "")
		require.Equal(t, escucha.LabelOther, vb.Label, "brand scope: %q %v", text, vb.RuleIDs())
		va := anyScope.Classify(text, "")
		require.Equal(t, escucha.LabelSuggestion, va.Label, "any scope: %q %v", text, va.RuleIDs())
		for _, r := range va.Rules {
			require.NotContains(t, []string{"en.other.r46_tip_for_customers", "es.other.r46_consejo_clientes"}, r.ID, text)
		}
	}
	// Proposals to the brand and complaints are the same in both scopes.
	for _, c := range []*Classifier{brand, anyScope} {
		requireLabels(t, c, escucha.LabelSuggestion, "@acme please add a dark mode to the app", "Acme deberían abrir los domingos")
		requireLabels(t, c, escucha.LabelComplaint, "Ordered from @acme on the 3rd, still nothing, and support stopped answering",
			"Me cobraron dos veces en Acme y nadie me devuelve el dinero")
	}
}

func TestSuggestionsScopeOptions(t *testing.T) {
	_, err := New(Options{Suggestions: "everyone"})
	require.ErrorContains(t, err, `suggestions "everyone"`)

	c := newC(t, Options{})
	same, err := c.WithSuggestions(SuggestionsBrand)
	require.NoError(t, err)
	require.Same(t, c, same)
	other, err := c.WithSuggestions(SuggestionsAny)
	require.NoError(t, err)
	require.NotSame(t, c, other)
	back, err := other.WithSuggestions(SuggestionsAny)
	require.NoError(t, err)
	require.Same(t, other, back)
	_, err = c.WithSuggestions("everyone")
	require.ErrorContains(t, err, `suggestions "everyone"`)
}

// A company's own advice rule: weight 0 leaves it out by default, an
// advice framing of class other counts only by default, and "advice" is
// refused on a rule that is neither.
func TestCustomAdviceRule(t *testing.T) {
	path := rulesFile(t, "rules:\n  - id: acme.tip.parking\n    lang: en\n    class: suggestion\n    weight: 0\n    advice: true\n    explain: parking tip\n    patterns: [\"park ..2 behind\"]\n")
	text := "Park behind the Acme store, it's free after 6"
	v := newC(t, Options{RulesFile: path}).Classify(text, "en")
	require.False(t, hasRule(v, "acme.tip.parking"), v.RuleIDs())
	v = newC(t, Options{RulesFile: path, Suggestions: SuggestionsAny}).Classify(text, "en")
	require.True(t, hasRule(v, "acme.tip.parking"), v.RuleIDs())
	require.Equal(t, escucha.LabelSuggestion, v.Label, v.RuleIDs())
	for _, r := range v.Rules {
		if r.ID == "acme.tip.parking" {
			require.InDelta(t, adviceWeight, r.Weight, 1e-9)
		}
	}

	framing := rulesFile(t, "rules:\n  - id: acme.tip.framing\n    lang: en\n    class: other\n    weight: 2\n    advice: true\n    explain: a tip for shoppers\n    patterns: [\"shoppers ..0 tip\"]\n")
	text = "Shoppers tip: park behind the Acme store"
	v = newC(t, Options{RulesFile: framing}).Classify(text, "en")
	require.True(t, hasRule(v, "acme.tip.framing"), v.RuleIDs())
	v = newC(t, Options{RulesFile: framing, Suggestions: SuggestionsAny}).Classify(text, "en")
	require.False(t, hasRule(v, "acme.tip.framing"), v.RuleIDs())

	bad := rulesFile(t, "rules:\n  - id: acme.tip.bad\n    class: complaint\n    advice: true\n    explain: x\n    patterns: [hola]\n")
	_, err := New(Options{RulesFile: bad})
	require.ErrorContains(t, err, `:2: rule "acme.tip.bad": advice: only suggestion rules (advice to other customers) and other rules`)
}
