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
