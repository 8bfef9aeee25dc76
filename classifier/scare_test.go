package classifier

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

// A short quotation in the author's own story is the brand's words thrown
// back at it; quotations in news, quote posts and dialogue are not.
func TestScareQuote(t *testing.T) {
	c := newC(t, Options{})
	cases := []struct {
		text   string
		quoted string // the highlighted quotation, "" when the signal must not fire
	}{
		{"@linkora your status page says my area is 'fully operational'. I'm writing this from the café across the road.", "fully operational"},
		{"Pagué el plan «sin permanencia» de @fibrano y ahora me piden 90 € por darme de baja.", "sin permanencia"},
		{"Mi pedido lleva “en preparación” desde el lunes y hoy es viernes, @envialo", "en preparación"},
		// News quoting a CEO: no person outside the quotation.
		{`Kettlo CEO Ana Ruiz: "We will double our stores in Spain by 2027"`, ""},
		// A post that is only a quotation.
		{`"Best service in town"`, ""},
		// Apostrophes are not quotation marks.
		{"I don't think the driver's van was even moving, we've waited all day", ""},
		// A proposal naming a button keeps its quotation.
		{"Would be great if @plumbo added a 'leave with neighbour' option at checkout", ""},
	}
	for _, tc := range cases {
		v := c.Classify(tc.text, "")
		var got string
		for _, r := range v.Rules {
			if r.ID == v.Lang+".signal.quote" {
				require.Len(t, r.Spans, 1, tc.text)
				got = tc.text[r.Spans[0].Start:r.Spans[0].End]
			}
		}
		require.Equal(t, tc.quoted, got, "%q %v", tc.text, v.RuleIDs())
		if tc.quoted != "" {
			require.Equal(t, escucha.LabelComplaint, v.Label, "%q %v", tc.text, v.RuleIDs())
		}
	}
}

// TestEcho: a quoted word said again after the quotation is the claim
// turned back on itself, whoever tells it (news-like posts too); a name
// said again or a short word is not an echo.
func TestEcho(t *testing.T) {
	c := newC(t, Options{Brand: config.Brand{Name: "Kelvora", Handles: []string{"kelvora"}}})
	requireLabels(t, c, escucha.LabelComplaint,
		"Beatriz Olmedo habla de 'economía circular' y Kelvora no vende ni la goma de la puerta. Circular el dinero",
		"Patch notes: 'improved drop rates'. 140 pulls since, nothing. Improved for whom")
	for _, text := range []string{
		"Beatriz Olmedo habla de 'economía circular' y Kelvora no vende ni la goma de la puerta. Circular el dinero",
	} {
		v := c.Classify(text, "")
		require.True(t, hasRule(v, "es.signal.echo"), v.RuleIDs())
	}
	v := c.Classify("Heads up: that 'Kelvora refund' text is phishing. Kelvora doesn't text links.", "en")
	require.False(t, hasRule(v, "en.signal.echo"), v.RuleIDs())
}
