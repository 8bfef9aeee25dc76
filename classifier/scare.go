package classifier

import (
	"strings"
	"unicode/utf8"
)

// Scare quotes: a customer who quotes the brand's own words back
// ('no prior coding required', "envío gratis", 'fully restored') and then
// tells what happened is complaining, even when no word of the post is
// negative. A quotation in a post told in the first or second person
// (outside the quotation) is one more piece of evidence for a grievance;
// news quoting a CEO ("Vamos a duplicar la flota") has no person outside
// the quotation, and a post that is only a quotation is a quote post.

// maxScareWords is the most words a quotation may hold to be read as
// words thrown back at the brand rather than a quoted statement.
const maxScareWords = 12

// maxScareSpans is how many quotations of a post are looked at.
const maxScareSpans = 4

// scareQuote returns the first and last tokens of the first quotation of
// at most maxScareWords words, when some token outside every quotation is
// a first or second person word or the brand's or CEO's @handle (person
// reports token i) and at least two words lie outside; ok is false
// otherwise. It reads the text once for the quotations and the tokens
// once.
func scareQuote(text string, toks []token, person func(i int) bool) (hit, bool) {
	var spans [maxScareSpans][2]int32
	n := 0
	i := 0
	open, openAt := rune(-1), 0
	for i < len(text) && n < maxScareSpans {
		// Jump to the next byte that can start a quotation mark; a line
		// break on the way closes an open quotation.
		j := i + firstQuoteByte(text[i:])
		if open >= 0 && strings.IndexByte(text[i:j], '\n') >= 0 {
			open = -1
		}
		if i = j; i >= len(text) {
			break
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if q := quoteKind(text, i, r, size); q != 0 {
			switch {
			case open < 0 && q&qOpen != 0:
				open, openAt = r, i+size
			case open >= 0 && q&qClose != 0 && closes(open, r):
				if i > openAt {
					spans[n] = [2]int32{int32(openAt), int32(i)}
					n++
				}
				open = -1
			}
		}
		i += size
	}
	if n == 0 {
		return hit{}, false
	}
	var words [maxScareSpans]int
	var first, last [maxScareSpans]int32 // each quotation's first and last token
	outside, personal := 0, false
	for ti := range toks {
		t := &toks[ti]
		in := -1
		for k := range n {
			if t.os >= spans[k][0] && t.oe <= spans[k][1] {
				in = k
				break
			}
		}
		if in < 0 {
			if t.kind == kWord || t.kind == kHandle {
				outside++
			}
			if person(ti) {
				personal = true
			}
			continue
		}
		if words[in] == 0 {
			first[in] = int32(ti)
		}
		last[in] = int32(ti)
		words[in]++
	}
	if !personal || outside < 2 {
		return hit{}, false
	}
	for k := range n {
		if words[k] > 0 && words[k] <= maxScareWords {
			return hit{start: first[k], end: last[k]}, true // the first short quotation
		}
	}
	return hit{}, false
}
