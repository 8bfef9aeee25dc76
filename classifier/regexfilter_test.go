package classifier

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRegexGuard(t *testing.T) {
	cases := []struct {
		expr string
		want []string // nil: no guard
	}{
		{`\bpaid for [^.!?]{0,40}[.!?] *[a-z ]{0,30}\b(gets|getting|says) \d+`, []string{"paid for "}},
		{`@[a-z0-9_]*_ceo\b|@ceo_[a-z0-9_]+\b`, []string{"_ceo", "ceo_"}},
		{`\b(scheduled|due) \d{1,2}`, []string{"due", "scheduled"}},
		{`\b\d+[^a-z0-9]{0,3}(week|weeks|month|months)[^a-z0-9]{1,3}wait\b`, []string{"wait"}},
		{`\bantes\b[^.!?]{0,60}, no despues\b`, []string{", no despues"}},
		{`(?i)hello`, nil},
		{`a|bc`, nil},     // a one-byte alternative guards nothing
		{`\d+ (x)?`, nil}, // nothing required
		{`(abc)*def`, []string{"def"}},
		{`(ab){2}`, []string{"ab"}},
	}
	for _, c := range cases {
		got := regexGuard(c.expr)
		var s []string
		for _, g := range got {
			s = append(s, string(g))
		}
		require.Equal(t, c.want, s, c.expr)
	}
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
	for _, rs := range []*ruleset{c.rs.Load()} {
		for _, rr := range rs.regexes {
			for _, tx := range texts {
				if rr.re.MatchString(tx) {
					n++
					require.True(t, guardPasses(rr.guard, []byte(tx)), "%s on %q", rr.re, tx)
				}
			}
			require.NotNil(t, rr.guard, "built-in expression %s has no guard: it runs on every text", rr.re)
		}
	}
	require.Positive(t, n)
}
