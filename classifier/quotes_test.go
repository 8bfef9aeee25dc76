package classifier

import (
	"testing"
	"unicode/utf8"

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
		if got := inQuote(quoteSpans(c.text, nil), s, s+len(c.word)); got != c.want {
			t.Errorf("inQuote(%q, %q) = %v, want %v", c.text, c.word, got, c.want)
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
		`"Please allow users to view "comments" in office docs"`,
		`  “Add an option "Private" to lock photos”  `,
		`"Fast delivery" they said. Still waiting for "soon"`,
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
		`'Please add dark mode'`:                     true,
		`"Please add a "Private" option"`:            true,
	} {
		// As maskHits reads it: quoteSpans reads inside a wrapper.
		lo, _ := wrapped(text)
		got := lo > 0
		require.Equal(t, want, got, "%q %v", text, quoteSpans(text, nil))
	}
}

// TestWrapped checks which posts are read as one quotation from end to
// end, and that the quotations inside such a post still count.
func TestWrapped(t *testing.T) {
	for _, c := range []struct {
		text   string
		inside string // text[lo:hi] when wrapped, "" when not
		spans  int    // quotations quoteSpans finds
	}{
		{`"Please add dark mode to the app"`, "Please add dark mode to the app", 0},
		{"  “Please add dark mode”  ", "Please add dark mode", 0},
		{`"Please enable pinning of the "Wi-Fi" settings on Start page."`, `Please enable pinning of the "Wi-Fi" settings on Start page.`, 1},
		{`"Enable commands like "play song", "play artist" (and "play album")"`, `Enable commands like "play song", "play artist" (and "play album")`, 3},
		{`«Quiero el plan "sin permanencia" ya»`, `Quiero el plan "sin permanencia" ya`, 1},
		{`"I wish the "lossy" jpeg format were optional"`, `I wish the "lossy" jpeg format were optional`, 1},
		{`'Please don't drop the 'basic' plan'`, `Please don't drop the 'basic' plan`, 1},
		{"‘I’m on hold again’", "I’m on hold again", 0},
		{`'basic' they call it. it's not'`, "", 1}, // the outer quotation closes early
		{`"Fast delivery" they said. Still waiting for "soon"`, "", 2},
		{`"Please wait", they said. I waited 3 hours`, "", 1},
		{`They told me "please wait" and hung up`, "", 1},
		{`"a"b"c"`, "", 2}, // a straight mark between letters: either way
		{`"unclosed at the end`, "", 1},
		{`""`, "", 1}, // an empty quotation
		{"", "", 0},
	} {
		lo, hi := wrapped(c.text)
		if c.inside == "" {
			require.Equal(t, [2]int{0, len(c.text)}, [2]int{lo, hi}, "%q", c.text)
		} else {
			require.Equal(t, c.inside, c.text[lo:hi], "%q", c.text)
		}
		require.Len(t, quoteSpans(c.text, nil), c.spans, "%q", c.text)
	}
}

// quoted is the reference quoteSpans is checked against, one scan a hit:
// it reports whether text[s:e] lies between an opening and a closing
// quotation mark on the same line. Double quotes (" “ ” « ») and single
// quotes (' ‘ ’) count; a single quote between two letters is an
// apostrophe ("don't"), so it neither opens nor closes a quotation.
func quoted(text string, s, e int) bool {
	// Until the first byte that can start a quotation mark (most texts
	// have none before the hit) nothing can open one: skip there. Those
	// bytes never continue a UTF-8 sequence, so the scan from 0 would
	// decode a rune there too.
	// A post wrapped whole in one quotation is read inside the wrapper.
	lo, hi := wrapped(text)
	i := lo + firstQuoteByte(text[lo:max(lo, min(s, hi))])
	if i >= s {
		return false
	}
	open := -1 // the quote character that opened the span, -1 = none open
	for i < hi {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '\n' {
			open = -1
		}
		if i >= s && open < 0 {
			return false // the hit starts outside any quotation
		}
		if i >= e {
			return open >= 0 // the hit ended inside an open quotation
		}
		if q := quoteKind(text, i, r, size); q != 0 {
			switch {
			case open < 0 && q&qOpen != 0:
				open = int(r)
			case open >= 0 && q&qClose != 0 && closes(rune(open), r):
				if i < s {
					open = -1
				} else {
					return false // closed inside the hit: not wholly quoted
				}
			}
		}
		i += size
	}
	return false
}
