package classifier

import (
	"bytes"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	escucha "github.com/escucha/escucha"
)

//go:embed rules/*.yaml
var builtinFS embed.FS

// Rule classes: what a rule's weight counts towards.
type ruleClass uint8

const (
	clsComplaint  ruleClass = iota // evidence of a grievance
	clsSuggestion                  // evidence of a proposal
	clsOther                       // evidence of neither (news, info question, retraction)
	clsPraise                      // praise: "other" unless irony turns it over
	clsSarcasm                     // irony marker: counts as complaint, discounts praise
	clsSeverity                    // only sets severity
	clsSignal                      // computed by the engine (emphasis, contrast, negation…)
	clsEntity                      // brand, CEO or competitor names from config
	clsCue                         // a word common in complaints: counts only when nothing else flags the post
)

var classNames = map[string]ruleClass{
	"complaint": clsComplaint, "suggestion": clsSuggestion, "other": clsOther, "praise": clsPraise,
	"sarcasm": clsSarcasm, "severity": clsSeverity, "signal": clsSignal, "cue": clsCue,
}

// Entity kinds of clsEntity rules.
const (
	entBrand uint8 = iota + 1
	entCEO
	entCompetitor
)

// Language bits.
const (
	langES = 0
	langEN = 1
	maskES = 1 << langES
	maskEN = 1 << langEN
	maskAny
)

var langNames = [2]string{"es", "en"}

// rule is one compiled rule.
type rule struct {
	// What decide reads for every hit, first, in one cache line.
	class     ruleClass
	sevRank   int8 // severity.Rank(), kept so decide compares numbers
	minor     bool // severity "low": the author calls it minor
	yields    bool // its severity gives way to a "minor" marker (yields_to_minor)
	leaves    bool // tells of leaving someone for the brand (leaves_for_brand), or relief
	relief    bool // a relief marker: the brand may come later in the sentence (relief)
	covers    bool // its hit cancels the other side's hits inside its span (covers)
	served    bool // names the people who served (served)
	kin       bool // names the author's family or friends (kin)
	langMask  uint8
	negatable bool
	entity    uint8
	ceo       bool  // firing means the post names the CEO
	when      uint8 // whenAlways, whenGrievance, whenNoOwnGrievance, whenAlone or whenCEOGrievance
	weight    float64
	damp      float64 // 0 = none; else multiplies complaint and suggestion scores
	severity  escucha.Severity
	sentence  bool // matches only in a sentence with a question mark
	start     bool // matches only at the start of a clause (imperatives)
	end       bool // matches only when nothing but punctuation, emoji, handles, hashtags and links follow it
	person    bool // its match tells its sentence in the first person (person)
	id        string
	quoted    string // id as a JSON string, for the classify output
	explain   string
	signal    string
	// also: the rule counts only when the text also holds one of these
	// ids anywhere (rule key also: "<cur>", euros).
	also []int32
}

// rankHigh is escucha.SeverityHigh.Rank().
var rankHigh = int8(escucha.SeverityHigh.Rank())

// Conditions a rule may put on the rest of the post ("when" in a rules file).
const (
	whenAlways         uint8 = iota
	whenGrievance            // counts only when a complaint rule also counts ("love how…" + a failure)
	whenNoOwnGrievance       // counts only when no complaint sits in a first- or second-person sentence (news)
	whenAlone                // weak cue: counts only when no other rule counted toward any label
	whenCEOGrievance         // counts only when a complaint rule counts and the post addresses the CEO by @handle
)

// elem is one position of a pattern: the token must carry one of ids;
// up to gap other tokens may come before it.
type elem struct {
	ids []int32
	gap int
}

type pattern struct {
	rule  int32
	elems []elem
}

// cand is one pattern as match walks it: found through its first
// element's ids (ruleset.ids), then the elements mel[el0:el1]. need is
// the presence key of its second element (-1 if it has one element), so
// most candidates are rejected without leaving this struct.
type cand struct {
	rule     int32
	need     int32
	el0, el1 int32
	sentence bool
	start    bool
	end      bool
	person   bool // a hit makes the post personal and its sentence first person
	entity   bool // a brand, CEO or competitor name
	also     bool // its rule has also words (see ruleset.held)
}

// melem is a pattern element after the first: one id (one >= 0) or the
// alternatives mids[ids0:ids1], up to gap tokens before it. key is its
// presence key: the id itself, or setBase + the number of its set of
// alternatives.
type melem struct {
	one        int32
	key        int32
	ids0, ids1 int32
	gap        int32
	// bloom has bit id%64 of each alternative: an id without its bit is
	// none of them.
	bloom uint64
}

// idInfo is what match needs per id, packed so one cache line serves:
// its candidates cands[cand0:cand1] and the bits of the alternative sets
// it belongs to, setMasks[mask0:mask1].
type idInfo struct {
	cand0, cand1 int32
	mask0, mask1 int32
	// The candidates are grouped by language, each group in pattern
	// order: Spanish-only [cand0, candB), both [candB, candE), English-only
	// [candE, cand1); a text in one language walks two groups.
	candB, candE int32
}

type regexRule struct {
	rule int32
	re   *regexp.Regexp
	// guard holds the steps of literals every match holds in order (see
	// regexGuard); nil runs the expression on every text.
	guard []guardStep
	// bits are the token bits of its guard steps (see
	// compileTokenGuards); lang is its rule's language mask.
	bits uint64
	lang uint8
}

// langData is what one language adds to the normaliser and the engine.
type langData struct {
	stop    map[string]bool
	abbrev  map[string][]string // folded token -> folded replacement tokens
	signals map[string]int32    // signal name -> rule index
	sig     [nSignals]int32     // the engine's signals' rule indexes, by sig* constant
}

// The signals the engine computes, which every language file defines.
const (
	sigEmphasis = iota
	sigContrast
	sigNegation
	sigCompetitor
	sigCEO
	sigImpersonal
	sigQuote
	sigEcho
	sigTimes
	sigLabels
	sigLeaves
	sigLines
	nSignals
)

var signalNames = [nSignals]string{"emphasis", "contrast", "negation", "competitor", "ceo", "impersonal", "quote", "echo", "times", "labels", "leaves", "lines"}

// ruleset is an immutable compiled set of rules; Reload swaps it whole.
type ruleset struct {
	vocab     map[string]int32
	prefix    map[string]int32
	minPre    int
	maxPre    int
	preLens   map[uint16]uint64 // first two bytes -> bit set of prefix lengths
	stopMask  []uint8           // by vocabulary id: stop word of es (1) / en (2)
	nIDs      int32
	rules     []rule
	hasLeaves bool // a rule has leaves_for_brand
	hasKin    bool // a rule has kin
	hasCues   bool // a rule is a cue
	patterns  []pattern
	cands     []cand   // by first-element id, in pattern order
	needs     []int32  // the presence key of cands[i]'s rarest later element (keyTrue if none), apart so match scans them densely
	needs2    []int32  // the presence key of its second rarest (keyTrue if none), checked when needs[i] holds
	ids       []idInfo // by id
	mel       []melem  // elements after the first, of all candidates
	mids      []int32  // alternatives of elements with several
	// Presence keys (see melem.key) are bits of doc.keys: ids, then from
	// setBase (a multiple of 64) the alternative sets (elements with
	// several ids, one set per distinct choice of ids), numbered so that
	// the sets of words in many sets sit together (an id marks its sets
	// with a few masks, see idInfo), then keyTrue, always present.
	setBase   int32
	keyTrue   int32
	nKeyWords int
	setMasks  []setMask
	regexes   []regexRule
	// Token guards of the expressions (see compileTokenGuards): the
	// pieces tokens are checked for and the bits of the "<url>" token.
	guardPieces []guardPieceOf
	urlGuard    uint64
	// regexFirst has bit k when expression k's best guard step has token
	// bit k; regexNoBit has bit k when expression k has no token guard.
	regexFirst, regexNoBit uint64
	langs                  [2]langData
	negator                []uint8 // by id: language mask of negators
	contrast               []uint8 // by id: language mask of contrast words
	person                 []uint8 // by id: first or second person words
	leadin                 []uint8 // by id: words that may come before a clause-initial pattern
	idBits                 []uint8 // by id: the four above as one byte (bNeg, bCon, bPerson, bLeadin)
	// notNeg are the idioms that open with a negator and negate nothing
	// ("no doubt", "without a doubt", "sin duda"): see notNegating.
	notNeg []notNegPhrase
	// nameIDs are the vocabulary ids of the brand's one-word names: such
	// a word also carries <handle>, so "bye <handle>", "could <handle>
	// add…" read "bye Acme" as "bye @acme". Not a competitor's: rules
	// such as "switching to <handle>" take the account for the brand.
	nameIDs map[int32]bool
	hasEnt  bool
	// whyID is the vocabulary id of the Spanish "porque" (-1 if none),
	// read as "por qué" when it opens a question (splitWhy).
	whyID int32
}

// Special ids of token kinds.
const (
	idNum int32 = iota
	idTime
	idCur
	idURL
	idHandle
	idEmoji
	idCaps
	nSpecial
)

var specialNames = map[string]int32{
	"<num>": idNum, "<time>": idTime, "<cur>": idCur, "<url>": idURL, "<handle>": idHandle,
	"<emoji>": idEmoji, "<caps>": idCaps,
}

// RuleError is a problem in a rules file, named by file, line and rule.
type RuleError struct {
	File string
	Line int
	Rule string
	Err  error
}

func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Rule != "" {
		b.WriteString(": rule ")
		b.WriteString(strconv.Quote(e.Rule))
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *RuleError) Unwrap() error { return e.Err }

// ruleSpec is one rule as written in a rules file.
type ruleSpec struct {
	ID        string   `yaml:"id"`
	Lang      string   `yaml:"lang"`
	Class     string   `yaml:"class"`
	Weight    *float64 `yaml:"weight"`
	Severity  string   `yaml:"severity"`
	Explain   string   `yaml:"explain"`
	Patterns  []string `yaml:"patterns"`
	Negatable *bool    `yaml:"negatable"`
	Damp      float64  `yaml:"damp"`
	Signal    string   `yaml:"signal"`
	Question  bool     `yaml:"question"`
	CEO       bool     `yaml:"ceo"`
	Start     bool     `yaml:"start"`
	// End: the rule matches only when nothing but punctuation, emoji,
	// handles, hashtags and links follow its match to the end of the post
	// (a dry verdict closing the post: "… Bravo", "Un lujo"). Word
	// patterns only: an expression anchors itself with $.
	End  bool   `yaml:"end"`
	When string `yaml:"when"`
	// YieldsToMinor: the rule's severity gives way when the author calls
	// the matter minor ("minor, but still… every day" is low).
	YieldsToMinor bool `yaml:"yields_to_minor"`
	// LeavesForBrand: the rule tells of leaving someone for the brand
	// ("switching to", "booked… instead", "me paso a"); when the brand's
	// first mention comes in or right after its match, the grievances told
	// before it are the one left behind's, as with a named competitor.
	LeavesForBrand bool `yaml:"leaves_for_brand"`
	// Relief: the rule is a relief marker ("at least", "menos mal que");
	// when the brand's first mention comes after its match in the same
	// sentence, the grievances told before it are someone else's and the
	// brand is the relief ("trains cancelled again. At least my Acme
	// parcel came on time").
	Relief bool `yaml:"relief"`
	// Covers: the hits of the other side lying wholly inside the rule's
	// match are its own words and do not count. An other or praise rule
	// that denies a problem in words naming it ("nunca he tenido un
	// problema", "never had a single issue") covers the complaint,
	// severity, irony and proposal hits inside it ("keep up the great
	// work" is no "Keep the…" proposal); a complaint rule that turns such
	// words around ("nunca he tenido un problema… hasta hoy") covers the
	// other and praise hits inside it. Only for complaint, other and
	// praise rules.
	Covers bool `yaml:"covers"`
	// Served: the rule names the people who served the author ("the
	// staff", "los instaladores", "la chica de la caja"). Praise in the
	// same sentence as such a hit, followed later by a contrast word
	// ("…were lovely. But the parcel…"), makes what follows the grievance
	// the post is about — the label rules' "the staff were lovely but…" —
	// even when no pattern recognises it. Give such rules weight 0.
	Served bool `yaml:"served"`
	// Person: the rule's match tells its sentence in the first person
	// though no person word is in it — English drops the subject of a
	// sentence-opening verb ("Paid €18 for…", "Ordered on the 3rd…") as
	// Spanish drops it everywhere. A hit makes the post personal (not
	// damped as commentary) and its sentence the author's own. Give such
	// rules weight 0.
	Person bool `yaml:"person"`
	// Advice: the suggestion rule tells advice to other customers ("ask
	// for a room at the back", "I'd recommend the late checkout"), which
	// the label rules do not count as a proposal to the brand. Under
	// classifier.suggestions "brand" (the default) it counts with its
	// weight as written, and a weight of 0 leaves it out; under "any" its
	// weight is at least adviceWeight, so it makes a suggestion alone.
	// On an other rule it marks a post framed as such advice ("Tip for
	// new owners:", "PSA for anyone…"): it counts under "brand" and is
	// left out under "any".
	Advice bool `yaml:"advice"`
	// Kin: the rule names the author's family or friends ("my dad", "mi
	// abuela", "mi roomie"). A short quotation after such a hit in the same
	// sentence is their words, not the brand's thrown back at it ("mi
	// abuela le dice 'la Voltena' a la luz"), so it is no grievance
	// evidence. Only for other rules; give them weight 0.
	Kin bool `yaml:"kin"`
	// Also: the rule counts only when the text also holds one of these
	// words or token classes anywhere, in any sentence: a weight-0
	// severity rule of loss words ("charged", "refund") with also: [<cur>]
	// reads a complaint that names an amount and a loss as money lost.
	Also []string `yaml:"also"`
}

var ruleKeys = []string{"id", "lang", "class", "weight", "severity", "explain", "patterns", "negatable", "damp", "signal", "question", "ceo", "start", "end", "when", "yields_to_minor", "leaves_for_brand", "relief", "covers", "served", "person", "advice", "kin", "also"}

// langFile is a built-in language file (rules/es.yaml, rules/en.yaml).
type langFile struct {
	Lang          string            `yaml:"lang"`
	Stopwords     []string          `yaml:"stopwords"`
	Negators      []string          `yaml:"negators"`
	NotNegating   []string          `yaml:"not_negating"`
	Contrast      []string          `yaml:"contrast"`
	Persons       []string          `yaml:"persons"`
	Leadins       []string          `yaml:"leadins"`
	Abbreviations map[string]string `yaml:"abbreviations"`
	Rules         []yaml.Node       `yaml:"rules"`
}

// customFile is a company's own rules file.
type customFile struct {
	Brand struct {
		Names   []string `yaml:"names"`
		Handles []string `yaml:"handles"`
	} `yaml:"brand"`
	Products    []string `yaml:"products"`
	Competitors []string `yaml:"competitors"`
	CEO         struct {
		Names   []string `yaml:"names"`
		Handles []string `yaml:"handles"`
	} `yaml:"ceo"`
	Keywords map[string][]string `yaml:"keywords"`
	Rules    []yaml.Node         `yaml:"rules"`
	// Disable lists built-in rules the company switches off: rule ids, or
	// an id prefix ending in "*" ("en.cue.*").
	Disable []yaml.Node `yaml:"disable"`
}

// disabled is one entry of a company file's disable list.
type disabled struct {
	id     string // the id, or the prefix when prefix is set
	prefix bool
	line   int
	used   bool // it matched a built-in rule
}

// builder collects rules and compiles them into a ruleset.
type builder struct {
	rs    *ruleset
	ids   map[string]bool
	scr   doc
	stops []struct {
		id   int32
		mask uint8
	}
	items []struct {
		negator, contrast, person, leadin uint8
		id                                int32
	}
	names []int32 // vocabulary ids of the brand's one-word names (ruleset.nameIDs)
	// nonLetter are the vocabulary ids of words that do not start with a
	// letter (punctuation, numbers, emoji): see elemOften.
	nonLetter []int32
	yamlOnly  bool // read built-in files from YAML even when generated (tests)
	// anyAdvice: advice to other customers makes a suggestion
	// (classifier.suggestions: any; see ruleSpec.Advice).
	anyAdvice bool
	disabled  []disabled          // built-in rules the company file switches off
	custom    string              // the company file's path, for errors
	folded    map[string][]string // foldTokens' answers (callers never change them)
	// Scratch of checkPattern, reused from pattern to pattern.
	abbrF    wordFilter // the abbreviations of both languages
	partsBuf []string
	// Scratch and blocks of parsePattern's elements and their ids.
	idBuf, idChunk     []int32
	elemBuf, elemChunk []elem
	altsBuf            []string
	splitBuf           [][]string
	// foldBuf[k] is fold1 of altsBuf[k] when checkPattern computed it.
	foldBuf []folded1
}

// folded1 is one answer of fold1, or none yet (done false).
type folded1 struct {
	w        string
	ok, done bool
}

func newBuilder() *builder {
	return &builder{
		rs:  &ruleset{vocab: make(map[string]int32, 1<<14), prefix: map[string]int32{}, minPre: 1 << 30, nIDs: nSpecial},
		ids: map[string]bool{},
	}
}

// foldTokens tokenizes s the way posts are tokenized and returns the
// folded tokens.
func (b *builder) foldTokens(s string) []string {
	if toks, ok := b.folded[s]; ok {
		return toks
	}
	if b.folded == nil {
		b.folded = make(map[string][]string, 1<<10)
	}
	var toks []string
	if plainWord(s) {
		toks = []string{s} // what foldTokensOnce gives, without tokenizing
	} else {
		toks = b.foldTokensOnce(s)
	}
	b.folded[s] = toks
	return toks
}

// plainWord reports whether the tokenizer keeps s as one word token
// unchanged: lower-case ASCII letters, no run of three equal letters
// (collapsed), nothing laughter folds ("xd", "jaja…", "haha…").
func plainWord(s string) bool {
	if s == "" || len(s) == 2 && s[0] == 'x' || len(s) >= 4 && (s[0] == 'j' || s[0] == 'h') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' || i >= 2 && c == s[i-1] && c == s[i-2] {
			return false
		}
	}
	return true
}

// fold1 returns the one token s folds to, or false when it folds to none
// or several.
func (b *builder) fold1(s string) (string, bool) {
	if plainWord(s) {
		return s, true
	}
	if toks := b.foldTokens(s); len(toks) == 1 {
		return toks[0], true
	}
	return "", false
}

func (b *builder) foldTokensOnce(s string) []string {
	b.scr.reset(s)
	b.scr.tokenize()
	out := make([]string, 0, len(b.scr.toks))
	for i := range b.scr.toks {
		out = append(out, string(b.scr.norm(i)))
	}
	return out
}

func (b *builder) wordID(w string) int32 {
	id, added := b.idIn(b.rs.vocab, w)
	if added && (w == "" || w[0] < 'a' || w[0] > 'z') {
		b.nonLetter = append(b.nonLetter, id)
	}
	return id
}

// idIn returns key's id in m, numbering it when it is new (added is true).
func (b *builder) idIn(m map[string]int32, key string) (id int32, added bool) {
	if id, ok := m[key]; ok {
		return id, false
	}
	id = b.rs.nIDs
	b.rs.nIDs++
	m[key] = id
	return id, true
}

func (b *builder) prefixID(p string) int32 {
	id, isNew := b.idIn(b.rs.prefix, p)
	if !isNew {
		return id
	}
	b.rs.minPre = min(b.rs.minPre, len(p))
	if b.rs.preLens == nil {
		b.rs.preLens = map[uint16]uint64{}
	}
	if len(p) < 64 {
		b.rs.preLens[uint16(p[0])<<8|uint16(p[1])] |= 1 << len(p)
	}
	b.rs.maxPre = max(b.rs.maxPre, len(p))
	return id
}

// parsePattern compiles one pattern of rule ri.
func (b *builder) parsePattern(ri int32, src string) error {
	src = strings.TrimSpace(src)
	if src == "" {
		return errors.New("empty pattern")
	}
	if rest, ok := strings.CutPrefix(src, "re:"); ok {
		re, err := regexp.Compile(strings.TrimSpace(rest))
		if err != nil {
			return fmt.Errorf("pattern %q: %w", src, err)
		}
		b.rs.regexes = append(b.rs.regexes, regexRule{rule: ri, re: re, guard: regexGuard(strings.TrimSpace(rest))})
		return nil
	}
	parts, split, err := b.checkPattern(ri, src)
	if err != nil {
		return err
	}
	var p pattern
	p.rule = ri
	p.elems = b.elemBuf[:0]
	gap := 0
	k := 0 // the index in b.foldBuf of part pi's first alternative
	for pi, part := range parts {
		k0 := k
		k += len(split[pi])
		if part == "..." {
			gap = 3
			continue
		}
		if n, ok := strings.CutPrefix(part, ".."); ok && n != "" {
			g, err := strconv.Atoi(n)
			if err != nil || g < 0 || g > 20 {
				return fmt.Errorf("pattern %q: gap %q is not ..N with N from 0 to 20", src, part)
			}
			gap = g
			continue
		}
		if len(p.elems) == 0 && gap > 0 {
			return fmt.Errorf("pattern %q: cannot start with a gap", src)
		}
		var e elem
		e.gap = gap
		e.ids = b.idBuf[:0]
		gap = 0
		for ai, alt := range split[pi] {
			if alt == "" {
				return fmt.Errorf("pattern %q: empty alternative in %q", src, part)
			}
			if alt[0] == '<' { // a token class
				if id, ok := specialNames[alt]; ok {
					e.ids = append(e.ids, id)
					continue
				}
				if strings.HasSuffix(alt, ">") && len(alt) > 2 {
					return fmt.Errorf("pattern %q: unknown token class %s", src, alt)
				}
			}
			if pre, ok := strings.CutSuffix(alt, "*"); ok && pre != "" {
				toks := b.foldTokens(pre)
				if len(toks) != 1 || len(toks[0]) < 2 {
					return fmt.Errorf("pattern %q: prefix %q must be one word of 2 or more letters", src, alt)
				}
				e.ids = append(e.ids, b.prefixID(toks[0]))
				continue
			}
			f := b.foldBuf[k0+ai]
			if !f.done {
				f.w, f.ok = b.fold1(alt)
			}
			w := f.w
			if !f.ok {
				return fmt.Errorf("pattern %q: %q is not one word (write words apart, with | only between alternatives)", src, alt)
			}
			e.ids = append(e.ids, b.wordID(w))
			for _, w := range b.rewrites(ri, w) {
				e.ids = append(e.ids, b.wordID(w))
			}
		}
		if len(e.ids) > 1 {
			slices.Sort(e.ids)
		}
		b.idBuf = e.ids
		e.ids = keep(&b.idChunk, slices.Compact(e.ids))
		p.elems = append(p.elems, e)
	}
	b.elemBuf = p.elems
	p.elems = keep(&b.elemChunk, p.elems)
	if len(p.elems) == 0 {
		return fmt.Errorf("pattern %q: no words", src)
	}
	if gap > 0 {
		return fmt.Errorf("pattern %q: cannot end with a gap", src)
	}
	b.rs.patterns = append(b.rs.patterns, p)
	return nil
}

// keep copies s into *chunk, a block that many small slices share (one
// allocation per block instead of one per slice), and returns the copy,
// capped so that appending to it does not touch its neighbours.
func keep[T any](chunk *[]T, s []T) []T {
	if cap(*chunk)-len(*chunk) < len(s) {
		*chunk = make([]T, 0, max(1024, len(s)))
	}
	n := len(*chunk)
	*chunk = append(*chunk, s...)
	return (*chunk)[n:len(*chunk):len(*chunk)]
}

// checkPattern rejects constructs of a word pattern that parse but can
// never match as written: a choice whose options are phrases ("need
// to|have to" reads as need, to|have, to), the bare gap "..", and words
// the normaliser rewrites into several words before matching ("pls" ->
// "por favor"); a word rewritten into one word ("fibra" -> "internet")
// is matched by what it becomes (see rewrites).
// It returns the pattern's parts (strings.Fields) and each part split at
// "|", in the builder's scratch (valid until the next call), and leaves
// in b.foldBuf, in the order of the alternatives, the fold1 answers it
// computed, for parsePattern.
func (b *builder) checkPattern(ri int32, src string) ([]string, [][]string, error) {
	parts, split := b.splitPattern(src)
	alts := b.altsBuf
	folds := b.foldBuf[:0]
	for range alts {
		folds = append(folds, folded1{})
	}
	b.foldBuf = folds
	k := 0                         // the index in folds of the alternative looked at
	opts := func(i int) []string { // the options of part i, none for gaps
		if i < 0 || i >= len(parts) || strings.HasPrefix(parts[i], "..") {
			return nil
		}
		return split[i]
	}
	mask := b.rs.rules[ri].langMask
	for i, part := range parts {
		if part == ".." {
			return nil, nil, fmt.Errorf("pattern %q: gap \"..\" needs a number (..N), or write ... for up to three words", src)
		}
		alts := split[i]
		if len(alts) > 1 {
			for _, alt := range alts {
				if alt != "" && (repeats(alt, alts, opts(i-1)) || repeats(alt, alts, opts(i+1))) {
					return nil, nil, fmt.Errorf("pattern %q: %q repeats %q beside it: a choice of several words is not supported; write one pattern per phrase", src, part, alt)
				}
			}
		}
		for _, alt := range alts {
			k++
			if alt == "" || strings.HasSuffix(alt, "*") || strings.HasPrefix(alt, "<") {
				continue
			}
			if hasLetterRun(alt) {
				c := FoldWord(alt)
				return nil, nil, fmt.Errorf("pattern %q: %q has a letter three times in a row, which matching collapses to one, so it is %q (and matches that word); write %q", src, alt, c, c)
			}
			w, ok := b.fold1(alt)
			folds[k-1] = folded1{w: w, ok: ok, done: true}
			if !ok || !b.abbrF.may(w) {
				continue
			}
			for l := range 2 {
				if mask&(1<<l) == 0 {
					continue
				}
				if exp, ok := b.rs.langs[l].abbrev[w]; ok && len(exp) > 1 {
					return nil, nil, fmt.Errorf("pattern %q: %q is rewritten to %q before matching, so it never matches; write %q", src, alt, strings.Join(exp, " "), strings.Join(exp, " "))
				}
			}
		}
	}
	return parts, split, nil
}

// splitPattern returns src's parts, as strings.Fields gives them, and
// each part split at "|", as strings.Split does, in the builder's
// scratch (valid until the next call). One pass over the bytes splits a
// pattern at ASCII white space; a pattern with a byte that may start a
// non-ASCII white space rune (patByte) is split by strings.FieldsSeq.
func (b *builder) splitPattern(src string) ([]string, [][]string) {
	parts := b.partsBuf[:0]
	alts := b.altsBuf[:0]
	split := b.splitBuf[:0]
	// The current part's start (-1: between parts), its current
	// alternative's, and the index in alts of its first alternative.
	start, alt, n := -1, 0, 0
	for i := 0; ; i++ {
		j := nextPatByte(src, i)
		if j > i && start < 0 {
			start, alt, n = i, i, len(alts)
		}
		if i = j; i == len(src) {
			break
		}
		switch patByte[src[i]] {
		case patSpace:
			if start >= 0 {
				parts = append(parts, src[start:i])
				alts = append(alts, src[alt:i])
				split = append(split, alts[n:len(alts):len(alts)])
				start = -1
			}
		case patBar:
			if start < 0 {
				start, alt, n = i, i, len(alts)
			}
			alts = append(alts, src[alt:i])
			alt = i + 1
		default: // patLead
			parts, alts, split = parts[:0], alts[:0], split[:0]
			for f := range strings.FieldsSeq(src) {
				parts = append(parts, f)
			}
			for _, part := range parts {
				n := len(alts)
				for a := range strings.SplitSeq(part, "|") {
					alts = append(alts, a)
				}
				split = append(split, alts[n:len(alts):len(alts)])
			}
			b.partsBuf, b.altsBuf, b.splitBuf = parts, alts, split
			return parts, split
		}
	}
	if start >= 0 {
		parts = append(parts, src[start:])
		alts = append(alts, src[alt:])
		split = append(split, alts[n:len(alts):len(alts)])
	}
	b.partsBuf, b.altsBuf, b.splitBuf = parts, alts, split
	return parts, split
}

// nextPatByte returns the index of the first byte from i on that
// splitPattern looks at (patByte), or len(s).
func nextPatByte(s string, i int) int {
	for ; i < len(s); i++ {
		if patByte[s[i]] != 0 {
			return i
		}
	}
	return len(s)
}

// The classes of pattern bytes for splitPattern: ASCII white space as
// strings.Fields has it, "|", and the bytes that start a non-ASCII
// white space rune in UTF-8 (U+0085 and U+00A0 start with 0xc2, U+1680
// with 0xe1, U+2000…U+205F with 0xe2, U+3000 with 0xe3).
const (
	patSpace = 1 + iota
	patBar
	patLead
)

var patByte = [256]uint8{'\t': patSpace, '\n': patSpace, '\v': patSpace, '\f': patSpace, '\r': patSpace, ' ': patSpace,
	'|': patBar, 0xc2: patLead, 0xe1: patLead, 0xe2: patLead, 0xe3: patLead}

// rewrites returns the single words that the languages of rule ri
// rewrite w into before matching ("fibra" -> "internet", "refunded" ->
// "refund"), so that a pattern written with w matches the text it was
// written for.
func (b *builder) rewrites(ri int32, w string) []string {
	if !b.abbrF.may(w) {
		return nil
	}
	var out []string
	mask := b.rs.rules[ri].langMask
	for l := range 2 {
		if mask&(1<<l) == 0 {
			continue
		}
		if exp, ok := b.rs.langs[l].abbrev[w]; ok && len(exp) == 1 && exp[0] != w {
			out = append(out, exp[0])
		}
	}
	return out
}

// repeats reports whether option alt of choice alts repeats a word of
// the element beside it the way a choice of phrases does: the element is
// that one word ("need to|have to": to|have beside to), or a choice
// holding alt in the same first or last place ("not been|hasnt been|yet
// to be": been|hasnt beside been|yet). Adjacent choices that merely share
// a word ("how do|can|long i|we|do") are a sequence of choices.
func repeats(alt string, alts, beside []string) bool {
	switch {
	case len(beside) == 1:
		return beside[0] == alt
	case len(beside) > 1:
		return alt == alts[0] && alt == beside[0] || alt == alts[len(alts)-1] && alt == beside[len(beside)-1]
	}
	return false
}

// addRule validates and compiles one rule spec.
func (b *builder) addRule(file string, line int, defLang string, s ruleSpec) error {
	fail := func(err error) error { return &RuleError{File: file, Line: line, Rule: s.ID, Err: err} }
	if s.ID == "" {
		return fail(errors.New("missing id"))
	}
	if b.ids[s.ID] {
		return fail(errors.New("duplicate rule id"))
	}
	b.ids[s.ID] = true
	lang := s.Lang
	if lang == "" {
		lang = defLang
	}
	r := rule{id: s.ID, explain: s.Explain, negatable: true, damp: s.Damp, signal: s.Signal, sentence: s.Question, ceo: s.CEO, start: s.Start, end: s.End, person: s.Person}
	switch lang {
	case "es":
		r.langMask = maskES
	case "en":
		r.langMask = maskEN
	case "any", "":
		r.langMask = maskES | maskEN
	default:
		return fail(fmt.Errorf("lang %q: want es, en or any", lang))
	}
	cls, ok := classNames[s.Class]
	if !ok {
		return fail(fmt.Errorf("class %q: want complaint, suggestion, other, praise, sarcasm, severity, signal or cue", s.Class))
	}
	r.class = cls
	if s.Weight != nil {
		r.weight = *s.Weight
	} else if cls != clsSeverity && cls != clsSignal {
		r.weight = 1
	}
	if r.weight < -5 || r.weight > 5 {
		return fail(fmt.Errorf("weight %v: want a number from -5 to 5", r.weight))
	}
	if s.Advice {
		switch {
		case cls == clsOther:
			// A post framed as advice to other customers ("Tip for new
			// owners:", "Consejo para los que…"): under "brand" the framing
			// says its imperatives are not proposals to the brand; under
			// "any" advice is a suggestion, so the framing is left out.
			if b.anyAdvice {
				return nil
			}
		case cls != clsSuggestion:
			return fail(errors.New("advice: only suggestion rules (advice to other customers) and other rules (a post framed as such advice) take it"))
		case b.anyAdvice:
			r.weight = max(r.weight, adviceWeight)
		case r.weight == 0:
			return nil // counts only under classifier.suggestions: any
		}
	}
	if s.Damp < 0 || s.Damp > 1 {
		return fail(fmt.Errorf("damp %v: want a number from 0 to 1", s.Damp))
	}
	switch s.Severity {
	case "":
	case "low":
		r.minor = true
		r.severity = escucha.SeverityLow
	case "medium", "high", "critical":
		r.severity = escucha.Severity(s.Severity)
	default:
		return fail(fmt.Errorf("severity %q: want low, medium, high or critical", s.Severity))
	}
	r.sevRank = int8(r.severity.Rank())
	r.yields = s.YieldsToMinor
	r.leaves = s.LeavesForBrand || s.Relief
	r.relief = s.Relief
	r.covers = s.Covers
	r.served = s.Served
	r.kin = s.Kin
	if r.kin && r.class != clsOther {
		return fail(errors.New("kin: only other rules name the author's family or friends"))
	}
	if r.covers && r.class != clsOther && r.class != clsPraise && r.class != clsComplaint {
		return fail(fmt.Errorf("covers: only complaint, other and praise rules can cover the words inside them"))
	}
	if s.Negatable != nil {
		r.negatable = *s.Negatable
	}
	for _, w := range s.Also {
		id, ok := specialNames[w]
		if !ok {
			f, one := b.fold1(w)
			if !one {
				return fail(fmt.Errorf("also %q: want one word or a token class such as <cur>", w))
			}
			id = b.wordID(f)
		}
		r.also = append(r.also, id)
	}
	if cls == clsCue {
		if err := checkCue(s, r.weight); err != nil {
			return fail(err)
		}
	}
	switch s.When {
	case "":
	case "grievance":
		r.when = whenGrievance
	case "no_own_grievance":
		r.when = whenNoOwnGrievance
	case "alone":
		r.when = whenAlone
	case "ceo_grievance":
		r.when = whenCEOGrievance
	default:
		return fail(fmt.Errorf("when %q: want grievance, no_own_grievance, alone or ceo_grievance", s.When))
	}
	if s.Explain == "" {
		return fail(errors.New("missing explain: every rule says why it fires"))
	}
	if cls == clsSignal {
		if s.Signal == "" {
			return fail(errors.New("signal rules need a signal name"))
		}
		if len(s.Patterns) > 0 {
			return fail(errors.New("signal rules have no patterns"))
		}
	} else if len(s.Patterns) == 0 {
		return fail(errors.New("no patterns"))
	}
	ri := int32(len(b.rs.rules))
	b.rs.rules = append(b.rs.rules, r)
	for _, p := range s.Patterns {
		if err := b.parsePattern(ri, p); err != nil {
			return fail(err)
		}
	}
	if cls == clsSignal {
		for l := range 2 {
			if r.langMask&(1<<l) != 0 {
				if b.rs.langs[l].signals == nil {
					b.rs.langs[l].signals = map[string]int32{}
				}
				b.rs.langs[l].signals[s.Signal] = ri
			}
		}
	}
	return nil
}

// decodeRule decodes one rule node, rejecting unknown keys.
func decodeRule(n *yaml.Node) (ruleSpec, string, error) {
	var s ruleSpec
	if n.Kind != yaml.MappingNode {
		return s, "", errors.New("a rule is a mapping of id, class, weight, explain, patterns")
	}
	id := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if k == "id" {
			id = n.Content[i+1].Value
		}
		if !slices.Contains(ruleKeys, k) {
			return s, id, fmt.Errorf("unknown key %q (want one of %s)", k, strings.Join(ruleKeys, ", "))
		}
	}
	if err := n.Decode(&s); err != nil {
		return s, id, err
	}
	return s, id, nil
}

func (b *builder) addRuleNodes(file, defLang string, nodes []yaml.Node) error {
	var errs []error
	for i := range nodes {
		n := &nodes[i]
		s, id, err := decodeRule(n)
		if err != nil {
			errs = append(errs, &RuleError{File: file, Line: n.Line, Rule: id, Err: err})
			continue
		}
		if err := b.addRule(file, n.Line, defLang, s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// addLangFile compiles a built-in YAML language file.
func (b *builder) addLangFile(name string, data []byte) error {
	f, err := parseLangFile(name, data)
	if f == nil {
		return err
	}
	return errors.Join(err, b.addBuiltin(f))
}

func b2u(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// entityRule adds the names or handles of one kind of entity.
func (b *builder) entityRule(id, explain string, kind uint8, names []string) {
	var pats []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		toks := b.foldTokens(n)
		if len(toks) == 0 {
			continue
		}
		pats = append(pats, strings.Join(toks, " "))
	}
	if len(pats) == 0 {
		return
	}
	ri := int32(len(b.rs.rules))
	b.rs.rules = append(b.rs.rules, rule{id: id, explain: explain, class: clsEntity, entity: kind, langMask: maskES | maskEN})
	for _, p := range pats {
		var pt pattern
		pt.rule = ri
		ws := strings.Fields(p)
		for k, w := range ws {
			ids := []int32{b.wordID(w)}
			// The English possessive: apostrophes are dropped when folding,
			// so "Tickzo's queue" reads "tickzos"; the name's last word
			// also matches with an "s".
			if k == len(ws)-1 && len(w) >= 3 && w[0] != '@' && !strings.HasSuffix(w, "s") && isLetters(w) {
				ids = append(ids, b.wordID(w+"s"))
			}
			if len(ws) == 1 && w[0] != '@' && kind == entBrand {
				b.names = append(b.names, ids...)
			}
			pt.elems = append(pt.elems, elem{ids: ids})
		}
		b.rs.patterns = append(b.rs.patterns, pt)
	}
	b.rs.hasEnt = true
}

// isLetters reports whether w is made of ASCII letters only.
func isLetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// nameHandles returns the @handles people write for names given
// without one: the name's words joined, and joined by "_" when there
// are several ("Ponto Ferries": @pontoferries, @ponto_ferries). A
// competitor tagged by handle ("me paso a @islaexpress") is the
// competitor, not an account the author moves to.
func (b *builder) nameHandles(names []string) []string {
	var out []string
	for _, n := range names {
		ws := b.foldTokens(strings.TrimSpace(n))
		joined := strings.Join(ws, "")
		if len(joined) < 3 {
			continue
		}
		if strings.IndexFunc(joined, func(r rune) bool { return r >= utf8.RuneSelf || !isHandleByte(byte(r)) }) >= 0 {
			continue // a handle has only ASCII letters, digits and "_"
		}
		out = append(out, "@"+joined)
		if len(ws) > 1 {
			out = append(out, "@"+strings.Join(ws, "_"))
		}
	}
	return out
}

func handlesOf(hs []string) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		h = strings.TrimPrefix(strings.TrimSpace(h), "@")
		if h != "" {
			out = append(out, "@"+h)
		}
	}
	return out
}

// addCustomFile reads a company rules file.
// readCustomFile decodes a company's rules file and its disable list
// (unknown keys are errors), before the built-in rules are added, so that
// they can skip the rules it switches off.
func (b *builder) readCustomFile(path string) (*customFile, error) {
	b.custom = path
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules file: %w", err)
	}
	var f customFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return &f, nil
		}
		return nil, &RuleError{File: path, Line: yamlLine(err), Err: err}
	}
	var errs []error
	for i := range f.Disable {
		n := &f.Disable[i]
		id := strings.TrimSpace(n.Value)
		if n.Kind != yaml.ScalarNode || id == "" || id == "*" {
			errs = append(errs, &RuleError{File: path, Line: n.Line, Rule: "disable", Err: errors.New(`want a built-in rule id, or an id prefix ending in "*" such as "en.cue.*"`)})
			continue
		}
		d := disabled{id: id, line: n.Line}
		if p, ok := strings.CutSuffix(id, "*"); ok {
			d.id, d.prefix = p, true
		}
		b.disabled = append(b.disabled, d)
	}
	return &f, errors.Join(errs...)
}

// isDisabled returns the first entry of the company file's disable list
// that switches off the built-in rule id (nil when none does), and marks
// every entry that names it.
func (b *builder) isDisabled(id string) *disabled {
	var first *disabled
	for i := range b.disabled {
		d := &b.disabled[i]
		if d.id == id || d.prefix && strings.HasPrefix(id, d.id) {
			d.used = true
			if first == nil {
				first = d
			}
		}
	}
	return first
}

// unusedDisables names the disable entries that matched no built-in rule
// (a misspelt id would otherwise switch nothing off, silently).
func (b *builder) unusedDisables(path string) error {
	var errs []error
	for _, d := range b.disabled {
		if !d.used {
			id := d.id
			if d.prefix {
				id += "*"
			}
			errs = append(errs, &RuleError{File: path, Line: d.line, Rule: "disable", Err: fmt.Errorf("%q: no built-in rule has this id", id)})
		}
	}
	return errors.Join(errs...)
}

// addCustomFile adds the keywords and rules of a company's rules file,
// decoded by readCustomFile.
func (b *builder) addCustomFile(path string, f *customFile) error {
	var errs []error
	for class, words := range f.Keywords {
		cls := class
		sev := ""
		switch class {
		case "complaint", "suggestion", "other", "praise":
		case "critical", "high", "low":
			cls, sev = "severity", class
		default:
			errs = append(errs, &RuleError{File: path, Rule: "keywords." + class, Err: fmt.Errorf("keyword class %q: want complaint, suggestion, other, praise, critical, high or low", class)})
			continue
		}
		var pats []string
		for _, w := range words {
			pats = append(pats, strings.Join(b.foldTokens(w), " "))
		}
		one := 1.0
		if cls == "severity" {
			one = 0
		}
		if err := b.addRule(path, 0, "any", ruleSpec{ID: "custom.keyword." + class, Class: cls, Weight: &one, Severity: sev,
			Explain: "company keyword (" + class + ")", Patterns: pats}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := b.addRuleNodes(path, "any", f.Rules); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// finish builds the lookup tables.
func (b *builder) finish() *ruleset {
	rs := b.rs
	rs.stopMask = make([]uint8, rs.nIDs) // before compileCands, which reads it
	for _, s := range b.stops {
		rs.stopMask[s.id] |= s.mask
	}
	rs.compileCands(b.nonLetter)
	rs.compileTokenGuards()
	for i := range rs.rules {
		rs.rules[i].quoted = string(appendJSONString(nil, rs.rules[i].id))
	}
	rs.negator = make([]uint8, rs.nIDs)
	rs.contrast = make([]uint8, rs.nIDs)
	rs.person = make([]uint8, rs.nIDs)
	rs.leadin = make([]uint8, rs.nIDs)
	for _, it := range b.items {
		rs.negator[it.id] |= it.negator
		rs.contrast[it.id] |= it.contrast
		rs.person[it.id] |= it.person
		rs.leadin[it.id] |= it.leadin
	}
	if len(b.names) > 0 {
		rs.nameIDs = make(map[int32]bool, len(b.names))
		for _, id := range b.names {
			rs.nameIDs[id] = true
		}
	}
	rs.whyID = -1
	if id, ok := rs.vocab["porque"]; ok {
		rs.whyID = id
	}
	rs.idBits = make([]uint8, rs.nIDs)
	for id := range rs.idBits {
		b := rs.negator[id]&3*bNeg | rs.contrast[id]&3*bCon
		if rs.person[id] != 0 {
			b |= bPerson
		}
		if rs.leadin[id] != 0 {
			b |= bLeadin
		}
		if in := &rs.ids[id]; in.cand0 < in.candE { // Spanish-only or both
			b |= bCand
		}
		if in := &rs.ids[id]; in.candB < in.cand1 { // both or English-only
			b |= bCand << 1
		}
		rs.idBits[id] = b
	}
	if rs.minPre > rs.maxPre {
		rs.minPre = 0
	}
	return rs
}

// compile builds the ruleset from the built-in files, the options and the
// company's rules file.
func compile(opts Options) (*ruleset, error) { return newBuilder().compile(opts) }

func (b *builder) compile(opts Options) (*ruleset, error) {
	var errs []error
	b.anyAdvice = opts.Suggestions == SuggestionsAny
	var custom *customFile
	if opts.RulesFile != "" {
		f, err := b.readCustomFile(opts.RulesFile)
		if f == nil {
			return nil, err
		}
		custom = f
		if err != nil {
			errs = append(errs, err)
		}
	}
	// The built-in patterns, counted so that the list is allocated once.
	nPat := 0
	for i := range builtinGenerated {
		for _, r := range builtinGenerated[i].rules {
			nPat += len(r.patterns)
		}
	}
	b.rs.patterns = make([]pattern, 0, nPat+64)
	for _, name := range builtinNames {
		if f, err := builtinFS.Open(name); err == nil && !b.yamlOnly {
			g := generatedFor(name, f)
			_ = f.Close() // an embedded file: nothing to release
			if g != nil {
				if err := b.addBuiltin(g); err != nil {
					errs = append(errs, err)
				}
				continue
			}
		}
		data, err := builtinFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("built-in rules: %w", err)
		}
		if err := b.addLangFile(name, data); err != nil {
			errs = append(errs, err)
		}
	}
	brandNames := append([]string{}, opts.Brand.Keywords...)
	if opts.Brand.Name != "" {
		brandNames = append(brandNames, opts.Brand.Name)
	}
	brandNames = append(brandNames, handlesOf(opts.Brand.Handles)...)
	ceoNames := append([]string{}, opts.CEO.Aliases...)
	if opts.CEO.Name != "" {
		ceoNames = append(ceoNames, opts.CEO.Name)
	}
	ceoNames = append(ceoNames, handlesOf(opts.CEO.Handles)...)
	var competitors []string
	if f := custom; f != nil {
		if err := b.unusedDisables(opts.RulesFile); err != nil {
			errs = append(errs, err)
		}
		if err := b.addCustomFile(opts.RulesFile, f); err != nil {
			errs = append(errs, err)
		}
		brandNames = append(append(append(brandNames, f.Brand.Names...), f.Products...), handlesOf(f.Brand.Handles)...)
		ceoNames = append(append(ceoNames, f.CEO.Names...), handlesOf(f.CEO.Handles)...)
		competitors = append(competitors, f.Competitors...)
		competitors = append(competitors, b.nameHandles(f.Competitors)...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b.entityRule("entity.brand", "names the brand", entBrand, brandNames)
	b.entityRule("entity.ceo", "names or addresses the CEO", entCEO, ceoNames)
	b.entityRule("entity.competitor", "names a competitor", entCompetitor, competitors)
	for l := range 2 {
		for k, sig := range signalNames {
			ri, ok := b.rs.langs[l].signals[sig]
			if !ok {
				return nil, &RuleError{File: "rules/" + langNames[l] + ".yaml", Rule: sig, Err: fmt.Errorf("missing signal rule %q", sig)}
			}
			b.rs.langs[l].sig[k] = ri
		}
	}
	rs := b.finish()
	for i := range rs.rules {
		rs.hasLeaves = rs.hasLeaves || rs.rules[i].leaves
		rs.hasKin = rs.hasKin || rs.rules[i].kin
		rs.hasCues = rs.hasCues || rs.rules[i].class == clsCue
	}
	return rs, nil
}

// groups lists values by key in one flat array: count every key, sum,
// then add the values; of(k) returns key k's values in the order added.
type groups struct {
	at   []int32 // key k's values are flat[at[k]:at[k+1]]
	next []int32
	flat []int32
}

func (g *groups) init(n int) { g.at = make([]int32, n+1) }

func (g *groups) count(k int32) { g.at[k+1]++ }

func (g *groups) sum() {
	for k := 1; k < len(g.at); k++ {
		g.at[k] += g.at[k-1]
	}
	g.next = slices.Clone(g.at[:len(g.at)-1])
	g.flat = make([]int32, g.at[len(g.at)-1])
}

func (g *groups) add(k, v int32) {
	g.flat[g.next[k]] = v
	g.next[k]++
}

func (g *groups) of(k int32) []int32 { return g.flat[g.at[k]:g.at[k+1]] }

// setMask is one word of doc.keys and the bits an id sets in it.
type setMask struct {
	w int32
	m uint64
}

// compileCands lays the patterns out flat for match: for each id, the
// patterns whose first element carries it, in pattern order, each with
// its rule's language and position constraints copied in.
func (rs *ruleset) compileCands(nonLetter []int32) {
	// index(id) is the patterns whose first element carries id, in order.
	var first groups
	first.init(int(rs.nIDs))
	for _, p := range rs.patterns {
		for _, id := range p.elems[0].ids {
			first.count(id)
		}
	}
	first.sum()
	for pi, p := range rs.patterns {
		for _, id := range p.elems[0].ids {
			first.add(id, int32(pi))
		}
	}
	nCands, nMel, nMids := 0, 0, 0
	for _, p := range rs.patterns {
		nCands += len(p.elems[0].ids)
		nMel += len(p.elems) - 1
		for _, e := range p.elems[1:] {
			if len(e.ids) > 1 {
				nMids += len(e.ids)
			}
		}
	}
	// Each pattern's later elements are laid out once and shared by every
	// first id that leads to it.
	elAt := make([][2]int32, len(rs.patterns))
	rs.mel, rs.mids = make([]melem, 0, nMel), make([]int32, 0, nMids)
	setOf := make(map[string]int32, nMel/2) // distinct alternative sets, by their ids
	var sets [][]int32
	var key []byte
	for pi, p := range rs.patterns {
		elAt[pi][0] = int32(len(rs.mel))
		for _, e := range p.elems[1:] {
			m := melem{one: -1, gap: int32(e.gap)}
			if len(e.ids) == 1 {
				m.one, m.key = e.ids[0], e.ids[0]
			} else {
				key = key[:0] // the ids, sorted by parsePattern, as bytes
				for _, id := range e.ids {
					key = binary.LittleEndian.AppendUint32(key, uint32(id))
				}
				si, ok := setOf[string(key)]
				if !ok {
					si = int32(len(sets))
					setOf[string(key)] = si
					sets = append(sets, e.ids)
				}
				m.key = si // numbered below
				m.ids0 = int32(len(rs.mids))
				rs.mids = append(rs.mids, e.ids...)
				m.ids1 = int32(len(rs.mids))
				for _, id := range e.ids {
					m.bloom |= 1 << (id & 63)
				}
			}
			rs.mel = append(rs.mel, m)
		}
		elAt[pi][1] = int32(len(rs.mel))
	}
	// Number the sets: first those of the ids in most sets (function
	// words, which most texts carry), so an id's sets share a few words
	// of bits.
	var member groups // the sets each id is in
	member.init(int(rs.nIDs))
	for _, ids := range sets {
		for _, id := range ids {
			member.count(id)
		}
	}
	member.sum()
	for si, ids := range sets {
		for _, id := range ids {
			member.add(id, int32(si))
		}
	}
	// The ids by decreasing number of sets, ties in id order: a counting
	// sort (a stable sort with a comparison was 7% of New).
	maxSets := 0
	for id := range rs.nIDs {
		maxSets = max(maxSets, len(member.of(id)))
	}
	at := make([]int32, maxSets+2) // at[maxSets-n+1]: ids with n sets, then start positions
	for id := range rs.nIDs {
		at[maxSets-len(member.of(id))+1]++
	}
	for i := 1; i < len(at); i++ {
		at[i] += at[i-1]
	}
	byCount := make([]int32, rs.nIDs)
	for id := range rs.nIDs {
		k := maxSets - len(member.of(id))
		byCount[at[k]] = id
		at[k]++
	}
	num := make([]int32, len(sets))
	for i := range num {
		num[i] = -1
	}
	nSets := int32(0)
	for _, id := range byCount {
		for _, si := range member.of(id) {
			if num[si] < 0 {
				num[si] = nSets
				nSets++
			}
		}
	}
	rs.setBase = (rs.nIDs + 63) &^ 63
	rs.keyTrue = rs.setBase + nSets
	rs.nKeyWords = int(rs.keyTrue)/64 + 1
	for i := range rs.mel {
		if m := &rs.mel[i]; m.one < 0 {
			m.key = rs.setBase + num[m.key]
		}
	}
	elOften := rs.elemOften(nonLetter)
	rs.ids = make([]idInfo, rs.nIDs)
	rs.cands, rs.needs, rs.needs2 = make([]cand, 0, nCands), make([]int32, 0, nCands), make([]int32, 0, nCands)
	rs.setMasks = make([]setMask, 0, len(member.flat)) // at most one per membership
	for id := range rs.nIDs {
		in := &rs.ids[id]
		in.cand0 = int32(len(rs.cands))
		for _, group := range []uint8{maskES, maskES | maskEN, maskEN} {
			switch group {
			case maskES | maskEN:
				in.candB = int32(len(rs.cands))
			case maskEN:
				in.candE = int32(len(rs.cands))
			}
			for _, pi := range first.of(id) {
				p := &rs.patterns[pi]
				r := &rs.rules[p.rule]
				if r.langMask != group {
					continue
				}
				c := cand{rule: p.rule, need: -1, el0: elAt[pi][0], el1: elAt[pi][1],
					sentence: r.sentence, start: r.start, end: r.end, person: r.person, entity: r.class == clsEntity, also: len(r.also) > 0}
				if c.el0 < c.el1 {
					c.need = rs.mel[c.el0].key
				}
				rs.cands = append(rs.cands, c)
				// The keys of the two elements texts carry least often
				// (keyTrue if fewer), the rarer first.
				need, need2 := rs.keyTrue, rs.keyTrue
				n1, n2 := int64(-1), int64(-1)
				for k := c.el0; k < c.el1; k++ {
					switch n := elOften[k]; {
					case n1 < 0 || n < n1:
						need2, n2 = need, n1
						need, n1 = rs.mel[k].key, n
					case n2 < 0 || n < n2:
						need2, n2 = rs.mel[k].key, n
					}
				}
				rs.needs = append(rs.needs, need)
				rs.needs2 = append(rs.needs2, need2)
			}
		}
		in.cand1 = int32(len(rs.cands))
		// One mask a key word, by increasing word: each set's bit is
		// ORed into its word's mask, which is added, kept in order, the
		// first time (an id is in a few sets).
		in.mask0 = int32(len(rs.setMasks))
		for _, si := range member.of(id) {
			k := num[si] // >= 0
			w, bit := rs.setBase/64+k>>6, uint64(1)<<(k&63)
			ms := rs.setMasks[in.mask0:]
			j := len(ms)
			for j > 0 && ms[j-1].w > w {
				j--
			}
			if j > 0 && ms[j-1].w == w {
				ms[j-1].m |= bit
				continue
			}
			rs.setMasks = slices.Insert(rs.setMasks, int(in.mask0)+j, setMask{w: w, m: bit})
		}
		in.mask1 = int32(len(rs.setMasks))
	}
}

// notNegPhrase is an idiom of language lang that opens with the negator
// neg and goes on with the words next: the negator negates nothing.
type notNegPhrase struct {
	neg  int32
	next []int32
	lang int
}

// elemOften guesses, for each element of rs.mel, how often texts carry
// it, from the rules alone: the special ids (numbers, handles, emoji…)
// and words that do not start with a letter (nonLetter: punctuation…) most often,
// then stop words, then other words by the number of pattern elements
// that name them; an element with alternatives as often as all of them
// together. match checks the presence keys of the two rarest elements
// of a candidate before walking it (rs.needs, rs.needs2): the guess only
// decides how many candidates those checks reject, never what matches.
func (rs *ruleset) elemOften(nonLetter []int32) []int64 {
	often := make([]int64, rs.nIDs)
	for _, p := range rs.patterns {
		for _, e := range p.elems {
			for _, id := range e.ids {
				often[id]++
			}
		}
	}
	for _, id := range nonLetter {
		often[id] += 1 << 20
	}
	for id := range rs.nIDs {
		if id < nSpecial {
			often[id] += 1 << 20
		}
		if rs.stopMask[id] != 0 {
			often[id] += 1 << 10
		}
	}
	out := make([]int64, len(rs.mel))
	for i := range rs.mel {
		if m := &rs.mel[i]; m.one >= 0 {
			out[i] = often[m.one]
		} else {
			for _, id := range rs.mids[m.ids0:m.ids1] {
				out[i] += often[id]
			}
		}
	}
	return out
}

// hasLetterRun reports whether s has an ASCII letter three times in a row
// (any case): the letters matching collapses to one, as collapse does.
func hasLetterRun(s string) bool {
	for i := 2; i < len(s); i++ {
		c := s[i] | 0x20
		if c >= 'a' && c <= 'z' && s[i-1]|0x20 == c && s[i-2]|0x20 == c {
			return true
		}
	}
	return false
}
