package classifier

import (
	"bytes"
	"regexp/syntax"
	"slices"
)

// A regular expression rule runs over the whole folded text, and Go's
// regexp has no literal prefix to skip ahead with when a pattern starts
// with \b or a class, so an unguarded "re:" pattern costs more than every
// word pattern together. requiredLiterals finds, from the expression's
// syntax tree, a few strings of which every match must contain at least
// one; match runs the expression only when the text contains one of them
// (bytes.Contains, which is vectorised). The guard is exact: it skips a
// text only when the expression cannot match it.

// minGuardLen is the shortest literal worth guarding with: a one-byte
// guard ("a") is in nearly every text and saves nothing.
const minGuardLen = 2

// maxGuardAlts bounds the number of alternatives a guard may hold.
const maxGuardAlts = 16

// regexGuard returns the literals guarding expr, or nil when no useful
// guard exists (the expression then runs on every text).
func regexGuard(expr string) [][]byte {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	lits, ok := requiredLiterals(re.Simplify())
	if !ok || len(lits) == 0 || len(lits) > maxGuardAlts {
		return nil
	}
	out := make([][]byte, 0, len(lits))
	for _, l := range lits {
		if len(l) < minGuardLen {
			return nil
		}
		out = append(out, []byte(l))
	}
	return out
}

// requiredLiterals returns strings of which every match of re contains at
// least one, and false when it cannot say. Case-insensitive literals give
// no guard (the folded text is lower case, but the pattern may ask for
// either case).
func requiredLiterals(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture:
		return requiredLiterals(re.Sub[0])
	case syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false
		}
		return requiredLiterals(re.Sub[0])
	case syntax.OpAlternate:
		var all []string
		for _, s := range re.Sub {
			l, ok := requiredLiterals(s)
			if !ok {
				return nil, false
			}
			all = append(all, l...)
		}
		slices.Sort(all)
		return slices.Compact(all), true
	case syntax.OpConcat:
		// Adjacent literals join into one longer literal; of the parts
		// that give a guard, keep the one whose shortest string is longest.
		var best []string
		score := func(ls []string) int {
			m := -1
			for _, l := range ls {
				if m < 0 || len(l) < m {
					m = len(l)
				}
			}
			return m*4 - len(ls) // longer strings first, then fewer of them
		}
		consider := func(ls []string) {
			if len(ls) > 0 && (best == nil || score(ls) > score(best)) {
				best = ls
			}
		}
		var run []rune
		for _, s := range re.Sub {
			if s.Op == syntax.OpLiteral && s.Flags&syntax.FoldCase == 0 {
				run = append(run, s.Rune...)
				continue
			}
			if len(run) > 0 {
				consider([]string{string(run)})
				run = nil
			}
			if ls, ok := requiredLiterals(s); ok {
				consider(ls)
			}
		}
		if len(run) > 0 {
			consider([]string{string(run)})
		}
		return best, best != nil
	}
	return nil, false
}

// maxTokenGuards is how many expressions get a token guard bit (one bit
// of a uint64 each); later ones are guarded by bytes.Contains alone.
const maxTokenGuards = 64

// guardPiece returns the longest space-free run of a guard literal, and
// false when it has none. The folded text is the tokens' folded bytes,
// each followed by one space, so a run without spaces can only occur
// inside one token: when no token of a text contains the piece, the text
// cannot contain the literal. That lets lookup answer the guards from the
// token cache, once per distinct word, instead of scanning every text
// for every literal.
func guardPiece(lit []byte) ([]byte, bool) {
	var best []byte
	for _, p := range bytes.Split(lit, []byte{' '}) {
		if len(p) > len(best) {
			best = p
		}
	}
	return best, len(best) > 0
}

// compileTokenGuards fills rs.guardPieces and rs.guardAlways from the
// first maxTokenGuards expressions' guards.
func (rs *ruleset) compileTokenGuards() {
	rs.guardPieces = rs.guardPieces[:0]
	rs.guardAlways = 0
	for k, rr := range rs.regexes {
		if k >= maxTokenGuards {
			break
		}
		if rr.guard == nil {
			rs.guardAlways |= 1 << k
			continue
		}
		for _, l := range rr.guard {
			p, ok := guardPiece(l)
			if !ok {
				rs.guardAlways |= 1 << k
				continue
			}
			rs.guardPieces = append(rs.guardPieces, guardPieceOf{bit: 1 << k, piece: p})
		}
	}
	rs.urlGuard = rs.tokenGuard([]byte("<url>"))
}

// guardPieceOf is one guard piece and the bit of its expression.
type guardPieceOf struct {
	bit   uint64
	piece []byte
}

// tokenGuard returns the bits of the expressions one of whose guard
// pieces folded token w contains.
func (rs *ruleset) tokenGuard(w []byte) uint64 {
	var g uint64
	for _, p := range rs.guardPieces {
		if g&p.bit == 0 && len(w) >= len(p.piece) && bytes.Contains(w, p.piece) {
			g |= p.bit
		}
	}
	return g
}

// mayRun reports whether expression k of rs.regexes can match d.buf: its
// token guard bit (set by lookup from the tokens' pieces) and then its
// literals.
func (rs *ruleset) mayRun(d *doc, k int) bool {
	if k < maxTokenGuards && (d.guard|rs.guardAlways)&(1<<k) == 0 {
		return false
	}
	return guardPasses(rs.regexes[k].guard, d.buf)
}

// guardPasses reports whether text contains one of the guard's literals
// (always true for a nil guard).
func guardPasses(guard [][]byte, text []byte) bool {
	if guard == nil {
		return true
	}
	for _, l := range guard {
		if bytes.Contains(text, l) {
			return true
		}
	}
	return false
}
