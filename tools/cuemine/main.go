// Command cuemine writes the cue rules of a built-in language file from
// labelled posts: the words that appear mostly in complaints.
//
//	go run ./tools/cuemine -lang en -rules classifier/rules/en.yaml set1.jsonl set2.jsonl …
//	go generate ./classifier
//
// Each input file is one labelled set (JSON Lines with "text", "label"
// and optionally "lang"; rows of another language are skipped). For every
// word it counts the complaint posts and the other posts that hold it and
// keeps the words that are seen in at least -min-sets files and whose
// smoothed log-odds of being in a complaint is at least -min-logodds.
// Each word's weight is -scale times its log-odds rounded down to a step
// of -step, and the words of one step make one rule ("en.cue.b15": log-odds
// 1.5 to 2). The rules replace the block between the "# BEGIN cues" and
// "# END cues" lines at the end of the file's rules list (appended the
// first time). The language file's own word lists are left out: the words
// it rewrites (abbreviations), its stop words, negators, contrast and
// person words (function words are not evidence a reader can weigh); so
// are words with a letter three times in a row (matching collapses them)
// and words of fewer than three letters.
//
// The cues are a fallback: they count only for a post no other rule flags
// (see classifier/cue.go), so they are mined from whole posts, not only
// from the ones the rules miss.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cuemine:", err)
		os.Exit(1)
	}
}

type options struct {
	lang       string
	rules      string
	minSets    int
	minLogOdds float64
	scale      float64
	step       float64
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cuemine", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.lang, "lang", "", "language of the rules file: es or en")
	fs.StringVar(&o.rules, "rules", "", "the built-in language file to write the cue rules into")
	fs.IntVar(&o.minSets, "min-sets", 5, "a word must appear in at least this many input files")
	fs.Float64Var(&o.minLogOdds, "min-logodds", 1.0, "smallest log-odds of a complaint for a word to be a cue")
	fs.Float64Var(&o.scale, "scale", 0.3, "a cue's weight per unit of log-odds")
	fs.Float64Var(&o.step, "step", 0.5, "log-odds are rounded down to this step")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.lang != "es" && o.lang != "en" {
		return fmt.Errorf("-lang %q: want es or en", o.lang)
	}
	if o.rules == "" || fs.NArg() == 0 {
		return errors.New("usage: cuemine -lang en|es -rules FILE labelled.jsonl…")
	}
	src, err := os.ReadFile(o.rules)
	if err != nil {
		return fmt.Errorf("read rules: %w", err)
	}
	var lf struct {
		Abbreviations map[string]string `yaml:"abbreviations"`
		Stopwords     []string          `yaml:"stopwords"`
		Negators      []string          `yaml:"negators"`
		Contrast      []string          `yaml:"contrast"`
		Persons       []string          `yaml:"persons"`
	}
	if err := yaml.Unmarshal(src, &lf); err != nil {
		return fmt.Errorf("rules %s: %w", o.rules, err)
	}
	var c counts
	for _, path := range fs.Args() {
		if err := c.addFile(path, o.lang); err != nil {
			return err
		}
	}
	skip := map[string]bool{}
	for w := range lf.Abbreviations {
		skip[w] = true
	}
	for _, list := range [][]string{lf.Stopwords, lf.Negators, lf.Contrast, lf.Persons} {
		for _, w := range list {
			skip[w] = true
		}
	}
	cues := c.cues(o, skip)
	block := rulesBlock(o, cues, c)
	updated, err := replaceBlock(src, block)
	if err != nil {
		return fmt.Errorf("rules %s: %w", o.rules, err)
	}
	if err := os.WriteFile(o.rules, updated, 0o644); err != nil {
		return fmt.Errorf("write rules: %w", err)
	}
	fmt.Fprintf(out, "%s: %d cue words from %d posts (%d complaints) in %d files\n", o.rules, len(cues), c.posts, c.complaints, c.files)
	return nil
}

// counts holds, per word, the complaint and other posts that contain it
// and the files it was seen in.
type counts struct {
	posts, complaints, files int
	inComplaint, inOther     map[string]int
	sets                     map[string]int
}

func (c *counts) addFile(path, lang string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("labelled set: %w", err)
	}
	defer f.Close()
	if c.inComplaint == nil {
		c.inComplaint, c.inOther, c.sets = map[string]int{}, map[string]int{}, map[string]int{}
	}
	inFile := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var row struct{ Text, Label, Lang string }
		if err := json.Unmarshal(line, &row); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if row.Lang != "" && row.Lang != lang || row.Label == "" {
			continue
		}
		c.posts++
		complaint := row.Label == "complaint"
		if complaint {
			c.complaints++
		}
		for w := range words(row.Text) {
			if complaint {
				c.inComplaint[w]++
			} else {
				c.inOther[w]++
			}
			inFile[w] = true
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for w := range inFile {
		c.sets[w]++
	}
	c.files++
	return nil
}

type cue struct {
	word    string
	logOdds float64
}

// cues returns the words that qualify, by falling log-odds then word.
func (c *counts) cues(o options, skip map[string]bool) []cue {
	others := c.posts - c.complaints
	var cs []cue
	for w, k := range c.inComplaint {
		if c.sets[w] < o.minSets || len([]rune(w)) < 3 || tripled(w) || skip[w] {
			continue
		}
		lo := math.Log(float64(k+1)/float64(c.complaints+2)) - math.Log(float64(c.inOther[w]+1)/float64(others+2))
		if lo >= o.minLogOdds {
			cs = append(cs, cue{w, lo})
		}
	}
	slices.SortFunc(cs, func(a, b cue) int {
		if a.logOdds != b.logOdds {
			if a.logOdds > b.logOdds {
				return -1
			}
			return 1
		}
		return strings.Compare(a.word, b.word)
	})
	return cs
}

// rulesBlock writes the cue rules, one per step of log-odds.
func rulesBlock(o options, cues []cue, c counts) string {
	type band struct {
		from  float64
		words []string
	}
	var bands []band
	for _, q := range cues {
		from := math.Floor(q.logOdds/o.step) * o.step
		if len(bands) == 0 || bands[len(bands)-1].from != from {
			bands = append(bands, band{from: from})
		}
		b := &bands[len(bands)-1]
		b.words = append(b.words, q.word)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "  # BEGIN cues: written by tools/cuemine (-min-sets %d -min-logodds %g -scale %g -step %g)\n", o.minSets, o.minLogOdds, o.scale, o.step)
	fmt.Fprintf(&sb, "  # from %d labelled posts (%d complaints) in %d files; edit by hand or mine again.\n", c.posts, c.complaints, c.files)
	for _, b := range bands {
		w := math.Min(o.scale*b.from, 1)
		slices.Sort(b.words)
		fmt.Fprintf(&sb, "  - id: %s.cue.b%02.0f\n", o.lang, b.from*10)
		fmt.Fprintf(&sb, "    class: cue\n    weight: %s\n", strconv.FormatFloat(math.Round(w*1000)/1000, 'f', -1, 64))
		if o.lang == "es" {
			fmt.Fprintf(&sb, "    explain: \"palabras que aparecen sobre todo en quejas (log-odds %g a %g): cuentan solo si ninguna otra regla marca el post\"\n", b.from, b.from+o.step)
		} else {
			fmt.Fprintf(&sb, "    explain: \"words seen mostly in complaints (log-odds %g to %g): they count only when no other rule flags the post\"\n", b.from, b.from+o.step)
		}
		sb.WriteString("    patterns:\n")
		for i := 0; i < len(b.words); i += 12 {
			fmt.Fprintf(&sb, "      - \"%s\"\n", strings.Join(b.words[i:min(i+12, len(b.words))], "|"))
		}
	}
	sb.WriteString("  # END cues\n")
	return sb.String()
}

// replaceBlock puts block in place of the cue block of src, or at its end.
func replaceBlock(src []byte, block string) ([]byte, error) {
	s := string(src)
	begin := strings.Index(s, "  # BEGIN cues")
	if begin < 0 {
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return []byte(s + block), nil
	}
	const endMark = "  # END cues\n"
	end := strings.Index(s[begin:], endMark)
	if end < 0 {
		return nil, errors.New(`"# BEGIN cues" without "# END cues"`)
	}
	return []byte(s[:begin] + block + s[begin+end+len(endMark):]), nil
}

var urlOrHandle = regexp.MustCompile(`https?://\S+|@\w+`)

// words returns the distinct words of text, folded as the classifier
// matches them: NFKC, lower case, accents dropped (ñ kept), apostrophes
// dropped ("don't" is "dont"), links and @handles left out.
func words(text string) map[string]bool {
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
