package classifier

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// A brand whose name is an ordinary word must not lend that word's
// meaning to the posts that name it.
func TestBrandNameIsNotPraise(t *testing.T) {
	texts := []struct{ brand, text string }{
		{"Genial Seguros", "Genial Seguros me cobró la cuota dos veces este mes y nadie me devuelve el dinero"},
		{"Perfect Pets", "Perfect Pets charged my card twice this month and nobody will refund me"},
	}
	for _, tc := range texts {
		c := newC(t, Options{Brand: config.Brand{Name: tc.brand}})
		v := c.Classify(tc.text, "")
		require.Equal(t, escucha.LabelComplaint, v.Label, "%s: %+v", tc.text, v.Rules)
		for _, r := range v.Rules {
			require.NotContains(t, r.ID, "praise", "the brand name fired a praise rule: %+v", v.Rules)
		}
	}
}

// TestCoversMasksTheDeniedProblem: a rule that covers ("nunca he tenido un
// problema") takes the grievance words inside its own match out of the
// count; the same words elsewhere in the post still count.
func TestCoversMasksTheDeniedProblem(t *testing.T) {
	c := newC(t, Options{})
	v := c.Classify("Yo he estado en cinco hoteles de Acme y nunca he tenido un problema, la verdad", "es")
	require.Equal(t, escucha.LabelOther, v.Label, v.Rules)
	ids := map[string]bool{}
	for _, r := range v.Rules {
		ids[r.ID] = true
	}
	require.True(t, ids["es.other.r11_sin_problemas"], v.Rules)
	require.False(t, ids["es.complaint.fallo"], "'problema' inside the denial is not a failure: %v", v.Rules)
	v = c.Classify("Nunca he tenido un problema con Acme hasta hoy: la app no funciona y nadie contesta", "es")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.Rules)
}

// TestPraiseCoversAProposal: encouragement ("keep up the great work",
// "sigan así") asks for nothing, so the proposal rule its words would
// start ("Keep the…") does not count; a proposal outside those words
// still does, and encouragement beside a grievance stays a complaint.
func TestPraiseCoversAProposal(t *testing.T) {
	c := newC(t, Options{})
	cheers := []string{"Keep up the great work @acme!", "@acme keep it up, love the new menu"}
	requireLabels(t, c, escucha.LabelOther, cheers...)
	requireRule(t, c, "en", false, []string{"en.suggestion.imperative"}, cheers...)
	requireLabels(t, c, escucha.LabelSuggestion, "@acme keep the old plan for existing customers, please")
	requireLabels(t, c, escucha.LabelComplaint, "Keep it up @acme, 3rd cancellation this month 👏",
		"Sigan así @acme y se quedan sin clientes, tercera caída esta semana")
}

// TestServedPraiseThenBut: praise for the people who served, then "but" in
// a later sentence, is the label rules' "the staff were lovely but…" even
// when nothing after the contrast word is a known grievance; the same
// praise with no contrast word stays praise.
func TestServedPraiseThenBut(t *testing.T) {
	c := newC(t, Options{})
	requireLabels(t, c, escucha.LabelComplaint,
		"The installers from Acme were lovely and tidy. But the panels are on the north side of the roof.",
		"Los instaladores de Acme majísimos, rápidos y limpios. Pero el canalón quedó en la puerta de casa.")
	requireLabels(t, c, escucha.LabelOther, "The installers from Acme were lovely and tidy, the panels look great.")
}

// TestEndAttribute checks rule attribute end: a dry verdict closing the
// post ("… Bacán", "… Progress") is irony after a grievance, while the
// same word with more of the post after it is not matched by such a rule.
func TestEndAttribute(t *testing.T) {
	c := newC(t, Options{})
	closing := []string{
		"Llevo 25 min en la gasolinera de Acme y funciona 1 surtidor de 6. Un domingo. Bacán",
		"Pedí a Acme un cargador y llevo 3 semanas esperando. Un lujo 👏 @acme",
		"My Acme train was cancelled again this morning, third time this week. Progress #acme",
	}
	requireLabels(t, c, escucha.LabelComplaint, closing...)
	requireRule(t, c, "", true, []string{"es.sarcasm.r33_seco_final", "en.sarcasm.r33_curt_end"}, closing...)
	v := c.Classify("Llevo 25 min en la gasolinera de Acme. Bacán el café de la tienda, eso sí", "es")
	require.False(t, hasRule(v, "es.sarcasm.r33_seco_final"), v.RuleIDs())

	c2 := newC(t, Options{RulesFile: rulesFile(t, `rules:
  - id: acme.other.ends_with_thanks
    lang: en
    class: other
    weight: 1
    end: true
    explain: "thanks closing the post"
    patterns: ["thanks ..0 acme"]
`)})
	require.True(t, hasRule(c2.Classify("It came early, thanks Acme 🙌 #happy", "en"), "acme.other.ends_with_thanks"))
	require.False(t, hasRule(c2.Classify("Thanks Acme for nothing", "en"), "acme.other.ends_with_thanks"))
}

// TestSubjectlessVerbIsPersonal checks rule attribute person: English
// drops the subject of a sentence-opening verb ("Paid €18 for…"), and such
// a post is the author's story, not commentary damped as impersonal; the
// same verb inside a sentence is not.
func TestSubjectlessVerbIsPersonal(t *testing.T) {
	c := newC(t, Options{})
	v := c.Classify("Paid €18 for the Acme premium seat upgrade. Same seat as everyone else and a cold sandwich in cling film", "en")
	require.True(t, hasRule(v, "en.other.r33_subjectless"), v.RuleIDs())
	require.False(t, hasRule(v, "en.signal.impersonal"), v.RuleIDs())
	v = c.Classify("Passengers who paid €18 for the Acme premium seat upgrade got the same seat as everyone else and a cold sandwich", "en")
	require.False(t, hasRule(v, "en.other.r33_subjectless"), v.RuleIDs())
	require.True(t, hasRule(v, "en.signal.impersonal"), v.RuleIDs())
}

// TestQuotedOtherIsSomeoneElses checks that the other rules' words inside
// quotation marks — an excuse, a self-blame, "resolved" — are someone
// else's, not the author's stance, while the news rules still read a
// quoted headline.
func TestQuotedOtherIsSomeoneElses(t *testing.T) {
	c := newC(t, Options{})
	v := c.Classify("Got an email from Acme: 'your password was changed'. I didn't change it. 0.8 BTC gone. Support says 'user error'.", "en")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.False(t, hasRule(v, "en.other."), v.RuleIDs())
	v = c.Classify("Acme app wouldn't log me in all morning. User error, I had caps lock on. Sorry Acme", "en")
	require.True(t, hasRule(v, "en.other."), v.RuleIDs())
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
}
