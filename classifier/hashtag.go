package classifier

import "slices"

// Hashtags written as one lowercase run ("#worstserviceever",
// "#pesimoservicio", "#wantmymoneyback") carry no capitals or underscores
// for the tokenizer to split on. splitHashtags reads them as the words the
// rules know, when the whole tag can be read that way and the tag itself is
// not one of those words.

const (
	minSplitTag = 7  // shorter tags ("#fail", "#sorry") stay whole
	maxSplitTag = 40 // longer runs are not worth the search
	maxTagWord  = 16 // the longest part tried
)

// splitHashtags replaces each such hashtag token with one token per word,
// the words' original spans inside the tag. Only ASCII tags whose folded
// form is as long as the original are split, so the spans stay exact; a
// tag with no reading in the rules' words (a brand, a place name) stays
// one token.
func (rs *ruleset) splitHashtags(d *doc) {
	for i := 0; i < len(d.toks); i++ {
		t := d.toks[i]
		if t.flags&fHashtag == 0 || t.kind != kWord {
			continue
		}
		n := int(t.ne - t.ns)
		if n < minSplitTag || n > maxSplitTag || int(t.oe-t.os) != n {
			continue
		}
		w := d.buf[t.ns:t.ne]
		if !asciiLowerLetters(w) {
			continue
		}
		if _, ok := rs.vocab[string(w)]; ok {
			continue
		}
		var cutBuf [maxSplitTag]int32
		cuts := rs.segmentTag(w, cutBuf[:0])
		if len(cuts) == 0 {
			continue
		}
		// Token i becomes the first part; the others follow it. Each part's
		// folded form is copied to the end of buf with the space every
		// token's form ends with.
		var partBuf [maxSplitTag]token
		parts := partBuf[:0] // at most one part a byte: no allocation
		prev := int32(0)
		for k := 0; k <= len(cuts); k++ {
			end := int32(n)
			if k < len(cuts) {
				end = cuts[k]
			}
			ns := int32(len(d.buf))
			d.buf = append(d.buf, w[prev:end]...)
			// w may have moved with buf: it is read again below.
			w = d.buf[t.ns:t.ne]
			parts = append(parts, token{ns: ns, ne: int32(len(d.buf)), os: t.os + prev, oe: t.os + end, kind: kWord, flags: t.flags, ent: -1})
			d.buf = append(d.buf, ' ')
			prev = end
		}
		d.toks[i] = parts[0]
		d.toks = slices.Insert(d.toks, i+1, parts[1:]...)
		d.words += len(parts) - 1
		i += len(parts) - 1
	}
}

// segmentTag returns the cut points that read w as the fewest words of the
// rules' vocabulary (at least two), appended to cuts, or nothing when w
// has no such reading. One-letter words count only for "i", "a", "y" and
// "o"; a reading in two words needs one of them to be a stop word.
func (rs *ruleset) segmentTag(w []byte, cuts []int32) []int32 {
	n := len(w)
	var best [maxSplitTag + 1]int8 // fewest words for w[:k]; 0 = no reading
	var from [maxSplitTag + 1]int8
	for k := 1; k <= n; k++ {
		for j := max(0, k-maxTagWord); j < k; j++ {
			if j > 0 && best[j] == 0 {
				continue
			}
			part := w[j:k]
			if len(part) == 1 && part[0] != 'i' && part[0] != 'a' && part[0] != 'y' && part[0] != 'o' {
				continue
			}
			if _, ok := rs.vocab[string(part)]; !ok {
				continue
			}
			if c := best[j] + 1; best[k] == 0 || c < best[k] {
				best[k], from[k] = c, int8(j)
			}
		}
	}
	if best[n] < 2 {
		return cuts
	}
	// Two content words side by side are too often one word the rules
	// do not know ("#firesale", "#crashcourse", "#deadline"): a reading in
	// two parts needs a stop word among them ("#neveragain", "#ihateyou").
	if best[n] == 2 && !rs.stopWord(w[:from[n]]) && !rs.stopWord(w[from[n]:]) {
		return cuts
	}
	for k := n; k > 0; k = int(from[k]) {
		if from[k] > 0 {
			cuts = append(cuts, int32(from[k]))
		}
	}
	slices.Reverse(cuts)
	return cuts
}

// stopWord reports whether w is a stop word of either language.
func (rs *ruleset) stopWord(w []byte) bool {
	id, ok := rs.vocab[string(w)]
	return ok && rs.stopMask[id] != 0
}

// asciiLowerLetters reports whether w is only the letters a to z.
func asciiLowerLetters(w []byte) bool {
	for _, c := range w {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
