package classifier

import (
	"strings"
	"unicode/utf8"
)

// quoteSpans appends to buf the byte ranges of text that lie inside a
// quotation on one line, found in one scan. Double quotes (" “ ” « ») and
// single quotes (' ‘ ’) count; a single quote between two letters is an
// apostrophe ("don't"), so it neither opens nor closes a quotation. A range
// starts after the opening mark and ends at the mark that closes it, or one
// byte before the line break that ends it, or one byte before the end of
// the text when the quotation is left open: a hit text[s:e] is quoted when
// inQuote(spans, s, e), which TestQuoteSpansAgreeWithQuoted checks against
// quoted, the scan-a-hit reference in quotes_test.go.
//
// A post wrapped from end to end in one quotation ("\"Please enable the
// \"Wi-Fi\" tile\"", as many forums and exports write a post) is the
// author's words, not someone else's: only the quotations inside it count
// (see wrapped).
func quoteSpans(text string, buf []span) []span {
	lo, hi := wrapped(text)
	i := lo + firstQuoteByte(text[lo:hi])
	open, start := -1, 0
	for i < hi {
		// Only quotation marks and line breaks change the state: skip to
		// the next byte that can start one (a UTF-8 continuation byte
		// never equals one of them, so the skip stays on rune starts).
		if b := text[i]; !quoteByte[b] && b != '\n' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '\n' {
			if open >= 0 && start < i {
				// quoted resets at the line break before it checks the
				// hit's end, so a hit ending at the break is not quoted.
				buf = append(buf, span{int32(start), int32(i - 1)})
			}
			open = -1
		}
		if q := quoteKind(text, i, r, size); q != 0 {
			switch {
			case open < 0 && q&qOpen != 0:
				open, start = int(r), i+size
			case open >= 0 && q&qClose != 0 && closes(rune(open), r):
				buf = append(buf, span{int32(start), int32(i)})
				open = -1
			}
		}
		i += size
	}
	if open >= 0 {
		buf = append(buf, span{int32(start), int32(hi - 1)})
	}
	return buf
}

// wrapped returns the bytes of text inside a quotation that runs from its
// first character to its last, spaces aside (double marks, or single ones
// with only apostrophes and nested single quotations inside) ("\"Please add a
// \"Private\" option\"", “…”, «…»), and 0, len(text) when there is none.
// The quotations inside must nest: a closing mark that would end the outer
// one early ("\"Fast delivery\" they said. Still waiting for \"soon\"")
// means the marks are two quotations, not a wrapper, and so does a
// straight mark that can be read either way (between two letters or two
// spaces).
func wrapped(text string) (lo, hi int) {
	if len(text) < 2 || !quoteByte[text[0]] && text[0] > ' ' {
		return 0, len(text) // the usual case: no mark, no space first
	}
	s := len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	e := len(strings.TrimRight(text, " \t\r\n"))
	if e-s < 2 {
		return 0, len(text)
	}
	first, n0 := utf8.DecodeRuneInString(text[s:])
	last, n1 := utf8.DecodeLastRuneInString(text[s:e])
	single := first == '\'' || first == '‘'
	if first != '"' && first != '“' && first != '«' && !single || !closes(first, last) || s+n0 >= e-n1 {
		return 0, len(text)
	}
	if single && (quoteKind(text, s, first, n0)&qOpen == 0 || quoteKind(text, e-n1, last, n1)&qClose == 0) {
		return 0, len(text) // a mark that cannot open or close there
	}
	lo, hi = s+n0, e-n1
	depth := 0
	for i := lo; i < hi; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if single {
			// Inside single marks only single marks nest; an apostrophe
			// ("don't") is neither.
			if r == '\'' || r == '‘' || r == '’' {
				switch quoteKind(text, i, r, size) {
				case qOpen:
					depth++
				case qClose:
					depth--
				case 0:
					if !isLetterOrDigitBefore(text, i) || i+size >= len(text) || !isLetterOrDigitAt(text, i+size) {
						return 0, len(text) // can be read either way
					}
				default:
					return 0, len(text)
				}
			}
			if depth < 0 {
				return 0, len(text)
			}
			i += size
			continue
		}
		switch r {
		case '“', '«':
			depth++
		case '”', '»':
			depth--
		case '"':
			before := i > lo && !isSpaceByte(text[i-1]) && !isOpeningPunct(text[i-1])
			after := i+size < hi && !isSpaceByte(text[i+size]) && !isClosingPunct(text[i+size])
			switch {
			case after && !before:
				depth++
			case before && !after:
				depth--
			default:
				return 0, len(text) // can be read either way
			}
		}
		if depth < 0 {
			return 0, len(text) // the outer quotation closed early
		}
		i += size
	}
	if depth != 0 {
		return 0, len(text)
	}
	return lo, hi
}

// isSpaceByte reports whether b is an ASCII space, tab or line break.
func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// isOpeningPunct reports whether b is punctuation that comes before an
// opening quotation mark ("(\"beta\")").
func isOpeningPunct(b byte) bool { return b == '(' || b == '[' || b == '{' }

// isClosingPunct reports whether b is punctuation that follows a closing
// quotation mark ("\"Private\".", "\"x\", \"y\"", "(\"beta\")").
func isClosingPunct(b byte) bool {
	switch b {
	case '.', ',', ';', ':', '!', '?', ')', ']', '}':
		return true
	}
	return false
}

// inQuote reports whether text[s:e] lies wholly inside one of spans (see
// quoteSpans).
func inQuote(spans []span, s, e int) bool {
	for _, q := range spans {
		if int(q.s) <= s && e <= int(q.e) {
			return true
		}
	}
	return false
}

// quoteByte marks the first bytes of the runes quoteKind knows: the
// ASCII double quote and apostrophe, “ ” ‘ ’ (0xe2) and « » (0xc2).
var quoteByte = [256]bool{'"': true, '\'': true, 0xe2: true, 0xc2: true}

const (
	qOpen  = 1
	qClose = 2
)

// quoteKind says whether the rune r at text[i:] can open or close a
// quotation.
func quoteKind(text string, i int, r rune, size int) int {
	switch r {
	case '"':
		return qOpen | qClose
	case '“', '«':
		return qOpen
	case '”', '»':
		return qClose
	case '\'', '‘', '’':
		before := i > 0 && isLetterOrDigitBefore(text, i)
		after := i+size < len(text) && isLetterOrDigitAt(text, i+size)
		switch {
		case before && after:
			return 0 // an apostrophe: don't, O'Brien
		case after && r != '’':
			return qOpen
		case before && r != '‘':
			return qClose
		}
		// After a full stop or a closing bracket ("...it.'") it closes.
		if i > 0 && r != '‘' && (text[i-1] == '.' || text[i-1] == '!' || text[i-1] == '?' || text[i-1] == ')') {
			return qClose
		}
	}
	return 0
}

// closes reports whether close ends a quotation opened by open.
func closes(open, close rune) bool {
	switch open {
	case '"':
		return close == '"'
	case '“':
		return close == '”' || close == '"'
	case '«':
		return close == '»'
	case '\'', '‘':
		return close == '\'' || close == '’'
	}
	return false
}

func isLetterOrDigitBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isWordRune(r)
}

func isLetterOrDigitAt(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isWordRune(r)
}

// firstQuoteByte is the index of the first byte of text that can start a
// quotation mark (see quoteByte), or len(text): four vectorised searches
// instead of a loop over every byte.
func firstQuoteByte(text string) int {
	i := len(text)
	for _, b := range [...]byte{'"', '\'', 0xe2, 0xc2} {
		if j := strings.IndexByte(text[:i], b); j >= 0 {
			i = j
		}
	}
	return i
}
