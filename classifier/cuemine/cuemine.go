// Package cuemine finds cue words in labelled posts: the words that appear
// mostly in complaints. It writes them as cue rules (class "cue", see
// classifier/cue.go) into a rules file, between marker lines, so mining
// again replaces them. tools/cuemine writes the built-in language files
// with it; `escucha cues` writes a company's rules file from the mentions
// its team reviewed (`escucha export`).
//
// For every word it counts the complaint posts and the other posts that
// hold it, and keeps the words seen in at least MinSets input sets and
// MinComplaints complaint posts whose smoothed log-odds of being in a
// complaint is at least MinLogOdds. A word's weight is Scale times its
// log-odds rounded down to a step of Step (at most 1), and the words of
// one step make one rule ("en.cue.b15": log-odds 1.5 to 2). Words of fewer
// than three letters, words with a letter three times in a row (matching
// collapses them) and the words a caller skips (the language file's
// function words) are left out.
package cuemine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Params are the thresholds and weights of mining.
type Params struct {
	// MinSets is how many input sets a word must appear in.
	MinSets int
	// MinComplaints is how many complaint posts must hold a word.
	MinComplaints int
	// MinLogOdds is the smallest smoothed log-odds of a complaint.
	MinLogOdds float64
	// Scale is a cue's weight per unit of log-odds; Step the rounding.
	Scale, Step float64
}

// Counts holds, per word, the complaint and other posts that contain it
// and the sets it was seen in.
type Counts struct {
	// Posts and Complaints count the posts read; Sets the sets added.
	Posts, Complaints, Sets int
	inComplaint, inOther    map[string]int
	sets                    map[string]int
}

// AddFile reads the labelled set in the file at path (see AddSet).
func (c *Counts) AddFile(path, lang string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return c.AddSet(f, path, lang)
}

// AddSet reads one labelled set: JSON Lines with "text", "label" and
// optionally "lang" (rows of another language are skipped) and "reviewed"
// (rows with "reviewed": false, a classifier's verdict nobody confirmed,
// are skipped too). name is for errors.
func (c *Counts) AddSet(r io.Reader, name, lang string) error {
	if c.inComplaint == nil {
		c.inComplaint, c.inOther, c.sets = map[string]int{}, map[string]int{}, map[string]int{}
	}
	inSet := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var row struct {
			Text, Label, Lang string
			Reviewed          *bool
		}
		if err := json.Unmarshal(line, &row); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if row.Lang != "" && row.Lang != lang || row.Label == "" || row.Reviewed != nil && !*row.Reviewed {
			continue
		}
		c.Posts++
		complaint := row.Label == "complaint"
		if complaint {
			c.Complaints++
		}
		for w := range Words(row.Text) {
			if complaint {
				c.inComplaint[w]++
			} else {
				c.inOther[w]++
			}
			inSet[w] = true
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for w := range inSet {
		c.sets[w]++
	}
	c.Sets++
	return nil
}

// Cue is a word that qualified, with its log-odds.
type Cue struct {
	Word    string
	LogOdds float64
}

// Cues returns the words that qualify under p, leaving out skip, by
// falling log-odds then word.
func (c *Counts) Cues(p Params, skip map[string]bool) []Cue {
	others := c.Posts - c.Complaints
	var cs []Cue
	for w, k := range c.inComplaint {
		if c.sets[w] < p.MinSets || k < p.MinComplaints || len([]rune(w)) < 3 || tripled(w) || skip[w] {
			continue
		}
		lo := math.Log(float64(k+1)/float64(c.Complaints+2)) - math.Log(float64(c.inOther[w]+1)/float64(others+2))
		if lo >= p.MinLogOdds {
			cs = append(cs, Cue{w, lo})
		}
	}
	slices.SortFunc(cs, func(a, b Cue) int {
		if a.LogOdds != b.LogOdds {
			if a.LogOdds > b.LogOdds {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Word, b.Word)
	})
	return cs
}

// Block says how the cue rules are written.
type Block struct {
	// Name is the marker's name: the block lies between "  # BEGIN
	// <Name>:" and "  # END <Name>" lines.
	Name string
	// Lang is the language of the words ("es" or "en"), IDPrefix the start
	// of the rule ids (rules are IDPrefix + ".b15"), and WithLang adds a
	// "lang:" key to each rule (a company file mixes languages).
	Lang, IDPrefix string
	WithLang       bool
	// Source names the command that wrote the block, for its header.
	Source string
}

// Write returns the rules block of cues mined from c with p.
func (b Block) Write(p Params, cues []Cue, c *Counts) string {
	type band struct {
		from  float64
		words []string
	}
	var bands []band
	for _, q := range cues {
		from := math.Floor(q.LogOdds/p.Step) * p.Step
		if len(bands) == 0 || bands[len(bands)-1].from != from {
			bands = append(bands, band{from: from})
		}
		bd := &bands[len(bands)-1]
		bd.words = append(bd.words, q.Word)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "  # BEGIN %s: written by %s (-min-sets %d", b.Name, b.Source, p.MinSets)
	if p.MinComplaints > 0 {
		fmt.Fprintf(&sb, " -min-complaints %d", p.MinComplaints)
	}
	fmt.Fprintf(&sb, " -min-logodds %g -scale %g -step %g)\n", p.MinLogOdds, p.Scale, p.Step)
	fmt.Fprintf(&sb, "  # from %d labelled posts (%d complaints) in %d files; edit by hand or mine again.\n", c.Posts, c.Complaints, c.Sets)
	for _, bd := range bands {
		w := math.Min(p.Scale*bd.from, 1)
		slices.Sort(bd.words)
		fmt.Fprintf(&sb, "  - id: %s.b%02.0f\n", b.IDPrefix, bd.from*10)
		if b.WithLang {
			fmt.Fprintf(&sb, "    lang: %s\n", b.Lang)
		}
		fmt.Fprintf(&sb, "    class: cue\n    weight: %s\n", strconv.FormatFloat(math.Round(w*1000)/1000, 'f', -1, 64))
		if b.Lang == "es" {
			fmt.Fprintf(&sb, "    explain: \"palabras que aparecen sobre todo en quejas (log-odds %g a %g): cuentan solo si ninguna otra regla marca el post\"\n", bd.from, bd.from+p.Step)
		} else {
			fmt.Fprintf(&sb, "    explain: \"words seen mostly in complaints (log-odds %g to %g): they count only when no other rule flags the post\"\n", bd.from, bd.from+p.Step)
		}
		sb.WriteString("    patterns:\n")
		for i := 0; i < len(bd.words); i += 12 {
			fmt.Fprintf(&sb, "      - \"%s\"\n", strings.Join(bd.words[i:min(i+12, len(bd.words))], "|"))
		}
	}
	fmt.Fprintf(&sb, "  # END %s\n", b.Name)
	return sb.String()
}

// ErrNoBlock is returned by Replace when src has no block of that name.
var ErrNoBlock = errors.New("no cue block")

// Replace puts block in place of the block named name in src. It returns
// an error wrapping ErrNoBlock when src has none.
func Replace(src []byte, name, block string) ([]byte, error) {
	s := string(src)
	begin := strings.Index(s, "  # BEGIN "+name+":")
	if begin < 0 {
		return nil, fmt.Errorf("%w %q", ErrNoBlock, name)
	}
	endMark := "  # END " + name + "\n"
	end := strings.Index(s[begin:], endMark)
	if end < 0 {
		return nil, fmt.Errorf(`"# BEGIN %s" without "# END %s"`, name, name)
	}
	return []byte(s[:begin] + block + s[begin+end+len(endMark):]), nil
}

var urlOrHandle = regexp.MustCompile(`https?://\S+|@\w+`)

// Words returns the distinct words of text, folded as the classifier
// matches them: NFKC, lower case, accents dropped (ñ kept), apostrophes
// dropped ("don't" is "dont"), links and @handles left out.
func Words(text string) map[string]bool {
	t := norm.NFKC.String(text)
	t = urlOrHandle.ReplaceAllString(t, " ")
	t = strings.NewReplacer("'", "", "’", "").Replace(strings.ToLower(t))
	ws := map[string]bool{}
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			ws[string(cur)] = true
			cur = cur[:0]
		}
	}
	for _, r := range norm.NFD.String(t) {
		switch {
		case unicode.Is(unicode.Mn, r):
			if r == '\u0303' && len(cur) > 0 && cur[len(cur)-1] == 'n' {
				cur[len(cur)-1] = 'ñ'
			}
		case r >= 'a' && r <= 'z' || r == 'ñ':
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return ws
}

// tripled reports whether w has a letter three times in a row.
func tripled(w string) bool {
	rs := []rune(w)
	for i := 2; i < len(rs); i++ {
		if rs[i] == rs[i-1] && rs[i] == rs[i-2] {
			return true
		}
	}
	return false
}
