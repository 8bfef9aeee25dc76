// Command cuemine writes the cue rules of a built-in language file from
// labelled posts: the words that appear mostly in complaints.
//
//	go run ./tools/cuemine -lang en -rules classifier/rules/en.yaml set1.jsonl set2.jsonl …
//	go generate ./classifier
//
// Each input file is one labelled set (JSON Lines with "text", "label"
// and optionally "lang"; rows of another language are skipped). The
// mining itself is package classifier/cuemine's: its doc says how words
// are counted, kept and weighted. The rules replace the block between the
// "# BEGIN cues" and "# END cues" lines at the end of the file's rules
// list (appended the first time). The language file's own word lists are
// left out: the words it rewrites (abbreviations), its stop words,
// negators, contrast and person words (function words are not evidence a
// reader can weigh). A company mines its own rules file with
// `escucha cues` instead.
//
// The cues are a fallback: they count only for a post no other rule flags
// (see classifier/cue.go), so they are mined from whole posts, not only
// from the ones the rules miss.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/escucha/escucha/classifier/cuemine"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cuemine:", err)
		os.Exit(1)
	}
}

type options struct {
	lang  string
	rules string
	cuemine.Params
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cuemine", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.lang, "lang", "", "language of the rules file: es or en")
	fs.StringVar(&o.rules, "rules", "", "the built-in language file to write the cue rules into")
	fs.IntVar(&o.MinSets, "min-sets", 5, "a word must appear in at least this many input files")
	fs.IntVar(&o.MinComplaints, "min-complaints", 0, "a word must appear in at least this many complaint posts")
	fs.Float64Var(&o.MinLogOdds, "min-logodds", 1.0, "smallest log-odds of a complaint for a word to be a cue")
	fs.Float64Var(&o.Scale, "scale", 0.3, "a cue's weight per unit of log-odds")
	fs.Float64Var(&o.Step, "step", 0.5, "log-odds are rounded down to this step")
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
	var c cuemine.Counts
	for _, path := range fs.Args() {
		if err := c.AddFile(path, o.lang); err != nil {
			return fmt.Errorf("labelled set: %w", err)
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
	cues := c.Cues(o.Params, skip)
	block := cuemine.Block{Name: "cues", Lang: o.lang, IDPrefix: o.lang + ".cue", Source: "tools/cuemine"}.Write(o.Params, cues, &c)
	updated, err := cuemine.Replace(src, "cues", block)
	if errors.Is(err, cuemine.ErrNoBlock) { // the first time: at the end of the rules list
		if !bytes.HasSuffix(src, []byte("\n")) {
			src = append(src, '\n')
		}
		updated, err = append(src, block...), nil
	}
	if err != nil {
		return fmt.Errorf("rules %s: %w", o.rules, err)
	}
	if err := os.WriteFile(o.rules, updated, 0o644); err != nil {
		return fmt.Errorf("write rules: %w", err)
	}
	fmt.Fprintf(out, "%s: %d cue words from %d posts (%d complaints) in %d files\n", o.rules, len(cues), c.Posts, c.Complaints, c.Sets)
	return nil
}
