package classifier

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuoted(t *testing.T) {
	cases := []struct {
		text, word string
		want       bool
	}{
		{"Zavvio has 'the most reliable network in the UK'. I'm stood on SOS only.", "reliable", true},
		{`the "fast" delivery took 9 days`, "fast", true},
		{"la entrega «rápida» tardó 9 días", "rápida", true},
		{"el envío “súper rápido” tardó 9 días", "rápido", true},
		{"I don't love it but it's great", "great", false},
		{"great service, 'as always'", "great", false},
		{"the customers' lounge was great", "great", false},
		{"'quiet' my foo", "foo", false},
	}
	for _, c := range cases {
		s := indexOf(c.text, c.word)
		if got := quoted(c.text, s, s+len(c.word)); got != c.want {
			t.Errorf("quoted(%q, %q) = %v, want %v", c.text, c.word, got, c.want)
		}
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestQuoteSpansAgreeWithQuoted checks quoteSpans + inQuote against quoted
// for every pair of rune boundaries of texts with every kind of mark,
// apostrophes, line breaks and quotations left open.
func TestQuoteSpansAgreeWithQuoted(t *testing.T) {
	texts := []string{
		`status page says "fully operational" lol`,
		"el plan «sin permanencia» y me cobran",
		"“tracked delivery” they said. it's in 'transit'",
		"don't say 'never' to O'Brien's 'offer",
		"line one \"open\nline two\" closed?",
		"'quoted at the start' and ‘curly’ and ’odd‘",
		"he said \"it's 'fine' now\" and left.'",
		"unclosed “quote at the end",
		"\"\"",
		"'a'\n'b' \"c\n",
		"…ellipsis ☀ and → arrows 'x' «y» “z”",
		"it.' then 'more) here.' and (this)' too",
	}
	for _, text := range texts {
		spans := quoteSpans(text, nil)
		var bounds []int
		for i := range text {
			bounds = append(bounds, i)
		}
		bounds = append(bounds, len(text))
		for a, s := range bounds {
			for _, e := range bounds[a+1:] {
				require.Equal(t, quoted(text, s, e), inQuote(spans, s, e), "%q [%d,%d) %q spans %v", text, s, e, text[s:e], spans)
			}
		}
	}
}

// TestWholeQuote checks that only a quotation spanning the whole post is
// taken for the post itself.
func TestWholeQuote(t *testing.T) {
	for text, want := range map[string]bool{
		`"Please add dark mode to the app"`:          true,
		"  “Please add dark mode”  ":                 true,
		`They told me "please wait" and hung up`:     false,
		`"Please wait", they said. I waited 3 hours`: false,
		`My review: "five stars" lol`:                false,
		`"unclosed quotation that runs to the end`:   false,
	} {
		spans := quoteSpans(text, nil)
		got := len(spans) == 1 && wholeQuote(text, spans[0])
		require.Equal(t, want, got, "%q %v", text, spans)
	}
}
