package classifier

// Matching: what the rules know about each token (a per-worker cache) and
// which patterns fire on a text.

import "math/bits"

// lookup finds the vocabulary ids each token matches.
func (rs *ruleset) lookup(d *doc) {
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

// tokEntry is what the rules know about one folded token.
type tokEntry struct {
	vid        int32 // vocabulary id, -1 if none
	stop       uint8 // stop word of es (1) / en (2)
	abbrev     uint8 // language mask: the token is an abbreviation there
	pre0, pre1 int32 // prefix ids: doc.cids[pre0:pre1]
}

// maxCache bounds a doc's token cache.
const maxCache = 1 << 16

// prepare ties d's token cache to rs, clearing it when the rules changed
// or it is full.
func (d *doc) prepare(rs *ruleset) {
	if d.crs == rs && len(d.ents) < maxCache {
		return
	}
	if d.cache == nil {
		d.cache = make(map[string]int32, 1024)
	}
	clear(d.cache)
	d.ents = d.ents[:0]
	d.cids = d.cids[:0]
	d.crs = rs
}

// entry returns the index in d.ents of w's entry, computing it on a miss:
// one map probe per token once the worker has seen the word.
func (rs *ruleset) entry(d *doc, w []byte) int32 {
	if d.crs != rs { // a doc used without run (tests) or with new rules
		d.crs = nil
		d.prepare(rs)
	}
	if k, ok := d.cache[string(w)]; ok {
		return k
	}
	e := tokEntry{vid: -1}
	if id, ok := rs.vocab[string(w)]; ok {
		e.vid = id
		e.stop = rs.stopMask[id]
	}
	for l := range rs.langs {
		if _, ok := rs.langs[l].abbrev[string(w)]; ok {
			e.abbrev |= 1 << l
		}
	}
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
	e.pre1 = int32(len(d.cids))
	k := int32(len(d.ents))
	d.ents = append(d.ents, e)
	d.cache[string(w)] = k
	return k
}

func (d *doc) has(i int, ids []int32) bool {
	for _, a := range d.ids[d.idAt[i]:d.idAt[i+1]] {
		for _, b := range ids {
			if a == b {
				return true
			}
		}
	}
	return false
}

// match runs every pattern whose first word occurs in the text.
func (rs *ruleset) match(d *doc, mask uint8) {
	n := len(d.toks)
	for i := range n {
		for _, id := range d.ids[d.idAt[i]:d.idAt[i+1]] {
			for _, pi := range rs.index[id] {
				p := &rs.patterns[pi]
				r := &rs.rules[p.rule]
				if r.langMask&mask == 0 {
					continue
				}
				end, ok := rs.matchFrom(d, p, i)
				if !ok {
					continue
				}
				if r.sentence && !d.inQuestion(i, end) {
					continue
				}
				if r.start && !rs.atStart(d, i) {
					continue
				}
				d.hits = append(d.hits, hit{rule: p.rule, start: int32(i), end: int32(end)})
			}
		}
	}
	for _, rr := range rs.regexes {
		if rs.rules[rr.rule].langMask&mask == 0 {
			continue
		}
		for _, m := range rr.re.FindAllIndex(d.buf, 4) {
			s, e := d.tokAt(int32(m[0]), int32(m[1]))
			if s >= 0 {
				d.hits = append(d.hits, hit{rule: rr.rule, start: s, end: e})
			}
		}
	}
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
// question mark.
func (d *doc) inQuestion(s, e int) bool {
	for j := e + 1; j < len(d.toks); j++ {
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
			return d.buf[t.ns] == '?' && t.os+1 == t.oe && d.text[t.os] != '?' // "¿" opens the question
		}
	}
	return false
}

// matchFrom matches p with its first element at token i; it returns the
// last token matched.
func (rs *ruleset) matchFrom(d *doc, p *pattern, i int) (int, bool) {
	pos := i
	for k := 1; k < len(p.elems); k++ {
		e := &p.elems[k]
		found := -1
		for j := pos + 1; j <= pos+1+e.gap && j < len(d.toks); j++ {
			if d.has(j, e.ids) {
				found = j
				break
			}
			if d.toks[j].flags&fSentEnd != 0 {
				break
			}
		}
		if found < 0 {
			return 0, false
		}
		pos = found
	}
	return pos, true
}
