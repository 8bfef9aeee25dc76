package classifier

import (
	"bytes"
	"math/bits"
	"regexp/syntax"
	"slices"
)

// A regular expression rule runs over the whole folded text, and Go's
// regexp has no literal prefix to skip ahead with when a pattern starts
// with \b or a class, so an unguarded "re:" pattern costs more than every
// word pattern together. regexGuard finds, from the expression's syntax
// tree, a sequence of steps, each a few strings, such that every match
// contains a string of the first step, then (after it) one of the second,
// and so on; match runs the expression only when the text holds such a
// sequence. The guard is exact: it skips a text only when the expression
// cannot match it. Two levels check it: lookup collects, from the token
// cache, which steps have a piece inside some token of the text (one OR
// per token, see tokenGuard), and only then are the literals searched in
// order (guardPasses).

// minGuardLen is the shortest literal worth guarding with: a one-byte
// guard ("a") is in nearly every text and saves nothing.
const minGuardLen = 2

// maxGuardAlts bounds the number of alternatives a step may hold.
const maxGuardAlts = 16

// guardStep is a set of literals of which a match holds one.
type guardStep [][]byte

// regexGuard returns the steps guarding expr, or nil when no useful guard
// exists (the expression then runs on every text).
func regexGuard(expr string) []guardStep {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	seq := requiredSeq(re.Simplify())
	if len(seq) == 0 {
		return nil
	}
	out := make([]guardStep, 0, len(seq))
	for _, st := range seq {
		g := make(guardStep, 0, len(st))
		for _, l := range st {
			g = append(g, []byte(l))
		}
		out = append(out, g)
	}
	return out
}

// usable reports whether a step can guard: a few literals, none too short.
func usable(st []string) bool {
	if len(st) == 0 || len(st) > maxGuardAlts {
		return false
	}
	for _, l := range st {
		if len(l) < minGuardLen {
			return false
		}
	}
	return true
}

// stepScore ranks steps: longer shortest strings first, then fewer of them.
func stepScore(st []string) int {
	m := -1
	for _, l := range st {
		if m < 0 || len(l) < m {
			m = len(l)
		}
	}
	return m*4 - len(st)
}

// requiredSeq returns steps, in text order, that every match of re holds:
// a string of the first step, then after its end a string of the second,
// and so on; steps that cannot be told are left out (an empty sequence
// requires nothing). Case-insensitive literals give no step (the folded
// text is lower case, but the pattern may ask for either case).
func requiredSeq(re *syntax.Regexp) [][]string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		if st := []string{string(re.Rune)}; usable(st) {
			return [][]string{st}
		}
		return nil
	case syntax.OpCapture, syntax.OpPlus:
		return requiredSeq(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil
		}
		return requiredSeq(re.Sub[0])
	case syntax.OpAlternate:
		// Every match is a match of one alternative: the union of one
		// step of each alternative is a step.
		var all []string
		for _, s := range re.Sub {
			var best []string
			for _, st := range requiredSeq(s) {
				if best == nil || stepScore(st) > stepScore(best) {
					best = st
				}
			}
			if best == nil {
				return nil
			}
			all = append(all, best...)
		}
		slices.Sort(all)
		all = slices.Compact(all)
		if !usable(all) {
			return nil
		}
		return [][]string{all}
	case syntax.OpConcat:
		// The parts match consecutive stretches of the text, so their
		// steps follow one another; adjacent literals join into one
		// longer literal.
		var seq [][]string
		var run []rune
		flush := func() {
			if st := []string{string(run)}; len(run) > 0 && usable(st) {
				seq = append(seq, st)
			}
			run = nil
		}
		for _, s := range re.Sub {
			if s.Op == syntax.OpLiteral && s.Flags&syntax.FoldCase == 0 {
				run = append(run, s.Rune...)
				continue
			}
			flush()
			seq = append(seq, requiredSeq(s)...)
		}
		flush()
		return seq
	}
	return nil
}

// guardPasses reports whether text holds the guard's steps in order
// (always true for a nil guard). Each step is searched from the earliest
// end of the previous step's literals, which is never after the end of
// the literal a match holds, so no matching text is skipped.
func guardPasses(guard []guardStep, text []byte) bool {
	from := 0
	for _, st := range guard {
		end := -1
		for _, l := range st {
			if i := bytes.Index(text[from:], l); i >= 0 && (end < 0 || from+i+len(l) < end) {
				end = from + i + len(l)
			}
		}
		if end < 0 {
			return false
		}
		from = end
	}
	return true
}

// maxTokenGuards is how many guard steps get a token bit (one bit of a
// uint64 each); steps without one are checked by guardPasses alone.
const maxTokenGuards = 64

// guardPiece returns the longest space-free run of a guard literal, and
// false when it has none. The folded text is the tokens' folded bytes,
// each followed by one space, so a run without spaces can only occur
// inside one token: when no token of a text contains a piece of any of a
// step's literals, the text cannot hold the step.
func guardPiece(lit []byte) ([]byte, bool) {
	var best []byte
	for _, p := range bytes.Split(lit, []byte{' '}) {
		if len(p) > len(best) {
			best = p
		}
	}
	return best, len(best) > 0
}

// guardPieceOf is one guard piece, the bit of its step, and the set of
// bytes it has (a word without one of them cannot contain it).
type guardPieceOf struct {
	bit   uint64
	piece []byte
	bytes [4]uint64
}

// compileTokenGuards gives guard steps token bits, first the best step of
// every expression (expression k < maxTokenGuards gets bit k, so match can
// pick the expressions to try from the text's bits), then the others
// while bits last, and fills rs.guardPieces, each expression's bits and
// languages, and rs.regexFirst and rs.regexNoBit.
func (rs *ruleset) compileTokenGuards() {
	rs.guardPieces = rs.guardPieces[:0]
	rs.regexFirst, rs.regexNoBit = 0, 0
	next := min(len(rs.regexes), maxTokenGuards)
	give := func(rr *regexRule, st guardStep, bit uint64) bool {
		if bit == 0 {
			if next >= maxTokenGuards {
				return false
			}
			bit = 1 << next
		}
		var pieces [][]byte
		for _, l := range st {
			p, ok := guardPiece(l)
			if !ok {
				return false // a literal of spaces: no piece says the step is absent
			}
			pieces = append(pieces, p)
		}
		if bit == 1<<next {
			next++
		}
		rr.bits |= bit
		for _, p := range pieces {
			gp := guardPieceOf{bit: bit, piece: p}
			for _, c := range p {
				gp.bytes[c>>6] |= 1 << (c & 63)
			}
			rs.guardPieces = append(rs.guardPieces, gp)
		}
		return true
	}
	best := func(g []guardStep) int {
		b := -1
		for i, st := range g {
			if b < 0 || guardStepScore(st) > guardStepScore(g[b]) {
				b = i
			}
		}
		return b
	}
	for k := range rs.regexes {
		rr := &rs.regexes[k]
		rr.bits = 0
		rr.lang = rs.rules[rr.rule].langMask
		if k >= maxTokenGuards {
			continue
		}
		if b := best(rr.guard); b >= 0 && give(rr, rr.guard[b], 1<<k) {
			rs.regexFirst |= 1 << k
		} else {
			rs.regexNoBit |= 1 << k
		}
	}
	for k := range rs.regexes {
		rr := &rs.regexes[k]
		b := best(rr.guard)
		if k >= maxTokenGuards {
			b = -1 // its best step has no bit of its own yet
		}
		for i, st := range rr.guard {
			if i != b {
				give(rr, st, 0)
			}
		}
	}
	rs.urlGuard = rs.tokenGuard([]byte("<url>"))
}

func guardStepScore(st guardStep) int {
	m := -1
	for _, l := range st {
		if m < 0 || len(l) < m {
			m = len(l)
		}
	}
	return m*4 - len(st)
}

// tokenGuard returns the bits of the guard steps a piece of which folded
// token w contains.
func (rs *ruleset) tokenGuard(w []byte) uint64 {
	var has [4]uint64 // the bytes of w
	for _, c := range w {
		has[c>>6] |= 1 << (c & 63)
	}
	var g uint64
	for i := range rs.guardPieces {
		p := &rs.guardPieces[i]
		if g&p.bit != 0 || len(w) < len(p.piece) ||
			p.bytes[0]&^has[0]|p.bytes[1]&^has[1]|p.bytes[2]&^has[2]|p.bytes[3]&^has[3] != 0 {
			continue
		}
		if bytes.Contains(w, p.piece) {
			g |= p.bit
		}
	}
	return g
}

// regexesToTry returns, as bits, the expressions among the first
// maxTokenGuards that may match d.buf: those whose best step has a piece
// in some token, and those without a token guard.
func (rs *ruleset) regexesToTry(d *doc) uint64 {
	return d.guard&rs.regexFirst | rs.regexNoBit
}

// mayRun reports whether expression k of rs.regexes can match d.buf in a
// text whose rule languages are mask: every guard step with a token bit
// has a piece in some token (set by lookup), then the steps' literals are
// found in order.
func (rs *ruleset) mayRun(d *doc, k int, mask uint8) bool {
	rr := &rs.regexes[k]
	return rr.lang&mask != 0 && d.guard&rr.bits == rr.bits && guardPasses(rr.guard, d.buf)
}

// guardBits counts the token bits in use (for tests).
func (rs *ruleset) guardBits() int {
	var all uint64
	for _, rr := range rs.regexes {
		all |= rr.bits
	}
	return bits.OnesCount64(all)
}
