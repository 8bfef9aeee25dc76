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
// otherwise. It also reports an echo: a word of five letters or more of
// such a quotation (not a stop word, stop reports token i) said again
// after it ("'revolucionó el estacionamiento'. Revolucionó el precio",
// "'the customer comes first'. The customer has waited 25 min"), the
// quoted claim turned back on itself whoever tells it; echo is the token
// said again; a number of such a quotation followed by a number after it
// counts the same (a claimed figure, then the real one). It reads the text once for the quotations and the tokens
// once, and the echo search only looks at short quotations' words.
func scareQuote(text string, toks []token, buf []byte, person, stop func(i int) bool) (q hit, ok bool, echo hit, echoOK bool) {
	var spans [maxScareSpans][2]int32
	n := 0
	// A post wrapped whole in one quotation is the author's own: only the
	// quotations inside it count (see wrapped).
	i, hi := wrapped(text)
	open, openAt := rune(-1), 0
	for i < hi && n < maxScareSpans {
		// Jump to the next byte that can start a quotation mark; a line
		// break on the way closes an open quotation.
		j := i + firstQuoteByte(text[i:hi])
		if open >= 0 && strings.IndexByte(text[i:j], '\n') >= 0 {
			open = -1
		}
		if i = j; i >= hi {
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
		return hit{}, false, hit{}, false
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
	for k := range n {
		if words[k] == 0 || words[k] > maxScareWords || echoOK {
			continue
		}
		for a := first[k]; a <= last[k] && !echoOK; a++ {
			ta := &toks[a]
			if ta.kind == kNum || ta.kind == kTime {
				// A number claimed, then a number told: "'le llamamos en
				// 24h'… 24 días hábiles", "'entrega en 48h' — show's in 3 hours".
				for b := last[k] + 1; int(b) < len(toks); b++ {
					if tb := &toks[b]; (tb.kind == kNum || tb.kind == kTime) && !insideAny(tb, spans[:n]) {
						echo, echoOK = hit{start: b, end: b}, true
						break
					}
				}
				continue
			}
			if ta.kind != kWord || ta.ne-ta.ns < 5 || stop(int(a)) {
				continue
			}
			w := buf[ta.ns:ta.ne]
			for b := last[k] + 1; int(b) < len(toks); b++ {
				tb := &toks[b]
				if tb.kind == kWord && tb.ne-tb.ns == ta.ne-ta.ns && string(buf[tb.ns:tb.ne]) == string(w) && !insideAny(tb, spans[:n]) {
					echo, echoOK = hit{start: b, end: b}, true
					break
				}
			}
		}
	}
	if !personal || outside < 2 {
		return hit{}, false, echo, echoOK
	}
	for k := range n {
		if words[k] > 0 && words[k] <= maxScareWords {
			return hit{start: first[k], end: last[k]}, true, echo, echoOK // the first short quotation
		}
	}
	return hit{}, false, echo, echoOK
}

// insideAny reports whether token t lies within one of the quotations.
func insideAny(t *token, spans [][2]int32) bool {
	for _, sp := range spans {
		if t.os >= sp[0] && t.oe <= sp[1] {
			return true
		}
	}
	return false
}
