package classifier

// Matching: what the rules know about each token (a per-worker cache) and
// which patterns fire on a text.

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// Token bits (doc.tbits), the OR of the idBits of a token's ids.
const (
	bNeg    uint8 = 1      // << language: a negator of es (1) / en (2)
	bCon    uint8 = 4      // << language: a contrast word of es (4) / en (8)
	bPerson uint8 = 1 << 4 // a first or second person word
	bLeadin uint8 = 1 << 5 // a word that may come before a clause-initial pattern
	bCand   uint8 = 1 << 6 // << language: the id starts patterns a text of es (1<<6) / en (1<<7) runs
)

// lookup finds the vocabulary ids each token matches and marks them (and
// the alternative sets they belong to) present, and in the same pass
// gathers what the other stages ask of every token: its id bits, the
// sentence it belongs to, whether that sentence speaks in the first or
// second person, whether the text does or addresses an account, and the
// language evidence detect weighs.
func (rs *ruleset) lookup(d *doc) {
	keys := grow(d.keys, rs.nKeyWords)
	clear(keys)
	keys[rs.keyTrue>>6] |= 1 << (rs.keyTrue & 63)
	d.keys = keys
	nt := len(d.toks)
	// Local copies of the slices and counters, so the loop does not store
	// through d after every append.
	toks := d.toks
	ids := d.ids[:0]
	idAt := grow(d.idAt, nt+1)
	tbits := grow(d.tbits, nt)
	sents := grow(d.sent, nt)
	sentPers := grow(d.sentPers, nt)
	personal := false
	var stops, endings [2]int
	var abbrev uint8
	sent := int32(0)
	lastCon := [2]int32{-1, -1}
	var guard uint64
	lead := 0
	for lead < nt && toks[lead].kind == kHandle {
		lead++
	}
	// The cache entries first, in a loop of their own: the probes of
	// different tokens do not depend on one another, so they overlap.
	// A token of one byte (the table c.one) or of up to eight bytes found
	// in its first slot (most) is looked up here, without entry's calls;
	// the others go through entry.
	c := &d.cache
	inline := d.crs == rs // else entry first ties the cache to rs
	for i := range toks {
		t := &toks[i]
		if t.ent >= 0 || t.kind == kURL {
			continue
		}
		w := d.buf[t.ns:t.ne]
		if n := len(w); inline && n == 1 {
			if k := c.one[w[0]]; k > 0 {
				t.ent = k - 1
				continue
			}
		} else if inline && n <= 8 && cap(w) >= 8 {
			h, v := c.hashShort(w)
			if sl := &c.slots[h&uint64(len(c.slots)-1)]; sl.tag == tagOf(h) && int(sl.klen) == n && sl.key8 == v {
				t.ent = sl.ent
				continue
			}
		}
		t.ent = rs.entry(d, w)
	}
	for i := range toks {
		idAt[i] = int32(len(ids))
		t := &toks[i]
		var b uint8
		if t.kind != kWord {
			var sp [2]int32
			var ns int
			switch t.kind {
			case kNum:
				sp[0], ns = idNum, 1
			case kTime:
				sp[0], sp[1], ns = idTime, idNum, 2
			case kCur:
				sp[0], ns = idCur, 1
			case kURL:
				sp[0], ns = idURL, 1
			case kHandle:
				sp[0], ns = idHandle, 1
				personal = personal || i >= lead
			case kEmoji:
				sp[0], ns = idEmoji, 1
			}
			for _, id := range sp[:ns] {
				ids = append(ids, id)
				b |= rs.stampID(d, id)
			}
		}
		if t.kind == kURL {
			guard |= rs.urlGuard
		} else {
			if t.flags&fCaps != 0 {
				ids = append(ids, idCaps)
				b |= rs.stampID(d, idCaps)
			}
			e := &d.ents[t.ent]
			guard |= e.guard
			end, mend := e.pre0, e.masksV
			if t.kind == kWord {
				end, mend = e.pre1, e.masks1
				b |= e.bitsW
				abbrev |= e.abbrev
				if t.flags&fAccent != 0 {
					endings[langES]++ // Spanish spelling: "pésimo", "atención", "año"
				}
				if !personal && firstPersonVerb(d.text[t.os:t.oe], d.buf[t.ns:t.ne]) {
					personal = true
				}
				switch m := e.stop; m {
				case 3:
					// A stop word of both languages.
				case 0:
					endings[langES] += int(e.suffix & 1)
					endings[langEN] += int(e.suffix >> 1)
				default:
					stops[0] += int(m & 1)
					stops[1] += int(m >> 1)
				}
			} else {
				b |= e.bitsV
			}
			if end-e.ids0 == 1 { // the common case, without a memmove call
				id := d.cids[e.ids0]
				ids = append(ids, id)
				keys[id>>6] |= 1 << (id & 63)
			} else {
				for _, id := range d.cids[e.ids0:end] {
					ids = append(ids, id)
					keys[id>>6] |= 1 << (id & 63)
				}
			}
			for _, m := range d.cmasks[e.masks0:mend] {
				keys[m.w] |= m.m
			}
		}
		tbits[i] = b
		if b&(bCon|bCon<<1) != 0 && i <= nt-2 { // a contrast word with words after it
			if b&bCon != 0 {
				lastCon[0] = int32(i)
			}
			if b&(bCon<<1) != 0 {
				lastCon[1] = int32(i)
			}
		}
		sents[i] = sent
		sentPers[i] = 0
		if b&bPerson != 0 {
			sentPers[sent] = 1
			personal = true
		}
		if t.flags&fSentEnd != 0 {
			sent = int32(i + 1)
		}
	}
	idAt[nt] = int32(len(ids))
	d.ids, d.idAt, d.tbits, d.sent, d.sentPers = ids, idAt, tbits, sents, sentPers
	d.personal, d.stops, d.endings, d.abbrev = personal, stops, endings, abbrev
	d.lastCon = lastCon
	d.guard = guard
	d.lead = int32(lead)
}

// stampID marks id and the alternative sets it belongs to present and
// returns its id bits.
func (rs *ruleset) stampID(d *doc, id int32) uint8 {
	d.keys[id>>6] |= 1 << (id & 63)
	in := &rs.ids[id]
	for _, m := range rs.setMasks[in.mask0:in.mask1] {
		d.keys[m.w] |= m.m
	}
	return rs.idBits[id]
}

// present reports whether the text carries presence key k (see
// melem.key): the id k, one of the alternatives of set k-setBase, or
// keyTrue.
func present(keys []uint64, k int32) bool {
	return keys[k>>6]&(1<<(k&63)) != 0
}

// grow returns s with length n, reusing its array when it is big enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, 2*n)
	}
	return s[:n]
}

// tokEntry is what the rules know about one folded token.
type tokEntry struct {
	guard  uint64 // guard steps a piece of which the token contains (see tokenGuard)
	vid    int32  // vocabulary id, -1 if none
	stop   uint8  // stop word of es (1) / en (2)
	abbrev uint8  // language mask: the token is an abbreviation there
	suffix uint8  // ends like a word of es (1) / en (2) (five bytes or more)
	bitsV  uint8  // id bits of the vocabulary id
	bitsW  uint8  // id bits of the vocabulary and prefix ids
	// doc.cids[ids0:pre0] is the vocabulary id (none or one),
	// doc.cids[pre0:pre1] the prefix ids; doc.cmasks[masks0:masksV] and
	// [masksV:masks1] mark the alternative sets they belong to.
	ids0, pre0, pre1       int32
	masks0, masksV, masks1 int32
	// rep[l] is, for an abbreviation of language l replaced by one word,
	// 1 + the index of the replacement in doc.reps; -1 when the
	// replacement has several words; 0 until expand first needs it.
	rep [2]int32
}

// repWord is a one-word replacement (see tokEntry.rep): the word and its
// entry.
type repWord struct {
	w string
	k int32
}

// maxCache bounds a doc's token cache.
const maxCache = 1 << 16

// maxCachedWord is the longest token the cache keeps (longer ones are
// looked up every time), so the cache's key bytes stay under 4 MiB.
const maxCachedWord = 64

// prepare ties d's token cache to rs, clearing it when the rules changed
// or it is full.
func (d *doc) prepare(rs *ruleset) {
	if d.crs == rs && len(d.ents) < maxCache {
		return
	}
	d.cache.reset()
	d.ents = d.ents[:0]
	d.cids = d.cids[:0]
	d.cmasks = d.cmasks[:0]
	d.reps = d.reps[:0]
	d.crs = rs
}

// entry returns the index in d.ents of w's entry, computing it on a miss:
// one map probe per token once the worker has seen the word.
func (rs *ruleset) entry(d *doc, w []byte) int32 {
	if d.crs != rs { // a doc used without run (tests) or with new rules
		d.crs = nil
		d.prepare(rs)
	}
	if len(w) == 1 { // punctuation and one-letter words: a table, no hash
		if k := d.cache.one[w[0]]; k > 0 {
			return k - 1
		}
	}
	h, v := d.cache.hash(w)
	if k := d.cache.get(h, v, w); k >= 0 {
		if len(w) == 1 {
			d.cache.one[w[0]] = k + 1
		}
		return k
	}
	e := tokEntry{vid: -1}
	e.ids0 = int32(len(d.cids))
	if id, ok := rs.vocab[string(w)]; ok {
		e.vid = id
		e.stop = rs.stopMask[id]
		d.cids = append(d.cids, id)
	}
	for l := range rs.langs {
		if _, ok := rs.langs[l].abbrev[string(w)]; ok {
			e.abbrev |= 1 << l
		}
	}
	if len(w) >= 5 {
		e.suffix = uint8(hasSuffix(w, esEndings) | hasSuffix(w, enEndings)<<1)
	}
	e.guard = rs.tokenGuard(w)
	e.pre0 = int32(len(d.cids))
	if len(w) >= 2 {
		lens := rs.preLens[uint16(w[0])<<8|uint16(w[1])]
		lens &= (1 << (min(len(w), 63) + 1)) - 1
		for lens != 0 {
			n := bits.TrailingZeros64(lens)
			lens &= lens - 1
			if id, ok := rs.prefix[string(w[:n])]; ok {
				d.cids = append(d.cids, id)
			}
		}
	}
	if e.vid >= 0 && rs.nameIDs[e.vid] {
		d.cids = append(d.cids, idHandle) // a one-word name is addressed as an @handle is
	}
	e.pre1 = int32(len(d.cids))
	e.masks0 = int32(len(d.cmasks))
	for k, id := range d.cids[e.ids0:e.pre1] {
		if int32(k) == e.pre0-e.ids0 {
			e.masksV = int32(len(d.cmasks))
			e.bitsV = e.bitsW
		}
		e.bitsW |= rs.idBits[id]
		in := &rs.ids[id]
		d.cmasks = append(d.cmasks, rs.setMasks[in.mask0:in.mask1]...)
	}
	if e.pre0 == e.pre1 {
		e.masksV = int32(len(d.cmasks))
		e.bitsV = e.bitsW
	}
	e.masks1 = int32(len(d.cmasks))
	k := int32(len(d.ents))
	d.ents = append(d.ents, e)
	if len(w) <= maxCachedWord {
		d.cache.put(h, v, w, k)
	}
	if len(w) == 1 {
		d.cache.one[w[0]] = k + 1
	}
	return k
}

// tokCache maps folded tokens to entries of doc.ents: open addressing with
// linear probing over a power-of-two table kept at most half full, keys
// in one byte arena, a hash seeded at random per cache (so crafted posts
// cannot pile words into one chain). A probe is a hash, a tag compare and a
// byte compare, without the string conversion and group scan of a map.
type tokCache struct {
	one    [256]int32 // entry+1 of each one-byte token, 0 = not seen
	seed64 uint64
	slots  []cacheSlot
	keys   []byte
	n      int
}

type cacheSlot struct {
	key8 uint64 // a key of up to eight bytes, zero-padded
	tag  uint32 // high bits of the hash, 0 = empty
	ent  int32
	off  int32 // key is keys[off:off+len]
	klen int32
}

func (c *tokCache) reset() {
	if c.slots == nil {
		c.seed64 = maphash.Bytes(maphash.MakeSeed(), nil) // random per cache
		c.slots = make([]cacheSlot, 2048)
	}
	clear(c.slots)
	clear(c.one[:])
	c.keys = c.keys[:0]
	c.n = 0
}

// hash is a seeded wyhash-style hash, inlined for the short keys tokens
// are. A key of up to eight bytes (most words) is one zero-padded word, v,
// which the slot also keeps so get compares it without touching the key
// bytes; longer keys fold 8-byte words with a 128-bit multiply and read
// the tail with overlapping loads.
func (c *tokCache) hash(w []byte) (h, v uint64) {
	if n := len(w); n <= 8 {
		if cap(w) >= 8 {
			return c.hashShort(w)
		}
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint64(w[i])
		}
		return c.mixShort(v, n), v
	}
	h = c.seed64 ^ uint64(len(w))*hashP0
	for len(w) > 8 {
		h = mum(h^binary.LittleEndian.Uint64(w), hashP1)
		w = w[8:]
	}
	var t uint64
	switch n := len(w); {
	case n >= 4:
		t = uint64(binary.LittleEndian.Uint32(w))<<32 | uint64(binary.LittleEndian.Uint32(w[n-4:]))
	case n > 0:
		t = uint64(w[0])<<16 | uint64(w[n/2])<<8 | uint64(w[n-1])
	}
	return mum(h^t, hashP1^uint64(len(w))), 0
}

// hashShort is hash for a key of up to eight bytes with at least eight
// bytes of capacity: one load, the bytes past the key masked off.
func (c *tokCache) hashShort(w []byte) (h, v uint64) {
	n := len(w)
	v = binary.LittleEndian.Uint64(w[:8]) & (1<<(8*n) - 1) // (1<<64)-1 is all ones
	return c.mixShort(v, n), v
}

// mixShort is the hash of a key of n <= 8 bytes held zero-padded in v.
func (c *tokCache) mixShort(v uint64, n int) uint64 { return mum(c.seed64^v, hashP1^uint64(n)) }

// hashP0 and hashP1 are the wyhash constants hash mixes with.
const hashP0, hashP1 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func tagOf(h uint64) uint32 { return uint32(h>>32) | 1 }

// get returns the entry of w (hash h, short-key word v) or -1.
func (c *tokCache) get(h, v uint64, w []byte) int32 {
	mask := uint64(len(c.slots) - 1)
	tag := tagOf(h)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &c.slots[i]
		if sl.tag == 0 {
			return -1
		}
		if sl.tag == tag && int(sl.klen) == len(w) {
			if len(w) <= 8 {
				if sl.key8 == v {
					return sl.ent
				}
			} else if string(c.keys[sl.off:sl.off+sl.klen]) == string(w) {
				return sl.ent
			}
		}
	}
}

// put adds w (hash h, short-key word v, not present) with entry k,
// growing the table first when it would be more than half full.
func (c *tokCache) put(h, v uint64, w []byte, k int32) {
	if 2*(c.n+1) > len(c.slots) {
		old := c.slots
		c.slots = make([]cacheSlot, 2*len(old))
		for _, sl := range old {
			if sl.tag != 0 {
				oh, _ := c.hash(c.keys[sl.off : sl.off+sl.klen])
				c.insert(oh, sl)
			}
		}
	}
	off := int32(len(c.keys))
	c.keys = append(c.keys, w...)
	c.insert(h, cacheSlot{tag: tagOf(h), ent: k, off: off, klen: int32(len(w)), key8: v})
	c.n++
}

func (c *tokCache) insert(h uint64, sl cacheSlot) {
	mask := uint64(len(c.slots) - 1)
	i := h & mask
	for c.slots[i].tag != 0 {
		i = (i + 1) & mask
	}
	c.slots[i] = sl
}

// match runs every pattern whose first word occurs in the text. For each
// token it walks the candidates compiled for the token's ids (rs.cands,
// flat, grouped by language and in rule-file order within a group), so a
// token costs one slice per id and never sees the other language's
// patterns; a candidate whose later words are absent from the text is
// rejected by the presence stamps before any walk. Each rule's hits come
// out in the same order as a naive scan of tokens, ids and patterns (see
// matchRef in the tests); hits of different rules may interleave
// differently, which decide does not see (it groups hits by rule, stably).
func (rs *ruleset) match(d *doc, mask uint8) {
	keys := d.keys
	n := len(d.toks)
	var want uint8 // tokens without a candidate for the text's languages are skipped
	if mask&maskES != 0 {
		want |= bCand
	}
	if mask&maskEN != 0 {
		want |= bCand << 1
	}
	for i := range n {
		if d.tbits[i]&want == 0 {
			continue
		}
		for _, id := range d.ids[d.idAt[i]:d.idAt[i+1]] {
			in := &rs.ids[id]
			lo, hi := in.cand0, in.cand1
			switch mask {
			case maskES:
				hi = in.candE
			case maskEN:
				lo = in.candB
			}
			// The presence keys first, four bytes a candidate, so the
			// candidates whose rarest later element is absent (most) cost
			// one load from a dense array.
			needs := rs.needs[lo:hi]
			needs2 := rs.needs2[lo:hi]
			for ci, need := range needs {
				// The second rarest's key too, before any call.
				if !present(keys, need) || !present(keys, needs2[ci]) {
					continue
				}
				c := &rs.cands[int(lo)+ci]
				end := i
				if c.need >= 0 {
					if end = rs.walk(d, c, i); end < 0 {
						continue
					}
				}
				if c.sentence && !d.inQuestion(i, end) {
					continue
				}
				if c.start && !rs.atStart(d, i) || c.end && !d.atEnd(end) {
					continue
				}
				d.hits = append(d.hits, hit{rule: c.rule, start: int32(i), end: int32(end)})
				d.alsoHit = d.alsoHit || c.also
				d.entHit = d.entHit || c.entity
				if c.person { // "Paid €18 for…": the author's, with no subject
					d.personal = true
					d.sentPers[d.sent[i]] = 1
				}
			}
		}
	}
	// Regular expressions, in rule-file order: the first maxTokenGuards
	// picked by the text's guard bits, the rest one by one.
	for try := rs.regexesToTry(d); try != 0; try &= try - 1 {
		rs.runRegex(d, bits.TrailingZeros64(try), mask)
	}
	for k := maxTokenGuards; k < len(rs.regexes); k++ {
		rs.runRegex(d, k, mask)
	}
}

// runRegex adds the hits of expression k when its guard lets it run.
func (rs *ruleset) runRegex(d *doc, k int, mask uint8) {
	if !rs.mayRun(d, k, mask) {
		return
	}
	rr := &rs.regexes[k]
	for _, m := range rr.re.FindAllIndex(d.buf, 4) {
		s, e := d.tokAt(int32(m[0]), int32(m[1]))
		if s >= 0 {
			d.hits = append(d.hits, hit{rule: rr.rule, start: s, end: e})
			d.alsoHit = d.alsoHit || len(rs.rules[rr.rule].also) > 0
		}
	}
}

// walk matches the elements after the first of candidate c, the first
// being token i, greedily (each element takes the first token in its
// window that carries one of its ids; a sentence end closes the window
// after it is tried). It returns the last token matched or -1. The
// caller has checked the presence keys of two of them (rs.needs and
// rs.needs2, the rarest); those of the others from the third on are
// checked before any token is scanned (a filter only: the scan itself is
// exact).
func (rs *ruleset) walk(d *doc, c *cand, i int) int {
	els := rs.mel[c.el0:c.el1]
	for k := 2; k < len(els); k++ {
		if !present(d.keys, els[k].key) {
			return -1
		}
	}
	pos := i
	nt := len(d.toks)
	for k := range els {
		e := &els[k]
		found := -1
		last := min(pos+1+int(e.gap), nt-1)
		for j := pos + 1; j <= last; j++ {
			tids := d.ids[d.idAt[j]:d.idAt[j+1]]
			if e.one >= 0 {
				for _, a := range tids {
					if a == e.one {
						found = j
						break
					}
				}
			} else {
			scan:
				for _, a := range tids {
					if e.bloom&(1<<(a&63)) == 0 {
						continue
					}
					for _, b := range rs.mids[e.ids0:e.ids1] {
						if a == b {
							found = j
							break scan
						}
					}
				}
			}
			if found >= 0 || d.toks[j].flags&fSentEnd != 0 {
				break
			}
		}
		if found < 0 {
			return -1
		}
		pos = found
	}
	return pos
}

// atStart reports whether token i begins a clause: only punctuation,
// numbers ("2."), handles, emoji, hashtags and lead-in words ("also",
// "so", "please") come between it and the clause's start.
func (rs *ruleset) atStart(d *doc, i int) bool {
	for j := i - 1; j >= 0; j-- {
		t := &d.toks[j]
		if t.flags&fClause != 0 {
			return true
		}
		if t.kind != kWord || t.flags&fHashtag != 0 {
			continue
		}
		if d.tbits[j]&bLeadin == 0 {
			return false
		}
	}
	return true
}

// atEnd reports whether token e closes the post: only punctuation,
// emoji, handles, hashtags and links follow it ("… Un lujo 👏 @marca").
func (d *doc) atEnd(e int) bool {
	for j := e + 1; j < len(d.toks); j++ {
		if t := &d.toks[j]; t.kind != kPunct && t.kind != kEmoji && t.kind != kHandle && t.kind != kURL && t.flags&fHashtag == 0 {
			return false
		}
	}
	return true
}

// tokAt maps a byte range of d.buf to the tokens it covers.
func (d *doc) tokAt(a, b int32) (int32, int32) {
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

// inQuestion reports whether the sentence holding tokens [s, e] has a
// question mark (the match may end on the question mark itself).
func (d *doc) inQuestion(s, e int) bool {
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
			return d.opensQuestion(t) // "¿" opens the question
		}
	}
	return false
}

// opensQuestion reports whether punctuation token t ends in "¿": the
// sentence after it is a question even when no "?" closes it ("¿Por qué
// no ponen wifi en los trenes").
func (d *doc) opensQuestion(t *token) bool {
	return d.buf[t.ns] == '?' && t.oe-t.os >= 2 && d.text[t.oe-2] == 0xC2 && d.text[t.oe-1] == 0xBF
}

// firstPersonVerb reports whether a word tells the post in the first
// person with no person word: a Spanish first-person preterite
// (firstPersonPast) or a verb carrying "me" as a clitic
// (firstPersonClitic).
func firstPersonVerb(orig string, folded []byte) bool {
	return firstPersonPast(orig, folded) || firstPersonClitic(folded)
}

// firstPersonClitic reports whether a folded word is a Spanish verb with
// "me" attached: an infinitive ("dejarme", "cobrarme", "decirme"), a
// gerund ("diciéndome", "cobrándonos") or a plural imperative
// ("avísenme", "explíquenme"). "Fondi lleva desde el lunes sin dejarme
// pasar dinero" is the author's own grievance though no word names them.
// Words that only end the same way ("duerme", "firme", "desarme") are
// not.
func firstPersonClitic(w []byte) bool {
	n := len(w)
	if n < 6 {
		return false
	}
	switch {
	case string(w[n-5:]) == "ndome" || n >= 7 && string(w[n-6:]) == "ndonos":
		return true
	case string(w[n-3:]) == "rme" || string(w[n-3:]) == "nme":
		switch w[n-4] {
		case 'a', 'e', 'i':
		default:
			return false
		}
		if w[n-3] == 'n' && w[n-4] == 'i' {
			return false // "-inme" is not a verb ending
		}
		switch string(w) {
		case "duerme", "inerme", "desarme", "charme", "alarme", "gendarme":
			return false
		}
		return string(w[n-5:]) != "firme" // "confirme", "CasaFirme"
	}
	return false
}

// firstPersonPast reports whether a word is a Spanish first-person
// preterite by its written accent ("pagué", "terminé", "pedí", "recibí"):
// Spanish drops the subject, so "Terminé pagando un taxi" is told in the
// first person with no person word. orig is the word as written, folded
// the same word folded. Short words ("qué", "así", "mí") and nouns that end
// the same way ("café", "aquí", "comité") are not verbs.
func firstPersonPast(orig string, folded []byte) bool {
	n := len(orig)
	if n < 4 || orig[n-2] != 0xc3 {
		return false
	}
	switch orig[n-1] {
	case 0xa9, 0xad, 0x89, 0x8d: // é í É Í
	default:
		return false
	}
	switch string(folded) {
	case "aqui", "alli", "cafe", "bebe", "jose", "pure", "mani", "rubi", "esqui", "comite", "jabali",
		"colibri", "frenesi", "hawai", "dubai", "pate", "cache", "cliche", "consome", "canape", "chale",
		"bide", "carne", "porque", "yogui", "sushi", "ahi", "asi", "que", "ole", "pie", "hui":
		return false
	}
	return true
}
