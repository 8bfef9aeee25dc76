package classifier

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSplitHashtags checks which one-run hashtags are read as words, and
// that every part keeps its span in the original text.
func TestSplitHashtags(t *testing.T) {
	c := newC(t, Options{})
	rs := c.rs.Load()
	for tag, want := range map[string]string{
		"#worstflightexperienceever": "worst flight experience ever",
		"#WORSTSERVICEEVER":          "worstservice ever", // the fewest words the rules know
		"#wantmymoneyback":           "want my money back",
		"#neveragain":                "neveragain", // a word of the rules already
		"#ihateyou":                  "i hate you",
		"#firesale":                  "firesale", // two content words: too often one word
		"#deadline":                  "deadline",
		"#fail":                      "fail", // short tags stay whole
		"#MalServicio":               "mal servicio",
		"#acmexyzqwerty":             "acmexyzqwerty",  // no reading
		"#pésimoservicio":            "pesimoservicio", // not ASCII: spans would move
	} {
		d := &doc{}
		text := "@acme " + tag + " ok"
		d.reset(text)
		d.prepare(rs)
		d.tokenize()
		rs.splitHashtags(d)
		var got []string
		for _, tk := range d.toks {
			if tk.flags&fHashtag == 0 {
				continue
			}
			got = append(got, string(d.buf[tk.ns:tk.ne]))
			require.Equal(t, FoldWord(text[tk.os:tk.oe]), string(d.buf[tk.ns:tk.ne]), "%s: the span %q", tag, text[tk.os:tk.oe])
			require.Equal(t, byte(' '), d.buf[tk.ne], "every folded form ends with a space")
		}
		require.Equal(t, want, strings.Join(got, " "), tag)
	}
}
