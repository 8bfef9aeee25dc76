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
		c, err := New(Options{Brand: config.Brand{Name: tc.brand}})
		require.NoError(t, err)
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
	c, err := New(Options{})
	require.NoError(t, err)
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
