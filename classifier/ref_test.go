package classifier

// The classifier's pipeline as it was before the speed round of issue 4
// (tokenize, detect, expand, lookup, decide), kept as test-only code: the
// optimised pipeline must give the same verdicts (see
// TestPipelineAgreesWithReference). Generated from the old sources with
// every function renamed ...Ref; match is the plain matcher matchRef.

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	escucha "github.com/escucha/escucha"
)

var (
	esEndingsRef = []string{"aron", "ieron", "ando", "iendo", "cion", "ciones", "mente", "amos", "emos", "imos",
		"aban", "ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas", "eria", "aria", "ones"}
	enEndingsRef = []string{"ing", "ings", "tion", "tions", "ness", "ful", "ed", "ly", "ould", "ght", "ough"}
)

// runRef classifies text with the reference pipeline.
func (rs *ruleset) runRef(d *doc, text, lang string, index [][]int32) result {
	d.reset(text)
	d.prepare(rs)
	d.tokenizeRef()
	rs.splitHashtags(d) // shared: the reference checks what follows it
	l, mask := rs.detectRef(d, lang)
	d.lang = l
	rs.expandRef(d, l)
	if l == langES {
		rs.splitWhyRef(d)
	}
	rs.lookupRef(d)
	rs.matchRef(d, mask, index)
	var cues []hit
	d.hits = slices.DeleteFunc(d.hits, func(h hit) bool {
		if rs.rules[h.rule].class == clsCue {
			cues = append(cues, h)
			return true
		}
		return false
	})
	d.cues = cues
	d.hits = slices.DeleteFunc(d.hits, func(h hit) bool { // the rules whose also words are absent
		r := &rs.rules[h.rule]
		if len(r.also) == 0 {
			return false
		}
		for _, id := range d.ids {
			if slices.Contains(r.also, id) {
				return false
			}
		}
		return true
	})
	rs.maskHits(d)
	return rs.decideRef(d, l)
}

func (d *doc) tokenizeRef() {
	s := d.text
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\n':
			// A line break after a sentence already ended (".\n", "!\n",
			// a blank line) ends nothing more: one sentence end, so a
			// pattern's ". ..0 its" reads "Monday.\nIt's Thursday" too.
			if n := len(d.toks); n == 0 || d.toks[n-1].flags&fSentEnd == 0 {
				ns := len(d.buf)
				d.buf = append(d.buf, '.')
				d.addTokRef(ns, i, i+1, kPunct, fSentEnd|fClause)
			}
			i++
		case c == '@' && i+1 < len(s) && isHandleByte(s[i+1]):
			j := i + 1
			for j < len(s) && isHandleByte(s[j]) {
				j++
			}
			ns := len(d.buf)
			d.buf = append(d.buf, '@')
			for k := i + 1; k < j; k++ {
				d.buf = foldRune(d.buf, rune(s[k]))
			}
			d.addTokRef(ns, i, j, kHandle, 0)
			i = j
		case c == '#' && i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '#':
			i = d.hashtagRef(i)
		case (c == 'h' || c == 'H' || c == 'w' || c == 'W') && isURLStart(s[i:]):
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' {
				j++
			}
			ns := len(d.buf)
			d.buf = append(d.buf, "<url>"...)
			d.addTokRef(ns, i, j, kURL, 0)
			i = j
		case isDigit(c):
			i = d.numberRef(i)
		case c == '$':
			ns := len(d.buf)
			d.buf = append(d.buf, '$')
			d.addTokRef(ns, i, i+1, kCur, 0)
			i++
		case c < 0x80 && !isWordRune(rune(c)):
			i = d.punctRef(i)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case unicode.Is(unicode.Sc, r): // €, £, ¥, ₹, ₱, ₦, ₩, ₽…
				ns := len(d.buf)
				d.buf = append(d.buf, '$')
				d.addTokRef(ns, i, i+size, kCur, 0)
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
				d.addTokRef(ns, i, j, kEmoji, 0)
				i = j
			case isWordRune(r):
				i = d.wordRef(i)
			case ignorable(r):
				i += size
			case unicode.IsSpace(r):
				i += size
			default:
				i = d.punctRef(i)
			}
		}
	}
}

func (d *doc) wordRef(i int) int {
	s := d.text
	ns := len(d.buf)
	upper, lower := 0, 0
	j := i
	for j < len(s) {
		if c := s[j]; c < utf8.RuneSelf && c != '\'' { // ASCII fast path
			switch {
			case c >= 'a' && c <= 'z':
				lower++
				d.buf = append(d.buf, c)
			case c >= 'A' && c <= 'Z':
				upper++
				d.buf = append(d.buf, c+('a'-'A'))
			case c >= '0' && c <= '9':
				d.buf = append(d.buf, c)
			default:
				goto done
			}
			j++
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
		d.buf = foldRune(d.buf, r)
		j += size
	}
done:
	if j == i { // a lone mark or error byte: skip it
		_, size := utf8.DecodeRuneInString(s[i:])
		return i + size
	}
	var flags uint8
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
	laughterRef(d, ns)
	d.words++
	d.addTokRef(ns, i, j, kWord, flags)
	return j
}

func (d *doc) hashtagRef(i int) int {
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
		return d.punctRef(i)
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
		for _, r := range s[a:b] {
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
		d.addTokRef(ns, a, b, kind, fHashtag)
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

func (d *doc) numberRef(i int) int {
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
	d.addTokRef(ns, i, j, kind, 0)
	// "2h", "1h20": hours; "a las 22h", "at 18h": a time of day.
	if kind != kNum || j >= len(s) || s[j] != 'h' && s[j] != 'H' {
		return j
	}
	if j+1 < len(s) {
		if c := s[j+1]; c >= utf8.RuneSelf || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return j
		}
	}
	if n := len(d.toks); n >= 2 {
		if prev := string(d.buf[d.toks[n-2].ns:d.toks[n-2].ne]); prev == "las" || prev == "la" || prev == "at" {
			d.toks[n-1].kind = kTime
			d.toks[n-1].oe = int32(j + 1)
			return j + 1
		}
	}
	ns = len(d.buf)
	d.buf = append(d.buf, "hrs"...)
	d.words++
	d.addTokRef(ns, j, j+1, kWord, 0)
	return j + 1
}

func (d *doc) punctRef(i int) int {
	s := d.text
	if e, n := emoticon(s[i:]); n > 0 {
		ns := len(d.buf)
		d.buf = append(d.buf, e...)
		d.addTokRef(ns, i, i+n, kEmoji, 0)
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
	d.addTokRef(ns, i, j, kPunct, flags)
	return j
}

func (d *doc) addTokRef(ns, os, oe int, kind tokKind, flags uint8) {
	d.toks = append(d.toks, token{ns: int32(ns), ne: int32(len(d.buf)), os: int32(os), oe: int32(oe), kind: kind, flags: flags, ent: -1})
	d.buf = append(d.buf, ' ')
}

func laughterRef(d *doc, ns int) {
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

func (rs *ruleset) detectRef(d *doc, lang string) (int, uint8) {
	var n, suf [2]int
	for i := range d.toks {
		t := &d.toks[i]
		if t.kind != kWord {
			continue
		}
		t.ent = rs.entry(d, d.buf[t.ns:t.ne])
		m := d.ents[t.ent].stop
		if t.oe > t.os && strings.ContainsAny(d.text[t.os:t.oe], "áéíóúñÁÉÍÓÚÑ") {
			suf[langES]++ // Spanish spelling: "pésimo", "atención", "año"
		}
		switch m {
		case 3:
			// A stop word of both languages.
		case 0:
			if w := d.buf[t.ns:t.ne]; len(w) >= 5 {
				suf[langES] += hasSuffixRef(w, esEndingsRef)
				suf[langEN] += hasSuffixRef(w, enEndingsRef)
			}
		default:
			n[0] += int(m & 1)
			n[1] += int(m >> 1)
		}
	}
	l := -1
	switch lang {
	case "es":
		l = langES
	case "en":
		l = langEN
	}
	if l < 0 {
		es, en := 2*n[langES]+suf[langES], 2*n[langEN]+suf[langEN]
		if es > en && es-en <= 4 {
			for i := 1; i < len(d.toks); i++ { // "312 mi": miles
				if d.toks[i].kind == kWord && string(d.buf[d.toks[i].ns:d.toks[i].ne]) == "mi" && d.toks[i-1].kind == kNum {
					es -= 2
				}
			}
		}
		switch {
		case es > en:
			l = langES
		case en > es:
			l = langEN
		default:
			l = langEN
			for _, r := range d.text {
				if r == 'ñ' || r == '¿' || r == '¡' || r == 'á' || r == 'é' || r == 'í' || r == 'ó' || r == 'ú' {
					l = langES
					break
				}
			}
		}
	}
	mask := uint8(1) << l
	o := 1 - l
	if n[o] >= 2 && n[o]*3 >= n[l] {
		mask |= 1 << o // code-switched: run both languages' rules
	}
	return l, mask
}

func hasSuffixRef(w []byte, endings []string) int {
	for _, e := range endings {
		if len(w) > len(e) && string(w[len(w)-len(e):]) == e {
			return 1
		}
	}
	return 0
}

func (rs *ruleset) expandRef(d *doc, l int) {
	ab := rs.langs[l].abbrev
	if len(ab) == 0 {
		return
	}
	any := false
	for i := range d.toks {
		if t := &d.toks[i]; t.kind == kWord && t.ent >= 0 && d.ents[t.ent].abbrev&(1<<l) != 0 {
			any = true
			break
		}
	}
	if !any {
		return
	}
	d.tmp = d.tmp[:0]
	for i := range d.toks {
		t := d.toks[i]
		if t.kind == kWord && t.ent >= 0 && d.ents[t.ent].abbrev&(1<<l) != 0 {
			if rep, ok := ab[string(d.norm(i))]; ok {
				for _, w := range rep {
					ns := len(d.buf)
					d.buf = append(d.buf, w...)
					nt := token{ns: int32(ns), ne: int32(len(d.buf)), os: t.os, oe: t.oe, kind: kWord, flags: t.flags | fExpanded, ent: -1}
					d.buf = append(d.buf, ' ')
					d.tmp = append(d.tmp, nt)
				}
				continue
			}
		}
		d.tmp = append(d.tmp, t)
	}
	d.toks, d.tmp = d.tmp, d.toks
}

// splitWhyRef replaces each "porque" before a Spanish negator that opens
// a question (first in its sentence but for @handles, the sentence opened
// by "¿" or closed by "?") with "por" "que".
func (rs *ruleset) splitWhyRef(d *doc) {
	var out []token
	for i, t := range d.toks {
		if t.kind == kWord && string(d.norm(i)) == "porque" && i+1 < len(d.toks) && rs.negatorRef(d, i+1) && d.questionStartRef(i) {
			for _, w := range []string{"por", "que"} {
				ns := len(d.buf)
				d.buf = append(d.buf, w...)
				out = append(out, token{ns: int32(ns), ne: int32(len(d.buf)), os: t.os, oe: t.oe, kind: kWord, flags: t.flags | fExpanded, ent: -1})
				d.buf = append(d.buf, ' ')
			}
			continue
		}
		out = append(out, t)
	}
	d.toks = out
}

// negatorRef reports whether token i is a Spanish negator.
func (rs *ruleset) negatorRef(d *doc, i int) bool {
	id, ok := rs.vocab[string(d.norm(i))]
	return ok && d.toks[i].kind == kWord && rs.negator[id]&(1<<langES) != 0
}

func (d *doc) questionStartRef(i int) bool {
	prev := -1
	for j := i - 1; j >= 0; j-- {
		if d.toks[j].kind != kHandle {
			prev = j
			break
		}
	}
	if prev >= 0 && d.toks[prev].flags&fSentEnd == 0 {
		return false
	}
	if prev >= 0 && strings.HasSuffix(d.text[d.toks[prev].os:d.toks[prev].oe], "¿") {
		return true
	}
	for k := i + 1; k < len(d.toks); k++ {
		if d.toks[k].flags&fSentEnd != 0 {
			return d.buf[d.toks[k].ns] == '?'
		}
	}
	return false
}

func (rs *ruleset) negatedRef(d *doc, i int, l int) (int, bool) {
	if d.toks[i].kind == kEmoji {
		return 0, false // a negation does not reach an emoji: "no signal 😡" is angry
	}
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if d.toks[j].flags&fClause != 0 {
			return 0, false
		}
		for _, id := range d.ids[d.idAt[j]:d.idAt[j+1]] {
			if rs.negator[id]&(1<<l) != 0 {
				return j, true
			}
			if rs.contrast[id]&(1<<l) != 0 {
				return 0, false
			}
		}
	}
	return 0, false
}

// sameSentRef reports whether tokens i and j lie in one sentence.
func sameSentRef(d *doc, i, j int) bool {
	a, _ := d.sentenceBoundsRef(i)
	b, _ := d.sentenceBoundsRef(j)
	return a == b
}

func (d *doc) sentenceBoundsRef(i int) (int, int) {
	s := i
	for s > 0 && d.toks[s-1].flags&fSentEnd == 0 {
		s--
	}
	e := i
	for e < len(d.toks)-1 && d.toks[e].flags&fSentEnd == 0 {
		e++
	}
	return s, e
}

func (rs *ruleset) decideRef(d *doc, l int) result {
	res := result{lang: l, label: escucha.LabelOther}
	d.fired = d.fired[:0]
	d.spans = d.spans[:0]
	ld := &rs.langs[l]

	// Last contrast word ("pero", "but") that has words after it.
	contrast := -1
	for i := len(d.toks) - 2; i >= 0; i-- {
		for _, id := range d.ids[d.idAt[i]:d.idAt[i+1]] {
			if rs.contrast[id]&(1<<l) != 0 {
				contrast = i
				break
			}
		}
		if contrast >= 0 {
			break
		}
	}
	// A clause that opens with the contrast word ("While the crew were
	// lovely, the plane sat…") concedes up to its comma: the pivot is the
	// comma, so the praise before it counts less and the main clause more.
	if contrast >= 0 && rs.atClauseStartRef(d, contrast) {
		for j := contrast + 1; j < len(d.toks)-1; j++ {
			t := &d.toks[j]
			if t.flags&fSentEnd != 0 {
				break
			}
			if t.flags&fClause != 0 && d.toks[j+1].kind == kWord {
				contrast = j
				break
			}
		}
	}
	// Competitor and brand sentences.
	var compSent, brandSent []int
	var compAtBuf [8]int32
	compAt := compAtBuf[:0]                       // first tokens of competitors' names
	ceoHandle := false                            // the CEO is addressed by @handle
	brandHandle := false                          // the brand is addressed by @handle
	firstComp, firstBrand := int32(-1), int32(-1) // first token of a competitor's and the brand's name
	for _, h := range d.hits {
		r := &rs.rules[h.rule]
		if r.class != clsEntity {
			continue
		}
		s, _ := d.sentenceBoundsRef(int(h.start))
		switch r.entity {
		case entCompetitor:
			compSent = append(compSent, s)
			compAt = append(compAt, h.start)
			if firstComp < 0 || h.start < firstComp {
				firstComp = h.start
			}
		case entBrand:
			brandSent = append(brandSent, s)
			if d.toks[h.start].kind == kHandle {
				brandHandle = true
			}
			if firstBrand < 0 || h.start < firstBrand {
				firstBrand = h.start
			}
		case entCEO:
			res.ceo = true
			if d.toks[h.start].kind == kHandle {
				ceoHandle = true
			}
		}
	}

	// A competitor named where a leaving match ends is where the author
	// goes: not the owner of the grievances.
	keep, nComp := 0, len(compAt)
	var toRival []hit // leaving matches that land on the competitor gone to
	for i, c := range compAt {
		dest := false
		for _, h := range d.hits {
			if rs.rules[h.rule].leaves && c >= h.start && c <= h.end+2 {
				_, neg := rs.negatedRef(d, int(h.start), l)
				before := ""
				if c > 0 {
					before = wordAtRef(d, c-1)
				}
				dest = !neg && !(c > h.start && (before == "from" || before == "de" || before == "desde"))
				break
			}
		}
		if dest {
			for _, h := range d.hits {
				if rs.rules[h.rule].leaves && c >= h.start && c <= h.end+2 && len(toRival) < 4 {
					toRival = append(toRival, h)
				}
			}
		}
		if !dest {
			compAt[keep], compSent[keep] = c, compSent[i]
			keep++
		}
	}
	compAt, compSent = compAt[:keep], compSent[:keep]
	leavesRival := keep < nComp && firstBrand >= 0
	for _, h := range d.hits {
		if r := &rs.rules[h.rule]; r.class == clsEntity && r.entity == entBrand && byeBefore(d, h.start) {
			leavesRival = true
		}
	}
	firstComp = -1
	for _, c := range compAt {
		if firstComp < 0 || c < firstComp {
			firstComp = c
		}
	}

	leaveAt := int32(-1) // leaving someone for the brand
	fromBrand := wordAtRef(d, firstBrand-1) == "from"
	for _, h := range d.hits {
		if r := &rs.rules[h.rule]; r.leaves && firstBrand >= 0 && !fromBrand && firstBrand >= h.start && (firstBrand <= h.end+2 || r.relief && sameSentRef(d, int(firstBrand), int(h.start))) && (leaveAt < 0 || h.start < leaveAt) && !joinedBeforeRef(d, h.start) {
			leaveAt = h.start
		}
	}

	var sc, ss, so, praise, sarcasm float64
	damp := 1.0
	var negSpans, contrastUsed, compUsed bool
	var praiseBefore, afterCounted bool // praise before the contrast word; a rule counted after it
	negFirst := int32(-1)
	minor := false
	hardHigh := false
	sev := escucha.SeverityNone

	// apply counts rule ri with weight w and records it as fired.
	apply := func(ri int32, w float64, hs []hit) {
		r := &rs.rules[ri]
		switch r.class {
		case clsComplaint, clsSeverity:
			sc += w
		case clsSuggestion:
			ss += w
		case clsOther:
			so += w
		case clsPraise:
			praise += w
		case clsSarcasm:
			sarcasm += w
		}
		if r.ceo {
			res.ceo = true
		}
		if r.damp > 0 {
			damp = min(damp, r.damp)
		}
		if r.minor {
			minor = true
		} else if r.severity.Rank() > sev.Rank() {
			sev = r.severity
		}
		if r.severity.Rank() >= escucha.SeverityHigh.Rank() && !r.yields {
			hardHigh = true
		}
		rs.addFiredRef(d, ri, w, hs)
	}
	// Rules with a "when" condition wait until the rest is counted; own
	// holds the sentences where a grievance is told in the first or second
	// person.
	var later [16]deferred
	var own [8]int32
	nLater, nOwn := 0, 0

	// compSideRef: the grievance at g is a competitor's (see decide).
	compSideRef := func(g hit) bool {
		s, _ := d.sentenceBoundsRef(int(g.start))
		return (slices.Contains(compSent, s) && !slices.Contains(brandSent, s) ||
			firstComp < firstBrand && firstComp < g.start && g.end < firstBrand) && !rs.leadsIntoRef(d, compAt, g.end, l) ||
			g.end < leaveAt
	}
	// Hits grouped by rule, in text order.
	slices.SortStableFunc(d.hits, func(a, b hit) int { return int(a.rule) - int(b.rule) })
	for hi := 0; hi < len(d.hits); {
		h := d.hits[hi]
		r := &rs.rules[h.rule]
		hj := hi
		for hj < len(d.hits) && d.hits[hj].rule == h.rule {
			hj++
		}
		group := d.hits[hi:hj]
		hi = hj
		if r.class == clsEntity {
			if r.entity == entCEO {
				rs.addFiredRef(d, ld.signals["ceo"], 0, group)
			}
			continue
		}
		best := math.Inf(-1)
		kept := 0
		for _, g := range group {
			w := r.weight
			if r.class == clsPraise && rs.overlapsNonPraiseRef(d, g) {
				continue // "genial" inside "sería genial que…" is not praise
			}
			if r.leaves && slices.Contains(toRival, g) {
				continue
			}
			if r.negatable {
				if j, ok := rs.negatedRef(d, int(g.start), l); ok {
					if r.class == clsComplaint || r.class == clsPraise || r.class == clsSarcasm {
						negSpans = true
						if negFirst < 0 {
							negFirst = int32(j)
						}
					}
					continue
				}
			}
			if contrast >= 0 {
				switch {
				case int(g.start) > contrast && (r.class == clsComplaint || r.class == clsSuggestion):
					w *= 1.25
					contrastUsed = true
				case int(g.end) < contrast && r.class == clsPraise:
					w *= 0.5
					contrastUsed = true
					praiseBefore = true
				}
				if int(g.start) > contrast && r.when == whenAlways && r.class != clsSeverity && !r.served && !r.kin {
					afterCounted = true // deferred rules: when they count, below
				}
			}
			if (len(compSent) > 0 || leaveAt >= 0) && (r.class == clsComplaint || r.class == clsSeverity) && compSideRef(g) {
				w *= 0.1
				compUsed = true
			}
			best = max(best, w)
			group[kept] = g
			kept++
		}
		if kept == 0 {
			continue
		}
		if r.class == clsComplaint {
			for _, g := range group[:kept] {
				if s, ok := rs.ownSentenceRef(d, int(g.start)); (ok || brandHandle || ceoHandle) && nOwn < len(own) {
					own[nOwn] = int32(s)
					nOwn++
				}
			}
		}
		if r.kin {
			continue
		}
		if r.when != whenAlways {
			if nLater < len(later) {
				later[nLater] = deferred{rule: h.rule, w: best, hits: group[:kept]}
				nLater++
			}
			continue
		}
		apply(h.rule, best, group[:kept])
	}
	// A short quotation in a post told in the first or second person.
	var quote, echo hit
	kinQuoted := false
	quoteOK, echoOK := false, false
	qr, qok := ld.signals["quote"]
	er, eok := ld.signals["echo"]
	if qok && eok && (rs.rules[qr].weight > 0 || rs.rules[er].weight > 0) && ss == 0 {
		person := func(i int) bool {
			if d.toks[i].kind == kHandle {
				return brandHandle || ceoHandle
			}
			for _, id := range d.ids[d.idAt[i]:d.idAt[i+1]] {
				if rs.person[id] != 0 {
					return true
				}
			}
			return false
		}
		stop := func(i int) bool {
			for _, h := range d.hits {
				if rs.rules[h.rule].class == clsEntity && int(h.start) <= i && i <= int(h.end) {
					return true
				}
			}
			for _, id := range d.ids[d.idAt[i]:d.idAt[i+1]] {
				if int(id) < len(rs.stopMask) && rs.stopMask[id] != 0 {
					return true
				}
			}
			return false
		}
		quote, quoteOK, echo, echoOK = scareQuote(d.text, d.toks, d.buf, person, stop)
		quoteOK = quoteOK && rs.rules[qr].weight > 0
		if quoteOK {
			if k, ok := rs.kinSaidRef(d, quote); ok {
				kinQuoted = true
				quoteOK = false
				rs.addFired(d, k.rule, 0, []hit{k})
			}
		}
		echoOK = echoOK && rs.rules[er].weight > 0
	}
	timesOK := false
	if tr, ok := ld.signals["times"]; ok && rs.rules[tr].weight > 0 && ss == 0 {
		n := 0
		for _, t := range d.toks {
			if t.kind == kTime {
				n++
			}
		}
		timesOK = n >= 2
	}
	labelsOK, linesOK := false, false
	if ss == 0 {
		labelsOK, linesOK = labelLines(d.text)
		lr, ok1 := ld.signals["labels"]
		labelsOK = labelsOK && ok1 && rs.rules[lr].weight > 0
		nr, ok2 := ld.signals["lines"]
		linesOK = linesOK && ok2 && rs.rules[nr].weight > 0
	}
	// A quotation, an echo or a timeline on the competitor's side.
	quoteW, echoW, timesW := 0.0, 0.0, 1.0
	if quoteOK {
		quoteW = rs.rules[qr].weight
	}
	if echoOK {
		echoW = rs.rules[er].weight
	}
	if len(compSent) > 0 || leaveAt >= 0 {
		if quoteOK && compSideRef(quote) {
			quoteW *= 0.1
			compUsed = true
		}
		if echoOK && compSideRef(echo) {
			echoW *= 0.1
			compUsed = true
		}
		if timesOK {
			for i, t := range d.toks {
				if t.kind == kTime {
					if compSideRef(hit{start: int32(i), end: int32(i)}) {
						timesW = 0.1
						compUsed = true
					}
					break
				}
			}
		}
	}
	// Rules that depend on the rest of the post.
	var waiting []deferred // severity-only rules that wait for a grievance
	for _, dl := range later[:nLater] {
		r := &rs.rules[dl.rule]
		switch r.when {
		case whenAlone:
			continue // below
		case whenGrievance:
			if sc < 0.5 && !quoteOK && !echoOK && !timesOK && !labelsOK && !linesOK {
				if r.class == clsSeverity && r.weight == 0 {
					waiting = append(waiting, dl)
				}
				continue
			}
		case whenCEOGrievance:
			if sc <= 0 || !ceoHandle {
				continue
			}
		case whenNoOwnGrievance:
			if r.sentence && ss >= 1.6 {
				continue // a question that makes a proposal
			}
			if quoteOK && firstPersonFrom(d, quote.end+1) || echoOK && (res.ceo || firstPersonFrom(d, echo.start)) {
				continue // a claim answered in the first person or echoed at the CEO
			}
			mine := false
			for _, s := range own[:nOwn] {
				inNews := false
				for _, g := range dl.hits {
					if gs, _ := d.sentenceBoundsRef(int(g.start)); int32(gs) == s {
						inNews = true
						break
					}
				}
				if !inNews {
					mine = true
					break
				}
			}
			if mine {
				continue
			}
		}
		if contrast >= 0 && r.class != clsSeverity { // a severity alone does not tell the grievance
			for _, g := range dl.hits {
				if int(g.start) > contrast {
					afterCounted = true
				}
			}
		}
		apply(dl.rule, dl.w, dl.hits)
	}
	// Weak cues (when: alone) count only in a post where no other rule
	// counted toward any label: several kinds of them together flag a post
	// that no pattern recognised, and they never tip a decided one.
	if sc == 0 && ss == 0 && so == 0 && praise == 0 && sarcasm == 0 {
		for _, dl := range later[:nLater] {
			if rs.rules[dl.rule].when == whenAlone {
				apply(dl.rule, dl.w, dl.hits)
			}
		}
	}
	// "Bien, pero…": praise, then a contrast word, then only weak cues or
	// a negation — the part after "but" is the point.
	served := praiseBefore && rs.servedPraiseRef(d, contrast)
	if praiseBefore && (served || !afterCounted) {
		neg := func(j int) bool {
			for _, id := range d.ids[d.idAt[j]:d.idAt[j+1]] {
				if rs.negator[id]&(1<<l) != 0 {
					return true
				}
			}
			return false
		}
		if served || cueAfter(d, rs.rules, later[:nLater], contrast, neg) {
			sc += contrastGrievance
			contrastUsed = true
		}
	}
	if negSpans {
		if id, ok := ld.signals["negation"]; ok {
			_ = negFirst
			rs.addFiredSpanRef(d, id, 0, negFirst)
		}
	}
	if contrastUsed {
		rs.addFiredSpanRef(d, ld.signals["contrast"], 0, int32(contrast))
	}
	if compUsed {
		rs.addFiredRef(d, ld.signals["competitor"], 0, nil)
	}
	if lr, ok := ld.signals["leaves"]; ok && leavesRival && rs.rules[lr].weight > 0 {
		sc += rs.rules[lr].weight
		apply(lr, rs.rules[lr].weight, nil)
	}
	// Irony: praise next to a grievance or an irony marker is a complaint.
	if sarcasm > 0 {
		if sc > 0 || praise > 0 {
			sc += sarcasm + 0.5*praise
			praise *= 0.2
		} else {
			sc += sarcasm * 0.8
		}
	}
	// Polite words around a proposal ("please add…, thanks") are not praise.
	if ss > 0 {
		praise *= 0.3
	}
	otherW := so // the other rules' weight alone
	so += praise
	// A grievance after "but" outweighs the praise before it.
	if contrastUsed && sc > 0 {
		sc += 0.4
	}
	// No first or second person and no @handle: likely news or commentary.
	if sc > 0 && d.words >= 10 && !rs.personalRef(d, l) && !contrastUsed {
		sc *= 0.75
		// A headline: ends with a link, asks and exclaims nothing.
		if last := len(d.toks) - 1; last >= 0 && d.toks[last].kind == kURL {
			asks := false
			for i := range d.toks {
				asks = asks || d.toks[i].kind == kPunct && strings.ContainsAny(string(d.norm(i)), "?!")
			}
			if !asks {
				sc *= 0.6
			}
		}
		rs.addFiredRef(d, ld.signals["impersonal"], 0, nil)
	}
	// The scare quote found before the conditional rules counts here; an
	// echo of it counts instead.
	switch {
	case echoOK:
		w := echoW
		sc += w
		rs.addFiredRef(d, er, w, []hit{echo})
	case quoteOK:
		w := quoteW
		sc += w
		rs.addFiredRef(d, qr, w, []hit{quote})
	}
	if timesOK {
		tr := ld.signals["times"]
		w := rs.rules[tr].weight * timesW
		sc += w
		rs.addFiredRef(d, tr, w, nil)
	}
	if labelsOK {
		lr := ld.signals["labels"]
		w := rs.rules[lr].weight
		sc += w
		rs.addFiredRef(d, lr, w, nil)
	}
	if linesOK {
		nr := ld.signals["lines"]
		w := rs.rules[nr].weight
		sc += w
		rs.addFiredRef(d, nr, w, nil)
	}
	// Emphasis (ALL CAPS, stretched letters, "!!!") strengthens a grievance.
	if sc > 0 && (d.caps >= 2 && 2*d.caps <= d.words || d.elong > 0 || d.bangs > 0) {
		sc += 0.3
		rs.addFiredRef(d, ld.signals["emphasis"], 0.3, nil)
	}
	sc *= damp
	if compUsed && !leavesRival {
		sc *= competitorDamp
	}
	if kinQuoted {
		sc *= kinDamp
	}

	// Tie-break: a concrete grievance next to a proposal is a complaint,
	// unless the post leads with the proposal and the grievance is weak
	// (below 2.4): then the pain is the proposal's reason (the label
	// rules' "built around the proposal").
	if sc >= 1 && ss > 0 && sc >= 0.7*ss && !(sc < 4.5 && rs.proposalLeads(d, l) && (sc < 2.4 || generalPainRef(d))) {
		ss *= 0.6
	}
	if minor && sc >= 1 && ss >= sc && !rs.proposalLeads(d, l) {
		ss = sc * 0.9
	}
	so += otherPrior[l]
	label := escucha.LabelOther
	best, second, third := so, sc, ss
	switch {
	case sc >= ss && sc > so:
		label, best, second, third = escucha.LabelComplaint, sc, so, ss
	case ss > sc && ss > so:
		label, best, second, third = escucha.LabelSuggestion, ss, so, sc
	}
	if label == escucha.LabelOther && len(d.cues) > 0 && !compUsed && otherW == 0 {
		// One hit per distinct word, the first; their weights summed.
		slices.SortStableFunc(d.cues, func(a, b hit) int { return int(a.start - b.start) })
		seen := map[string]bool{}
		byRule := map[int32][]hit{}
		var order []int32
		cw := 0.0
		for _, h := range d.cues {
			w := string(d.norm(int(h.start)))
			if seen[w] {
				continue
			}
			seen[w] = true
			cw += rs.rules[h.rule].weight
			if byRule[h.rule] == nil {
				order = append(order, h.rule)
			}
			byRule[h.rule] = append(byRule[h.rule], h)
		}
		if len(seen) >= minCues && sc+cw >= ss && sc+cw > so {
			slices.Sort(order)
			for _, ri := range order {
				w := 0.0
				for range byRule[ri] {
					w += rs.rules[ri].weight
				}
				rs.addFiredRef(d, ri, w, byRule[ri])
			}
			label, best, second, third = escucha.LabelComplaint, sc+cw, so, ss
		}
	}
	res.label = label
	res.score = round3(1 / (1 + math.Exp(second-best) + math.Exp(third-best)))
	if label == escucha.LabelComplaint {
		for _, dl := range waiting {
			if !slices.ContainsFunc(d.fired, func(f fired) bool { return f.rule == dl.rule }) {
				apply(dl.rule, 0, dl.hits)
			}
		}
	}
	if label == escucha.LabelComplaint {
		switch {
		case sev.Rank() >= escucha.SeverityHigh.Rank() && !(minor && !hardHigh):
			res.severity = sev
		case minor:
			res.severity = escucha.SeverityLow
		default:
			res.severity = escucha.SeverityMedium
		}
	}
	slices.SortStableFunc(d.fired, func(a, b fired) int { return int(a.first - b.first) })
	res.fired = d.fired
	return res
}

func (rs *ruleset) addFiredRef(d *doc, ri int32, w float64, hs []hit) {
	f := fired{rule: ri, weight: w, spanFrom: int32(len(d.spans)), first: 1 << 30}
	for k, h := range hs {
		if k >= 4 {
			break
		}
		d.spans = append(d.spans, span{d.toks[h.start].os, d.toks[h.end].oe})
		f.first = min(f.first, h.start)
	}
	f.spanTo = int32(len(d.spans))
	d.fired = append(d.fired, f)
}

func (rs *ruleset) addFiredSpanRef(d *doc, ri int32, w float64, tok int32) {
	f := fired{rule: ri, weight: w, spanFrom: int32(len(d.spans)), first: tok}
	if tok >= 0 && int(tok) < len(d.toks) {
		d.spans = append(d.spans, span{d.toks[tok].os, d.toks[tok].oe})
	} else {
		f.first = 1 << 30
	}
	f.spanTo = int32(len(d.spans))
	d.fired = append(d.fired, f)
}

func (rs *ruleset) overlapsNonPraiseRef(d *doc, g hit) bool {
	for _, h := range d.hits {
		switch rs.rules[h.rule].class {
		case clsSuggestion, clsComplaint, clsSarcasm:
			if h.start <= g.end && g.start <= h.end {
				if g.start <= h.start && h.end <= g.end && g.end-g.start > h.end-h.start {
					// The praise is the longer, more specific reading that
					// contains the other hit ("so good it should be
					// illegal" holds "it should be"): it stands.
					continue
				}
				if r := &rs.rules[h.rule]; r.negatable && r.class != clsSuggestion {
					if _, neg := rs.negatedRef(d, int(h.start), d.lang); neg {
						continue
					}
				}
				return true
			}
		}
	}
	return false
}

func (rs *ruleset) atClauseStartRef(d *doc, i int) bool {
	for j := i - 1; j >= 0; j-- {
		t := &d.toks[j]
		if t.flags&fClause != 0 {
			return true
		}
		if t.kind == kWord && t.flags&fHashtag == 0 {
			return false
		}
	}
	return true
}

func (rs *ruleset) ownSentenceRef(d *doc, i int) (int, bool) {
	s, e := d.sentenceBoundsRef(i)
	for _, h := range d.hits {
		if rs.rules[h.rule].person && s <= int(h.start) && int(h.start) <= e {
			return s, true
		}
	}
	for j := s; j <= e; j++ {
		for _, id := range d.ids[d.idAt[j]:d.idAt[j+1]] {
			if rs.person[id] != 0 {
				return s, true
			}
		}
	}
	return s, false
}

func (rs *ruleset) personalRef(d *doc, l int) bool {
	for _, h := range d.hits {
		if rs.rules[h.rule].person {
			return true
		}
	}
	// The @handles a reply opens with count when one is the brand's or the
	// CEO's, or when neither is named after them.
	lead := 0
	for lead < len(d.toks) && d.toks[lead].kind == kHandle {
		lead++
	}
	inLead, after := false, false
	for _, h := range d.hits {
		if e := rs.rules[h.rule].entity; rs.rules[h.rule].class == clsEntity && (e == entBrand || e == entCEO) {
			if int(h.start) < lead {
				inLead = true
			} else {
				after = true
			}
		}
	}
	if lead > 0 && (inLead || !after) {
		return true
	}
	for i := range d.toks {
		t := d.toks[i]
		if t.kind == kHandle && i >= lead {
			return true
		}
		if t.kind == kWord && firstPersonVerb(d.text[t.os:t.oe], d.buf[t.ns:t.ne]) {
			return true
		}
		for _, id := range d.ids[d.idAt[i]:d.idAt[i+1]] {
			if rs.person[id] != 0 {
				return true
			}
		}
	}
	return false
}

func (rs *ruleset) lookupRef(d *doc) {
	for i := range d.toks {
		d.idAt = append(d.idAt, int32(len(d.ids)))
		t := &d.toks[i]
		w := d.buf[t.ns:t.ne]
		switch t.kind {
		case kNum:
			d.ids = append(d.ids, idNum)
		case kTime:
			d.ids = append(d.ids, idTime, idNum)
		case kCur:
			d.ids = append(d.ids, idCur)
		case kURL:
			d.ids = append(d.ids, idURL)
			continue
		case kHandle:
			d.ids = append(d.ids, idHandle)
		case kEmoji:
			d.ids = append(d.ids, idEmoji)
		}
		if t.flags&fCaps != 0 {
			d.ids = append(d.ids, idCaps)
		}
		if t.ent < 0 {
			t.ent = rs.entry(d, w)
		}
		e := &d.ents[t.ent]
		if e.vid >= 0 {
			d.ids = append(d.ids, e.vid)
		}
		if t.kind == kWord {
			d.ids = append(d.ids, d.cids[e.pre0:e.pre1]...)
		}
	}
	d.idAt = append(d.idAt, int32(len(d.ids)))

}

func (rs *ruleset) atStartRef(d *doc, i int) bool {
	for j := i - 1; j >= 0; j-- {
		t := &d.toks[j]
		if t.flags&fClause != 0 {
			return true
		}
		if t.kind != kWord || t.flags&fHashtag != 0 {
			continue
		}
		lead := false
		for _, id := range d.ids[d.idAt[j]:d.idAt[j+1]] {
			if rs.leadin[id] != 0 {
				lead = true
				break
			}
		}
		if !lead {
			return false
		}
	}
	return true
}

func (d *doc) inQuestionRef(s, e int) bool {
	for j := e; j < len(d.toks); j++ { // a match may end on its "?"
		t := &d.toks[j]
		if t.flags&fSentEnd != 0 {
			if d.buf[t.ns] == '?' {
				return true
			}
			break
		}
	}
	for j := s - 1; j >= 0; j-- {
		t := &d.toks[j]
		if t.flags&fSentEnd != 0 {
			return d.buf[t.ns] == '?' && strings.HasSuffix(d.text[t.os:t.oe], "¿") // "¿" opens the question
		}
	}
	return false
}

func (d *doc) tokAtRef(a, b int32) (int32, int32) {
	s, e := int32(-1), int32(-1)
	for i := range d.toks {
		t := &d.toks[i]
		if t.ne > a && t.ns < b {
			if s < 0 {
				s = int32(i)
			}
			e = int32(i)
		}
	}
	return s, e
}

// kinSaidRef is kinSaid with the reference sentence bounds.
func (rs *ruleset) kinSaidRef(d *doc, q hit) (hit, bool) {
	for _, h := range d.hits {
		if !rs.rules[h.rule].kin || h.start >= q.start || !sameSentRef(d, int(h.start), int(q.start)) {
			continue
		}
		if h.end == h.start+1 && !colonAt(d, h.end+1) {
			continue
		}
		return h, true
	}
	return hit{}, false
}

// servedPraiseRef is servedPraise with the reference sentence bounds.
func (rs *ruleset) servedPraiseRef(d *doc, contrast int) bool {
	for _, p := range d.hits {
		if rs.rules[p.rule].class != clsPraise || int(p.end) >= contrast {
			continue
		}
		for _, h := range d.hits {
			if rs.rules[h.rule].served && sameSentRef(d, int(h.start), int(p.start)) {
				return true
			}
		}
	}
	return false
}

// atEndRef is atEnd written the other way round: the last token that is
// a word, a number, a time or an amount (not a hashtag's) must be e.
func atEndRef(d *doc, e int) bool {
	last := -1
	for j := range d.toks {
		t := &d.toks[j]
		if t.flags&fHashtag == 0 && (t.kind == kWord || t.kind == kNum || t.kind == kTime || t.kind == kCur) {
			last = j
		}
	}
	return last <= e
}

// leadsIntoRef is leadsInto written plainly: a name within two tokens
// after end, right after a preposition whose verb is not negated.
func (rs *ruleset) leadsIntoRef(d *doc, starts []int32, end int32, l int) bool {
	preps := []string{"a", "al", "to", "for", "con", "with", "para", "pa", "hacia", "into"}
	for _, st := range starts {
		if st <= end || st > end+2 || st < 2 {
			continue
		}
		t := d.toks[st-1]
		if slices.Contains(preps, string(d.buf[t.ns:t.ne])) {
			_, neg := rs.negatedRef(d, int(st-2), l)
			return !neg
		}
	}
	return false
}

// wordAtRef is token j's text when it is a word, "" otherwise (or out of
// range).
// generalPainRef is generalPain with a set.
func generalPainRef(d *doc) bool {
	general := map[string]bool{}
	for _, w := range strings.Fields("gente mayoria muchos muchas quienes usuarios clientes duenos familias people everyone everybody users customers owners families") {
		general[w] = true
	}
	for i := range d.toks {
		if d.toks[i].kind == kWord && general[wordAtRef(d, int32(i))] {
			return true
		}
	}
	return false
}

func wordAtRef(d *doc, j int32) string {
	if j < 0 || d.toks[j].kind != kWord {
		return ""
	}
	return string(d.buf[d.toks[j].ns:d.toks[j].ne])
}

// joinedBeforeRef: the move to the brand at token i follows "after",
// "since", "tras", "desde" or "desde que".
func joinedBeforeRef(d *doc, i int32) bool {
	w := wordAtRef(d, i-1)
	return slices.Contains([]string{"after", "since", "tras", "desde"}, w) || w == "que" && wordAtRef(d, i-2) == "desde"
}

// labelLinesRef is labelLines as first written: every segment of the
// text in turn (segmentEndRef), each label lower-cased with
// strings.ToLower.
func labelLinesRef(text string) (quoted, plain bool) {
	if strings.IndexByte(text, ':') < 0 {
		return false, false
	}
	hasQuote := hasQuoteMark(text)
	n, other, mine := 0, 0, false
	for start := 0; start < len(text); {
		i := start
		for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
			i++
		}
		if j, ok := labelEnd(text, i); ok {
			n++
			label := strings.ToLower(strings.TrimSpace(text[i:j]))
			if !framingLabel(label) {
				other++
			}
			mine = mine || ownLabel(label)
		}
		start = segmentEndRef(text, i)
	}
	if hasQuote {
		return n >= 2 && other > 0, false
	}
	return false, other >= 2 && !mine
}

// segmentEndRef returns where the next line or sentence after i starts.
func segmentEndRef(text string, i int) int {
	for k := i; k < len(text); k++ {
		switch text[k] {
		case '\n':
			return k + 1
		case '.', '!', '?':
			if k+1 < len(text) && (text[k+1] == ' ' || text[k+1] == '\n') {
				return k + 1
			}
		}
	}
	return len(text)
}
