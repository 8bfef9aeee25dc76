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
