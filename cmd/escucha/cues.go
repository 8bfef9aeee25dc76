package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/escucha/escucha/classifier"
	"github.com/escucha/escucha/classifier/cuemine"
)

// minCueSamples is the fewest reviewed complaints, and the fewest other
// posts, a language needs before its cue words are mined. Measured on
// written sets (docs/classifier.md), cues mined from ~230 complaints a
// language did not beat the built-in ones; with fewer, a word seen a few
// times in complaints is chance.
const minCueSamples = 200

func newCuesCmd(g *globals) *cobra.Command {
	var rules, langs string
	var dry bool
	p := cuemine.Params{MinSets: 1, MinComplaints: 5, MinLogOdds: 1.0, Scale: 0.3, Step: 0.5}
	cmd := &cobra.Command{
		Use:   "cues [--rules FILE] LABELLED.jsonl...",
		Short: "Mine cue words from the mentions your team reviewed into the company rules file",
		Long: `Mine cue words (words seen mostly in complaints) from labelled JSON Lines, usually what
escucha export writes, and write them as cue rules into the company rules file, one block per
language between "# BEGIN cues es:" and "# END cues es" lines: mining again replaces the block, the
rest of the file is kept. A running daemon reloads the file by itself.

Rows with "reviewed": false (the classifier's own verdicts) are skipped. A language needs at least
200 reviewed complaints and 200 other posts; below that its block is left as it is. The built-in
cue words stay; to use only yours, add "disable: [es.cue.*, en.cue.*]" to the file. Check the
result before keeping it: escucha eval --data on a later export, or escucha replay.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rules == "" {
				cfg, err := loadConfigNoSources(cmd, g)
				if err != nil {
					return err
				}
				rules = cfg.Classifier.RulesFile
			}
			if rules == "" {
				return errors.New("cues: no rules file: pass --rules FILE or set classifier.rules_file")
			}
			src, err := os.ReadFile(rules)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("cues: %w", err)
			}
			out := cmd.OutOrStdout()
			changed := false
			for _, lang := range strings.Split(langs, ",") {
				lang = strings.TrimSpace(lang)
				skipWords, err := classifier.FunctionWords(lang)
				if err != nil {
					return fmt.Errorf("--langs: %w", err)
				}
				var c cuemine.Counts
				for _, path := range args {
					if err := c.AddFile(path, lang); err != nil {
						return fmt.Errorf("cues: %w", err)
					}
				}
				if c.Complaints < minCueSamples || c.Posts-c.Complaints < minCueSamples {
					fmt.Fprintf(out, "%s: %d reviewed complaints and %d other posts: too few to mine (%d each); its cue block is left as it is\n",
						lang, c.Complaints, c.Posts-c.Complaints, minCueSamples)
					continue
				}
				skip := map[string]bool{}
				for _, w := range skipWords {
					skip[w] = true
				}
				cues := c.Cues(p, skip)
				name := "cues " + lang
				block := cuemine.Block{Name: name, Lang: lang, IDPrefix: "custom.cue." + lang, WithLang: true, Source: "escucha cues"}.Write(p, cues, &c)
				if src, err = placeCues(src, name, block); err != nil {
					return fmt.Errorf("cues: %s: %w", rules, err)
				}
				changed = true
				fmt.Fprintf(out, "%s: %d cue words from %d reviewed posts (%d complaints)\n", lang, len(cues), c.Posts, c.Complaints)
			}
			if !changed {
				return nil
			}
			if dry {
				_, err := out.Write(src)
				return err
			}
			return writeRulesFile(rules, src)
		},
	}
	f := cmd.Flags()
	f.StringVar(&rules, "rules", "", "the company rules file to write (default: classifier.rules_file)")
	f.StringVar(&langs, "langs", "es,en", "languages to mine, comma-separated")
	f.IntVar(&p.MinComplaints, "min-complaints", p.MinComplaints, "a word must be in at least this many reviewed complaints")
	f.Float64Var(&p.MinLogOdds, "min-logodds", p.MinLogOdds, "smallest log-odds of a complaint for a word to be a cue")
	f.BoolVar(&dry, "dry-run", false, "print the rules file as it would be written instead of writing it")
	return cmd
}

// placeCues puts the cue block named name into the rules file src: in
// place of the block of that name, else at the end of the file's rules
// list, which must then be the file's last key (a file with no rules key
// gets one).
func placeCues(src []byte, name, block string) ([]byte, error) {
	out, err := cuemine.Replace(src, name, block)
	if !errors.Is(err, cuemine.ErrNoBlock) {
		return out, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	s := string(src)
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	var keys []*yaml.Node
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		keys = doc.Content[0].Content
	}
	i := slices.IndexFunc(keys, func(n *yaml.Node) bool { return n.Value == "rules" })
	switch {
	case i < 0:
		return []byte(s + "rules:\n" + block), nil
	case i == len(keys)-2 && (keys[i+1].Kind == yaml.ScalarNode && keys[i+1].Tag == "!!null" ||
		keys[i+1].Kind == yaml.SequenceNode && keys[i+1].Style&yaml.FlowStyle == 0):
		return []byte(s + block), nil
	}
	return nil, errors.New(`the cue rules go at the end of the rules list: make "rules:" the file's last key, written as a block list ("  - id: …"), then run escucha cues again`)
}

// writeRulesFile checks that the classifier accepts the new rules file,
// then replaces path with it (a temporary file renamed over it, so a
// reloading daemon never reads half a file).
func writeRulesFile(path string, src []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".escucha-rules-*.yaml")
	if err != nil {
		return fmt.Errorf("cues: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(src); err != nil {
		tmp.Close()
		return fmt.Errorf("cues: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cues: %w", err)
	}
	if _, err := classifier.New(classifier.Options{RulesFile: tmp.Name()}); err != nil {
		// The errors name the temporary file: name the real one.
		return fmt.Errorf("cues: %s was not changed, the new rules do not load: %s", path, strings.ReplaceAll(err.Error(), tmp.Name(), path))
	}
	if fi, err := os.Stat(path); err == nil {
		_ = os.Chmod(tmp.Name(), fi.Mode().Perm()) // keep the file's mode; best effort
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cues: %w", err)
	}
	return nil
}
