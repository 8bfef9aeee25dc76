package classifier

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"
)

//go:generate go test -run ^TestBuiltinGenerated$ -update-builtin

// builtinNames are the built-in language files, in compilation order.
var builtinNames = [...]string{"rules/es.yaml", "rules/en.yaml"}

// builtinFile is a built-in language file decoded: what addLangFile
// compiles. builtin_gen.go holds the built-in files in this form,
// generated from the YAML (which stays the source people edit), so that
// start-up does not parse 350 kB of YAML; compile uses it only when the
// size and checksum of the embedded YAML are those it was generated from.
type builtinFile struct {
	name      string
	size      int
	crc       uint32 // crc32 (Castagnoli) of the YAML
	lang      string
	stopwords []string
	negators  []string
	notNeg    []string // not_negating: phrases that open with a negator that negates nothing
	contrast  []string
	persons   []string
	leadins   []string
	abbrev    [][2]string // sorted by key
	rules     []builtinRule
}

// builtinRule is a ruleSpec and the line it starts on, with the optional
// fields spelled as value and "set" flag.
type builtinRule struct {
	line                 int
	id, lang, class      string
	severity, explain    string
	signal, when         string
	weight, damp         float64
	hasWeight            bool
	hasNegatable, negate bool // negatable given; its value
	question, ceo, start bool
	end                  bool // end
	yields               bool // yields_to_minor
	leaves               bool // leaves_for_brand
	relief               bool // relief
	advice               bool // advice
	kin                  bool // kin
	covers               bool // covers
	served               bool // served
	person               bool // person
	also                 []string
	patterns             []string
}

// spec returns the rule as addRule takes it; its pointers point into r.
func (r *builtinRule) spec() ruleSpec {
	s := ruleSpec{ID: r.id, Lang: r.lang, Class: r.class, Severity: r.severity, Explain: r.explain, Patterns: r.patterns,
		Damp: r.damp, Signal: r.signal, Question: r.question, CEO: r.ceo, Start: r.start, End: r.end, When: r.when, YieldsToMinor: r.yields, LeavesForBrand: r.leaves, Relief: r.relief, Covers: r.covers, Served: r.served, Person: r.person, Advice: r.advice, Kin: r.kin, Also: r.also}
	if r.hasWeight {
		s.Weight = &r.weight
	}
	if r.hasNegatable {
		s.Negatable = &r.negate
	}
	return s
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// generatedFor returns the generated form of built-in file name when it
// was generated from the bytes r reads, else nil. It streams r, so
// start-up does not copy the YAML to check it.
func generatedFor(name string, r io.Reader) *builtinFile {
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, r)
	if err != nil {
		return nil
	}
	for i := range builtinGenerated {
		if f := &builtinGenerated[i]; f.name == name && int64(f.size) == n && f.crc == h.Sum32() {
			return f
		}
	}
	return nil
}

// parseLangFile decodes a built-in YAML language file. A rule that does
// not decode is left out and reported in the error, which joins every
// such error; the file is nil only when it does not decode at all.
func parseLangFile(name string, data []byte) (*builtinFile, error) {
	var f langFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, &RuleError{File: name, Err: err}
	}
	out := &builtinFile{name: name, size: len(data), crc: crc32.Checksum(data, castagnoli), lang: f.Lang,
		stopwords: f.Stopwords, negators: f.Negators, notNeg: f.NotNegating, contrast: f.Contrast, persons: f.Persons, leadins: f.Leadins}
	for k, v := range f.Abbreviations {
		out.abbrev = append(out.abbrev, [2]string{k, v})
	}
	slices.SortFunc(out.abbrev, func(a, b [2]string) int { return cmpString(a[0], b[0]) })
	var errs []error
	for i := range f.Rules {
		n := &f.Rules[i]
		s, id, err := decodeRule(n)
		if err != nil {
			errs = append(errs, &RuleError{File: name, Line: n.Line, Rule: id, Err: err})
			continue
		}
		r := builtinRule{line: n.Line, id: s.ID, lang: s.Lang, class: s.Class, severity: s.Severity, explain: s.Explain,
			signal: s.Signal, when: s.When, damp: s.Damp, question: s.Question, ceo: s.CEO, start: s.Start, end: s.End, yields: s.YieldsToMinor, leaves: s.LeavesForBrand, relief: s.Relief, covers: s.Covers, served: s.Served, person: s.Person, advice: s.Advice, kin: s.Kin, also: s.Also, patterns: s.Patterns}
		if s.Weight != nil {
			r.weight, r.hasWeight = *s.Weight, true
		}
		if s.Negatable != nil {
			r.negate, r.hasNegatable = *s.Negatable, true
		}
		out.rules = append(out.rules, r)
	}
	return out, errors.Join(errs...)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// addBuiltin compiles a decoded built-in language file.
func (b *builder) addBuiltin(f *builtinFile) error {
	l := -1
	for i, n := range langNames {
		if n == f.lang {
			l = i
		}
	}
	if l < 0 {
		return &RuleError{File: f.name, Err: fmt.Errorf("lang %q: want es or en", f.lang)}
	}
	ld := &b.rs.langs[l]
	ld.stop = make(map[string]bool, len(f.stopwords))
	for _, w := range f.stopwords {
		ld.stop[FoldWord(w)] = true
		b.stops = append(b.stops, struct {
			id   int32
			mask uint8
		}{b.wordID(FoldWord(w)), 1 << l})
	}
	ld.abbrev = make(map[string][]string, len(f.abbrev))
	for _, kv := range f.abbrev {
		k := FoldWord(kv[0])
		ld.abbrev[k] = b.foldTokens(kv[1])
		b.abbrF.add(k)
	}
	mark := func(words []string, what int) {
		for _, w := range words {
			for _, t := range b.foldTokens(w) {
				b.items = append(b.items, struct {
					negator, contrast, person, leadin uint8
					id                                int32
				}{id: b.wordID(t), negator: b2u(what == 0) << l, contrast: b2u(what == 1) << l, person: b2u(what == 2) << l,
					leadin: b2u(what == 3) << l})
			}
		}
	}
	var errs []error
	mark(f.negators, 0)
	for _, p := range f.notNeg {
		ws := b.foldTokens(p)
		if len(ws) < 2 || !slices.ContainsFunc(f.negators, func(n string) bool { return FoldWord(n) == ws[0] }) {
			errs = append(errs, &RuleError{File: f.name, Rule: "not_negating", Err: fmt.Errorf("%q: want a negator and the words after it", p)})
			continue
		}
		ph := notNegPhrase{neg: b.wordID(ws[0]), lang: l}
		for _, w := range ws[1:] {
			ph.next = append(ph.next, b.wordID(w))
		}
		b.rs.notNeg = append(b.rs.notNeg, ph)
	}
	mark(f.contrast, 1)
	mark(f.persons, 2)
	mark(f.leadins, 3)
	for i := range f.rules {
		r := &f.rules[i]
		if d := b.isDisabled(r.id); d != nil {
			if r.signal != "" {
				errs = append(errs, &RuleError{File: b.custom, Line: d.line, Rule: "disable",
					Err: fmt.Errorf("%q is a signal rule other rules rely on: it cannot be disabled", r.id)})
			}
			continue
		}
		if err := b.addRule(f.name, r.line, f.lang, r.spec()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// wordFilter answers "could w be one of these words" from its length and
// first and last bytes, without hashing it: no false negatives.
type wordFilter [2][32]uint64

func (f *wordFilter) add(w string) {
	if w != "" {
		f[0][len(w)&31] |= 1 << (w[0] & 63)
		f[1][len(w)&31] |= 1 << (w[len(w)-1] & 63)
	}
}

func (f *wordFilter) may(w string) bool {
	return w != "" && f[0][len(w)&31]&(1<<(w[0]&63)) != 0 && f[1][len(w)&31]&(1<<(w[len(w)-1]&63)) != 0
}
