package classifier

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Cue rules (class "cue") hold single words that are common in
// complaints and rare elsewhere ("voicemail", "refund", "cobraron",
// "reclamación"), with small weights. A post whose rules found no
// complaint still may be one told in words no pattern knows: the cue
// words it holds, each counted once, join its complaint score, and when
// that makes the complaint the best label the post is flagged and the
// cue rules are its explanation. Cues never change a post that other
// rules already flag as a complaint or a suggestion, and they are not
// negated ("no refund" is still about a refund). The built-in cue rules
// are written by tools/cuemine from labelled posts (see
// docs/classifier.md); a company's file may add its own.

// minCues is how many distinct cue words a post needs before they count:
// one or two common words are chance (measured on never-read halves of the
// blind sets, three kept almost all the gain of one and made the posts
// the cues flag right three times in four instead of three in five).
const minCues = 3

// maxCueWeight bounds one cue word's weight: a cue is a hint, and it
// takes several of them to flag a post.
const maxCueWeight = 1.0

// checkCue reports what a cue rule may not have: cues are single words
// with a weight and nothing else.
func checkCue(s ruleSpec, weight float64) error {
	if weight <= 0 || weight > maxCueWeight {
		return fmt.Errorf("weight %v: a cue's weight is above 0 and at most %v", weight, maxCueWeight)
	}
	if s.Severity != "" || s.When != "" || s.Damp != 0 || s.Signal != "" || s.Question || s.CEO || s.Start || s.End ||
		s.YieldsToMinor || s.LeavesForBrand || s.Relief || s.Covers || s.Served || s.Person || s.Negatable != nil || len(s.Also) > 0 {
		return errors.New("a cue rule has only id, lang, class, weight, explain and patterns")
	}
	for _, p := range s.Patterns {
		if strings.ContainsAny(strings.TrimSpace(p), " \t<*") || strings.HasPrefix(p, "re:") {
			return fmt.Errorf("pattern %q: a cue is one word (write choices as a|b)", p)
		}
	}
	return nil
}

// splitCues moves the hits of cue rules from d.hits to d.cues, so that
// no other step sees them.
func (rs *ruleset) splitCues(d *doc) {
	hs := d.hits[:0]
	for _, h := range d.hits {
		if rs.rules[h.rule].class == clsCue {
			d.cues = append(d.cues, h)
		} else {
			hs = append(hs, h)
		}
	}
	d.hits = hs
}

// cueWeight keeps in d.cues one hit per distinct word, its first in the
// text, and returns the sum of their weights and their number.
func (rs *ruleset) cueWeight(d *doc) (float64, int) {
	cs := d.cues
	for i := 1; i < len(cs); i++ { // insertion sort by position
		for j := i; j > 0 && cs[j].start < cs[j-1].start; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	cs = cs[:0]
	w := 0.0
next:
	for _, h := range d.cues {
		word := d.norm(int(h.start))
		for _, k := range cs {
			if bytes.Equal(d.norm(int(k.start)), word) {
				continue next
			}
		}
		cs = append(cs, h)
		w += rs.rules[h.rule].weight
	}
	d.cues = cs
	return w, len(cs)
}

// fireCues records the cue rules of d.cues (as cueWeight left them) as
// fired, each with the sum of its words' weights and their spans.
func (rs *ruleset) fireCues(d *doc) {
	cs := d.cues
	for i := 1; i < len(cs); i++ { // stable insertion sort by rule
		for j := i; j > 0 && cs[j].rule < cs[j-1].rule; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	for i := 0; i < len(cs); {
		j, w := i, 0.0
		for ; j < len(cs) && cs[j].rule == cs[i].rule; j++ {
			w += rs.rules[cs[j].rule].weight
		}
		rs.addFired(d, cs[i].rule, w, cs[i:j])
		i = j
	}
}

// FunctionWords returns the words of the built-in language file of lang
// ("es" or "en") that carry no evidence of their own: its stop words,
// negators, contrast and person words, and the abbreviations it rewrites.
// Cue mining (tools/cuemine, `escucha cues`) leaves them out.
func FunctionWords(lang string) ([]string, error) {
	data, err := builtinFS.ReadFile("rules/" + lang + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("function words of %q: want es or en", lang)
	}
	var f langFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("function words of %q: %w", lang, err)
	}
	out := slices.Concat(f.Stopwords, f.Negators, f.Contrast, f.Persons)
	for w := range f.Abbreviations {
		out = append(out, w)
	}
	return out, nil
}
