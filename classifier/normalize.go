package classifier

import (
	"encoding/binary"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// tokKind is what a token is; rules can match kinds with <num>, <time>,
// <cur>, <url>, <handle> and <emoji>.
type tokKind uint8

const (
	kWord tokKind = iota
	kNum
	kTime
	kPunct
	kEmoji
	kHandle
	kURL
	kCur
)

// Token flags.
const (
	fCaps     uint8 = 1 << iota // written in ALL CAPS (emphasis)
	fElong                      // letters stretched ("pésimooo", "noooo")
	fHashtag                    // part of a #hashtag
	fExpanded                   // produced by an abbreviation or variant
	fSentEnd                    // punctuation that ends a sentence (. ! ? newline)
	fClause                     // punctuation that ends a clause (, ; : and sentence ends)
	fAccent                     // a word written with á é í ó ú ñ (Spanish spelling)
)

// token is one unit of a normalised text: its folded form (bytes
// [ns, ne) of doc.buf) and where it came from ([os, oe) of the original).
type token struct {
	ns, ne int32
	os, oe int32
	kind   tokKind
	flags  uint8
	ent    int32 // index of the token's cached entry in doc.ents, -1 = not looked up yet
}

// doc is the normalised form of one text, reused through a pool.
type doc struct {
	text   string
	buf    []byte  // folded forms of all tokens
	toks   []token // tokens in order
	tmp    []token // scratch for expansion, with ids2, idAt2 and tbits2
	ids2   []int32
	idAt2  []int32
	tbits2 []uint8
	ids    []int32 // vocabulary ids each token matches, flattened
	idAt   []int32 // ids of token i are ids[idAt[i]:idAt[i+1]]
	// Per token, set by lookup: id bits (bNeg, bCon, bPerson, bLeadin),
	// the first token of its sentence, and (at a sentence's first token)
	// whether the sentence has a first or second person word.
	tbits    []uint8
	sent     []int32
	sentPers []uint8
	personal bool // a first or second person word or an @handle (see lead)
	// lead is the number of @handles the text opens with: a reply's
	// addressees ("@juan @marta …"), which decide counts toward personal
	// only as replyCounts says.
	lead    int32
	alsoHit bool     // match found a hit of a rule with also words (alsoHits)
	lastCon [2]int32 // last contrast word of es, en before the last token, -1 if none
	abbrev  uint8    // languages in which some word is an abbreviation
	stops   [2]int   // stop words of one language only, es and en
	endings [2]int   // words with an ending (or accent) typical of es, en
	guard   uint64   // OR of the tokens' guard bits (tokEntry.guard), set by lookup and expand
	hits    []hit
	cues    []hit // hits of cue rules, kept apart from hits by splitCues
	entHit  bool  // some hit is of an entity rule (brand, CEO, competitor)
	fired   []fired
	spans   []span
	qspans  []span // the text's quotations (quoteSpans), set by maskHits
	ruleIDs []string
	// Per-worker cache of what the rules know about each folded token, so
	// a word costs one map probe (vocabulary, stop word, abbreviation and
	// prefixes at once). It belongs to one ruleset (crs) and is cleared
	// when the rules change or it grows past maxCache entries.
	cache  tokCache
	ents   []tokEntry
	cids   []int32
	cmasks []setMask
	reps   []repWord
	crs    *ruleset
	// keys has bit k set when the text carries presence key k (see
	// melem.key and present): an id, an alternative set or keyTrue; set
	// by lookup after clearing it. A bit each, so it stays in the
	// first-level cache.
	keys  []uint64
	lang  int
	caps  int // words in ALL CAPS
	elong int
	words int
	bangs int // "!!" and "??" runs
	// scores remembers recent scores (see scoreMemo).
	scores scoreMemo
	later  []deferred // decide's rules that wait for the rest of the post
	res    result     // decide's verdict
}

func (d *doc) reset(text string) {
	d.text = text
	d.buf = d.buf[:0]
	d.toks = d.toks[:0]
	d.ids = d.ids[:0]
	d.idAt = d.idAt[:0]
	d.hits = d.hits[:0]
	d.cues = d.cues[:0]
	d.entHit, d.alsoHit = false, false
	d.fired = d.fired[:0]
	d.spans = d.spans[:0]
	d.caps, d.elong, d.words, d.bangs = 0, 0, 0, 0
	d.abbrev = 0
}

// norm returns the folded form of token i without allocating.
func (d *doc) norm(i int) []byte {
	t := &d.toks[i]
	return d.buf[t.ns:t.ne]
}

// latin folds the Latin-1 Supplement and Latin Extended-A letters that
// Spanish and English posts use to lower-case ASCII; 0 means "not folded
// here".
var latin = func() [0x180]byte {
	var t [0x180]byte
	set := func(s string, to byte) {
		for _, r := range s {
			t[r] = to
		}
	}
	set("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", 'a')
	set("ÇçĆćĈĉĊċČč", 'c')
	set("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", 'e')
	set("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", 'i')
	set("ÑñŃńŅņŇň", 'n')
	set("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", 'o')
	set("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", 'u')
	set("ÝýÿŶŷŸ", 'y')
	set("ĎďĐđÐð", 'd')
	set("ĜĝĞğĠġĢģ", 'g')
	set("ĤĥĦħ", 'h')
	set("Ĵĵ", 'j')
	set("Ķķ", 'k')
	set("ĹĺĻļĽľĿŀŁł", 'l')
	set("ŔŕŖŗŘř", 'r')
	set("ŚśŜŝŞşŠš", 's')
	set("ŢţŤťŦŧ", 't')
	set("Ŵŵ", 'w')
	set("ŹźŻżŽž", 'z')
	return t
}()

// isUpperRune reports whether r is an upper-case letter (for ALL CAPS).
func isUpperRune(r rune) bool {
	if r < 0x80 {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.IsUpper(r)
}

// isEmoji reports whether r is a pictograph or symbol people use as an
// emoji.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF:
		return r < 0x1F3FB || r > 0x1F3FF // skin tones are dropped
	case r >= 0x2600 && r <= 0x27BF:
		return true
	case r >= 0x2B00 && r <= 0x2BFF, r == 0x2122, r == 0x2139, r >= 0x2190 && r <= 0x21FF,
		r >= 0x231A && r <= 0x23FF, r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299:
		return true
	}
	return false
}

// ignorable runes vanish from folded text: variation selectors, zero-width
// joiners and spaces, skin-tone modifiers, soft hyphens, BOM.
func ignorable(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || r == 0x200D || r == 0x200B || r == 0x200C || r == 0xFEFF ||
		r == 0xAD || (r >= 0x1F3FB && r <= 0x1F3FF) || unicode.Is(unicode.Mn, r)
}

// isSpanishAccent reports whether r is one of á é í ó ú ñ, either case.
func isSpanishAccent(r rune) bool {
	switch r {
	case 'á', 'é', 'í', 'ó', 'ú', 'ñ', 'Á', 'É', 'Í', 'Ó', 'Ú', 'Ñ':
		return true
	}
	return false
}

func isWordRune(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// foldRune appends the folded form of r (lower case, no accents, NFKC) to
// buf and reports how many upper-case letters it had.
func foldRune(buf []byte, r rune) []byte {
	switch {
	case r < 0x80:
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(buf, byte(r))
	case r < 0x180 && latin[r] != 0:
		return append(buf, latin[r])
	case r == 'ß':
		return append(buf, 's', 's')
	case ignorable(r):
		return buf
	}
	// Everything else: compatibility-decompose (fullwidth and
	// "mathematical bold" letters, ligatures), lower-case, drop marks.
	var tmp [utf8.UTFMax]byte
	n := utf8.EncodeRune(tmp[:], r)
	var dec [32]byte
	out := norm.NFKD.Append(dec[:0], tmp[:n]...)
	for len(out) > 0 {
		q, size := utf8.DecodeRune(out)
		out = out[size:]
		if unicode.Is(unicode.Mn, q) || q == utf8.RuneError {
			continue
		}
		q = unicode.ToLower(q)
		if q < 0x80 || (q < 0x180 && latin[q] != 0) {
			if q < 0x80 {
				buf = append(buf, byte(q))
			} else {
				buf = append(buf, latin[q])
			}
			continue
		}
		buf = utf8.AppendRune(buf, q)
	}
	return buf
}

// FoldWord returns s as the classifier matches it: NFKC, lower case, no
// accents, stretched letters collapsed. Rules files are folded with it.
func FoldWord(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r == '\'' || r == '’' {
			continue
		}
		b = foldRune(b, r)
	}
	b = collapse(b)
	return string(b)
}

// collapse shortens runs of three or more equal ASCII letters to one, in
// place (multi-byte runes are left alone so the text stays UTF-8).
func collapse(b []byte) []byte {
	if len(b) < 3 {
		return b
	}
	k := 2
	for k < len(b) && (b[k] != b[k-1] || b[k] != b[k-2]) {
		k++
	}
	if k == len(b) { // no run of three: nothing to do (the common case)
		return b
	}
	w := 0
	for i := 0; i < len(b); {
		j := i + 1
		for j < len(b) && b[j] == b[i] {
			j++
		}
		if j-i >= 3 && b[i] < utf8.RuneSelf && !isDigit(b[i]) {
			b[w] = b[i]
			w++
		} else {
			w += copy(b[w:], b[i:j])
		}
		i = j
	}
	return b[:w]
}

// addTok appends a token whose folded bytes are buf[ns:].
func (d *doc) addTok(ns, os, oe int, kind tokKind, flags uint8) {
	n := len(d.toks)
	if n == cap(d.toks) {
		d.toks = append(d.toks, token{})
	} else {
		d.toks = d.toks[:n+1]
	}
	t := &d.toks[n]
	t.ns, t.ne, t.os, t.oe, t.kind, t.flags, t.ent = int32(ns), int32(len(d.buf)), int32(os), int32(oe), kind, flags, -1
	d.buf = append(d.buf, ' ')
}

// tokenize splits d.text into tokens and folds each one. It is one pass
// over the text and allocates nothing once the doc's buffers have grown.
func (d *doc) tokenize() {
	s := d.text
	i := 0
	for i < len(s) {
		c := s[i]
		switch startClass[c] { // the two most frequent starts first
		case startSpace:
			i++
			continue
		case startLetter:
			if j := d.wordASCII(i); j > i {
				i = j
			} else {
				i = d.word(i)
			}
			continue
		case startHW: // "hay", "we", "when": a word unless a URL starts here
			if !isURLStart(s[i:]) {
				if j := d.wordASCII(i); j > i {
					i = j
				} else {
					i = d.word(i)
				}
				continue
			}
		}
		switch {
		case c == '\n':
			// A line break after a sentence already ended (".\n", "!\n",
			// a blank line) ends nothing more: one sentence end, so a
			// pattern's ". ..0 its" reads "Monday.\nIt's Thursday" too.
			if n := len(d.toks); n == 0 || d.toks[n-1].flags&fSentEnd == 0 {
				ns := len(d.buf)
				d.buf = append(d.buf, '.')
				d.addTok(ns, i, i+1, kPunct, fSentEnd|fClause)
			}
			i++
		case c == '@' && i+1 < len(s) && isHandleByte(s[i+1]):
			j := i + 1
			for j < len(s) && isHandleByte(s[j]) {
				j++
			}
			ns := len(d.buf)
			d.buf = append(d.buf, '@')
			for k := i + 1; k < j; k++ { // handle bytes are ASCII: foldRune lower-cases them
				c := s[k]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				d.buf = append(d.buf, c)
			}
			d.addTok(ns, i, j, kHandle, 0)
			i = j
		case c == '#' && i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '#':
			i = d.hashtag(i)
		case (c == 'h' || c == 'H' || c == 'w' || c == 'W') && isURLStart(s[i:]):
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' {
				j++
			}
			ns := len(d.buf)
			d.buf = append(d.buf, "<url>"...)
			d.addTok(ns, i, j, kURL, 0)
			i = j
		case isDigit(c):
			i = d.number(i)
		case c == '$':
			ns := len(d.buf)
			d.buf = append(d.buf, '$')
			d.addTok(ns, i, i+1, kCur, 0)
			i++
		case c < 0x80 && asciiWord[c] == 0 && c != '_': // not a word byte
			i = d.punct(i)
		case c < 0x80: // a letter or '_'
			if j := d.wordASCII(i); j > i {
				i = j
			} else {
				i = d.word(i)
			}
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case unicode.Is(unicode.Sc, r): // €, £, ¥, ₹, ₱, ₦, ₩, ₽…
				ns := len(d.buf)
				d.buf = append(d.buf, '$')
				d.addTok(ns, i, i+size, kCur, 0)
				i += size
			case isEmoji(r):
				ns := len(d.buf)
				d.buf = utf8.AppendRune(d.buf, r)
				j := i + size
				for j < len(s) { // swallow modifiers and variation selectors
					q, qs := utf8.DecodeRuneInString(s[j:])
					if !ignorable(q) {
						break
					}
					j += qs
				}
				d.addTok(ns, i, j, kEmoji, 0)
				i = j
			case isWordRune(r):
				i = d.word(i)
			case ignorable(r):
				i += size
			case unicode.IsSpace(r):
				i += size
			default:
				i = d.punct(i)
			}
		}
	}
}

// Token starts tokenize dispatches before its general switch.
const (
	startOther  = iota
	startSpace  // ' ', '\t', '\r'
	startLetter // an ASCII letter that cannot start a URL (not h, w)
	startHW     // h, w, H, W: a word or a URL
)

var startClass = func() (t [256]uint8) {
	t[' '], t['\t'], t['\r'] = startSpace, startSpace, startSpace
	for c := 'a'; c <= 'z'; c++ {
		if c != 'h' && c != 'w' {
			t[c], t[c-'a'+'A'] = startLetter, startLetter
		} else {
			t[c], t[c-'a'+'A'] = startHW, startHW
		}
	}
	return t
}()

// asciiWord classes ASCII bytes for word's fast path: lower-case letter
// 1, upper-case 2, digit 4, anything else (and every non-ASCII byte) 0.
var asciiWord = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 1
		t[c-'a'+'A'] = 2
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 4
	}
	return t
}()

func isHandleByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
}

func isURLStart(s string) bool {
	if len(s) >= 8 && (s[:7] == "http://" || s[:8] == "https://") {
		return true
	}
	if len(s) >= 8 && (s[:7] == "HTTP://" || s[:8] == "HTTPS://") {
		return true
	}
	return len(s) >= 5 && (s[:4] == "www." || s[:4] == "WWW.")
}

// wordASCII is word for the common word: ASCII letters and digits
// ending at another ASCII byte than an apostrophe, or at the text's end.
// It returns the index after the word, or i, having done nothing, when
// the word is not of that kind (word then reads it).
func (d *doc) wordASCII(i int) int {
	s := d.text
	ns := len(d.buf)
	if cap(d.buf)-ns < len(s)-i+1 {
		d.buf = slices.Grow(d.buf, len(s)-i+1)
	}
	out := d.buf[ns : ns+len(s)-i]
	var acc uint8
	j := i
	// The loop only copies and classes the bytes (few live values, so
	// they stay in registers); capitals and runs are counted after it,
	// and only for words that may have them.
	for ; j < len(s); j++ {
		c := s[j]
		cl := asciiWord[c]
		if cl == 0 {
			break
		}
		acc |= cl
		out[j-i] = c | 0x20 // letters and digits all have 0x20 set once lower case
	}
	if j == i || j < len(s) && (s[j] >= utf8.RuneSelf || s[j] == '\'') {
		return i
	}
	d.buf = d.buf[:ns+j-i]
	out = d.buf[ns:]
	var flags uint8
	if acc&3 == 2 { // capitals and no lower-case letter: two or more is ALL CAPS
		upper := 0
		for _, c := range []byte(s[i:j]) {
			upper += int(asciiWord[c] >> 1 & 1)
		}
		if upper >= 2 {
			flags |= fCaps
			d.caps++
		}
	}
	three := false // three equal bytes in a row: collapse may shorten the word
	if n := len(out); n >= 3 && n <= 8 && cap(out) >= 8 {
		// Eight bytes at once, without a loop whose exit depends on the
		// word's length: byte k of e is zero when out[k] equals out[k-1]
		// and out[k-2] (bytes 0 and 1 compare with zeros shifted in, and
		// letters and digits are not zero); the bytes past the word are
		// set to 0xff so they never count.
		const lo, hi = 0x0101010101010101, 0x8080808080808080
		m := uint64(1)<<(8*n) - 1 // (1<<64)-1 is all ones
		x := binary.LittleEndian.Uint64(out[:8]) & m
		e := (x ^ x<<8) | (x ^ x<<16) | ^m
		three = (e-lo)&^e&hi != 0
	} else {
		for k := 2; k < len(out); k++ {
			if out[k] == out[k-1] && out[k] == out[k-2] {
				three = true
				break
			}
		}
	}
	// The tail below repeats word's on purpose: as a shared method it is
	// not inlined, and the call per word measured 2% slower end to end.
	if three {
		before := len(d.buf) - ns
		d.buf = d.buf[:ns+len(collapse(d.buf[ns:]))]
		if len(d.buf)-ns != before {
			flags |= fElong
			d.elong++
		}
	}
	if w := d.buf[ns:]; len(w) == 2 && w[0] == 'x' || len(w) >= 4 && (w[0] == 'j' || w[0] == 'h') {
		laughter(d, ns)
	}
	d.words++
	d.addTok(ns, i, j, kWord, flags)
	if j < len(s) && s[j] == ' ' { // the space tokenize would skip next
		j++
	}
	return j
}

// word reads a run of letters (and digits after a letter, and apostrophes
// between letters) starting at i.
func (d *doc) word(i int) int {
	s := d.text
	ns := len(d.buf)
	upper, lower := 0, 0
	var accent uint8
	j := i
	for j < len(s) {
		if c := s[j]; c < utf8.RuneSelf && c != '\'' { // ASCII fast path: a run at once
			if asciiWord[c] == 0 {
				goto done
			}
			// Copy the run lower-cased as it is scanned: letters and digits
			// all have 0x20 set once lower case.
			at := len(d.buf)
			g := slices.Grow(d.buf, len(s)-j)
			out := g[at : at+len(s)-j]
			k := j
			var acc uint8
			for k < len(s) {
				c := s[k]
				cl := asciiWord[c]
				if cl == 0 {
					break
				}
				acc |= cl
				out[k-j] = c | 0x20
				k++
			}
			d.buf = g[:at+k-j]
			lower += int(acc & 1)
			if acc&2 != 0 { // count capitals only when there are some
				for _, c := range []byte(s[j:k]) {
					upper += int(asciiWord[c] >> 1 & 1)
				}
			}
			j = k
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == '\'' || r == '’' {
			// keep "don't" together: drop the apostrophe between letters
			if j+size < len(s) && j > i {
				q, _ := utf8.DecodeRuneInString(s[j+size:])
				if unicode.IsLetter(q) {
					j += size
					continue
				}
			}
			break
		}
		if !isWordRune(r) && !ignorable(r) {
			break
		}
		if r == '_' {
			break
		}
		if isUpperRune(r) {
			upper++
		} else if unicode.IsLower(r) {
			lower++
		}
		if isSpanishAccent(r) {
			accent = fAccent
		}
		d.buf = foldRune(d.buf, r)
		j += size
	}
done:
	if j == i { // a lone mark or error byte: skip it
		_, size := utf8.DecodeRuneInString(s[i:])
		return i + size
	}
	flags := accent
	if upper >= 2 && lower == 0 {
		flags |= fCaps
		d.caps++
	}
	before := len(d.buf) - ns
	d.buf = d.buf[:ns+len(collapse(d.buf[ns:]))]
	if len(d.buf)-ns != before {
		flags |= fElong
		d.elong++
	}
	if w := d.buf[ns:]; len(w) == 2 && w[0] == 'x' || len(w) >= 4 && (w[0] == 'j' || w[0] == 'h') {
		laughter(d, ns)
	}
	d.words++
	d.addTok(ns, i, j, kWord, flags)
	return j
}

// laughter folds "jajaja", "jejeje", "hahaha", "lol", "xd" to "jaja".
func laughter(d *doc, ns int) {
	w := d.buf[ns:]
	if len(w) == 2 && w[0] == 'x' && w[1] == 'd' {
		d.buf = append(d.buf[:ns], "jaja"...)
		return
	}
	if len(w) < 4 {
		return
	}
	for k := 0; k < len(w); k++ {
		c := w[k]
		if k%2 == 0 && c != 'j' && c != 'h' {
			return
		}
		if k%2 == 1 && c != 'a' && c != 'e' && c != 'i' {
			return
		}
	}
	d.buf = append(d.buf[:ns], "jaja"...)
}

// hashtag splits #MalServicio, #mal_servicio and #Fail2024 into words.
func (d *doc) hashtag(i int) int {
	s := d.text
	j := i + 1
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isWordRune(r) && !ignorable(r) {
			break
		}
		j += size
	}
	if j == i+1 { // "#" followed by something else: punctuation
		return d.punct(i)
	}
	// split into parts
	start := i + 1
	prevLower, prevDigit := false, false
	k := start
	flush := func(a, b int) {
		if a >= b {
			return
		}
		ns := len(d.buf)
		flags := fHashtag
		for _, r := range s[a:b] {
			if isSpanishAccent(r) {
				flags |= fAccent
			}
			d.buf = foldRune(d.buf, r)
		}
		if len(d.buf) == ns {
			return
		}
		d.buf = d.buf[:ns+len(collapse(d.buf[ns:]))]
		kind := kWord
		if isDigit(s[a]) {
			kind = kNum
		}
		d.words++
		d.addTok(ns, a, b, kind, flags)
	}
	for k < j {
		r, size := utf8.DecodeRuneInString(s[k:])
		switch {
		case r == '_':
			flush(start, k)
			start = k + size
			prevLower, prevDigit = false, false
		case isUpperRune(r):
			if prevLower || prevDigit {
				flush(start, k)
				start = k
			}
			prevLower, prevDigit = false, false
		case r < 0x80 && isDigit(byte(r)):
			if prevLower && !prevDigit {
				flush(start, k)
				start = k
			}
			prevDigit, prevLower = true, false
		default:
			if prevDigit {
				flush(start, k)
				start = k
			}
			prevLower, prevDigit = unicode.IsLetter(r), false
		}
		k += size
	}
	flush(start, j)
	return j
}

// number reads 12, 1.200, 2,5, 6:15, 24h (as "24" then "h").
func (d *doc) number(i int) int {
	s := d.text
	j := i
	kind := kNum
	for j < len(s) {
		c := s[j]
		if isDigit(c) {
			j++
			continue
		}
		if (c == '.' || c == ',' || c == ':') && j+1 < len(s) && isDigit(s[j+1]) {
			if c == ':' {
				kind = kTime
			}
			j++
			continue
		}
		break
	}
	ns := len(d.buf)
	d.buf = append(d.buf, s[i:j]...)
	d.addTok(ns, i, j, kind, 0)
	// An hours unit written onto the number ("2h", "1h20", "3H"): the
	// word "hrs", which both languages expand ("horas", "hours"), unless
	// the number is a time of day ("a las 22h", "at 18h"), which becomes
	// one time token. A lone "h" elsewhere ("plan H") stays a letter.
	if kind == kNum && j < len(s) && s[j]|0x20 == 'h' && (j+1 == len(s) || s[j+1] < utf8.RuneSelf && (asciiWord[s[j+1]] == 0 || isDigit(s[j+1]))) {
		if n := len(d.toks); n >= 2 && clockWord(d.buf[d.toks[n-2].ns:d.toks[n-2].ne]) {
			t := &d.toks[n-1]
			t.kind, t.oe = kTime, int32(j+1)
			return j + 1
		}
		ns = len(d.buf)
		d.buf = append(d.buf, "hrs"...)
		d.words++
		d.addTok(ns, j, j+1, kWord, 0)
		j++
	}
	return j
}

// clockWord reports whether a folded word puts the number after it at a
// time of day: "a las 22h", "desde la 1h", "at 18h".
func clockWord(w []byte) bool {
	switch string(w) {
	case "las", "la", "at":
		return true
	}
	return false
}

// punct reads one punctuation mark (runs of the same mark become one
// token) and emoticons such as :) :( :/ which become emoji.
func (d *doc) punct(i int) int {
	s := d.text
	// The common mark, alone: what the general path below gives for it.
	if c := s[i]; (c == ',' || c == '.' || c == '!' || c == '?') && (i+1 == len(s) || s[i+1] != c && s[i+1] < utf8.RuneSelf) {
		flags := fSentEnd | fClause
		if c == ',' {
			flags = fClause
		}
		ns := len(d.buf)
		d.buf = append(d.buf, c)
		d.addTok(ns, i, i+1, kPunct, flags)
		return i + 1
	}
	if e, n := emoticon(s[i:]); n > 0 {
		ns := len(d.buf)
		d.buf = append(d.buf, e...)
		d.addTok(ns, i, i+n, kEmoji, 0)
		return i + n
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	j := i + size
	for j < len(s) {
		q, qs := utf8.DecodeRuneInString(s[j:])
		if q != r && !(isQ(r) && isQ(q)) && !(isBang(r) && isBang(q)) {
			break
		}
		j += qs
	}
	ns := len(d.buf)
	var flags uint8
	switch {
	case isQ(r):
		d.buf = append(d.buf, '?')
		flags = fSentEnd | fClause
	case isBang(r):
		d.buf = append(d.buf, '!')
		flags = fSentEnd | fClause
	case r == '.' || r == '…':
		d.buf = append(d.buf, '.')
		flags = fSentEnd | fClause
	case r == ',' || r == ';' || r == ':' || r == '(' || r == ')' || r == '—' || r == '–' || r == '"' || r == '“' || r == '”' || r == '|':
		d.buf = append(d.buf, ',')
		flags = fClause
	case r == '-' || r == '/':
		d.buf = append(d.buf, '-')
	case r == '%':
		d.buf = append(d.buf, '%')
	default:
		return j // other symbols carry nothing
	}
	if j-i > size && (isQ(r) || isBang(r)) {
		d.bangs++
	}
	d.addTok(ns, i, j, kPunct, flags)
	return j
}

func isQ(r rune) bool    { return r == '?' || r == '¿' }
func isBang(r rune) bool { return r == '!' || r == '¡' }

// emoticon recognises ASCII faces and returns the emoji they stand for.
func emoticon(s string) (string, int) {
	if len(s) < 2 {
		return "", 0
	}
	if s[0] != ':' && s[0] != ';' && s[0] != '=' {
		if len(s) >= 2 && s[0] == '<' && s[1] == '3' {
			return "❤", 2
		}
		return "", 0
	}
	j := 1
	if s[j] == '-' || s[j] == '\'' {
		j++
	}
	if j >= len(s) {
		return "", 0
	}
	if j+1 < len(s) && isHandleByte(s[j+1]) && s[j] != 'D' && s[j] != 'P' && s[j] != 'p' {
		return "", 0 // "10:30" or "nota:bien"
	}
	switch s[j] {
	case ')', ']', 'D':
		if s[0] == ';' {
			return "😉", j + 1
		}
		return "🙂", j + 1
	case 'P', 'p':
		return "😛", j + 1
	case '(', '[':
		if s[1] == '\'' {
			return "😢", j + 1
		}
		return "🙁", j + 1
	case '/', '\\', '|', 'S':
		if j+1 < len(s) && s[j+1] == '/' { // "://"
			return "", 0
		}
		return "😕", j + 1
	}
	return "", 0
}
