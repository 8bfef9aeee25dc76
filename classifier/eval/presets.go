package eval

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/escucha/escucha/classifier"
)

func ptr[T any](v T) *T { return &v }

// Preset is a known data set: how to read it and what was published about
// it, so its row can be printed beside the published figures.
type Preset struct {
	Spec
	// Metric is what the table reports: "macro" (macro-F1 over Classes),
	// "f1:<class>" (F1 of one class) or "all" (complaint and suggestion F1
	// per language and macro-F1).
	Metric string
	// Published is the figure to compare with, in words.
	Published string
	// Suggestions is the scope of suggestions the data set's labels
	// follow when it is not the product's ("any": SemEval-2019 Task 9
	// counts advice to other customers); see classifier.SuggestionsAny.
	Suggestions string
}

// Classifier returns c, or a classifier like it with the suggestions
// scope the preset's labels follow.
func (p Preset) Classifier(c *classifier.Classifier) (*classifier.Classifier, error) {
	if p.Suggestions == "" {
		return c, nil
	}
	return c.WithSuggestions(p.Suggestions)
}

// Presets maps a name to a data set under the project's data directory
// (shared/data). `escucha eval --preset NAME --data-dir DIR` uses them.
func Presets() map[string]Preset {
	bin := []string{"complaint", "other"}
	sug := []string{"suggestion", "other"}
	neg := map[string]string{"negative": "complaint", "neutral": "other", "positive": "other"}
	tass := func(v string) Preset {
		return Preset{Spec: Spec{Name: "TASS 2020 dev " + v + " (N as complaint proxy)", Path: "external/tass2020-task1/dev/" + v + ".tsv", Format: "tsv",
			Header: ptr(false), IDField: "0", TextField: "1", LabelField: "2", Lang: "es",
			Map: map[string]string{"N": "complaint", "NEU": "other", "P": "other"}, Classes: bin},
			Metric: "macro", Published: "polarity, not complaints: no comparable figure"}
	}
	// SemEval-2019 Task 9 files: "id,sentence,label" CSV, with a header
	// row in the trial files only; scored under SemEval's own definition
	// of a suggestion (classifier.SuggestionsAny), and a sentence that
	// carries one counts even when a grievance in it wins the label.
	semeval := func(name, path string, header bool, published string) Preset {
		s := Spec{Name: "SemEval-2019 Task 9 " + name, Path: "external/semeval2019-task9/" + path, Lang: "en",
			Map: map[string]string{"1": "suggestion", "0": "other"}, Classes: sug, ContainsSuggestion: true}
		if header {
			s.IDField, s.TextField, s.LabelField = "id", "sentence", "label"
		} else {
			s.Format, s.Header, s.IDField, s.TextField, s.LabelField = "csv", ptr(false), "0", "1", "2"
		}
		return Preset{Spec: s, Metric: "f1:suggestion", Published: published, Suggestions: classifier.SuggestionsAny}
	}
	return map[string]Preset{
		"dev": {Spec: Spec{Name: "escucha dev (600 bilingual brand mentions)", Path: "dev/mentions-dev.jsonl"},
			Metric: "all", Published: "target on the private set: complaint F1 >= 0.85, suggestion F1 >= 0.80 per language; sentiment peers ~0.45"},
		"preotiuc": {Spec: Spec{Name: "Preotiuc-Pietro et al. 2019 complaints (dev half)", Path: "external/complaints-preotiuc2019/complaints-dev.csv",
			Format: "csv", Header: ptr(false), IDField: "0", TextField: "1", LabelField: "2", Lang: "en",
			Map: map[string]string{"1": "complaint", "0": "other"}, Classes: bin},
			Metric: "macro", Published: "macro-F1: bag-of-words LR 77.5 (target 0.78), VADER LR 54.2, best 79.0; govader ~0.63"},
		"xci": {Spec: Spec{Name: "X-CI complaints (dev half)", Path: "external/complaints-xci-severity/xci-severity-dev.csv",
			TextField: "tweet", LabelField: "label", IDField: "id", Lang: "en",
			Map: map[string]string{"1": "complaint", "0": "other"}, Classes: bin},
			Metric: "macro", Published: "binary macro-F1 88.2 (Jin & Aletras 2021, multi-task transformer)"},
		"semeval-a-trial": semeval("A trial", "subtask-a/SubtaskA_Trial_Test_Labeled.csv", true, "test A: NTUA-ISLab rules 0.749, best 0.781, baseline 0.268"),
		"semeval-a-train": semeval("A train", "subtask-a/V1.4_Training.csv", false, "(training data; no published figure)"),
		"semeval-b-trial": semeval("B trial (hotels)", "subtask-b/SubtaskB_Trial_Test_Labeled.csv", true, "test B: NTUA-ISLab rules 0.858 (1st), OleNet 0.858"),
		// The test files are held out (not in shared/data): the rows appear
		// in --all when the files are put beside the trial ones.
		"semeval-a-test": semeval("A test", "subtask-a/SubtaskA_EvaluationData_labeled.csv", false, "NTUA-ISLab rules 0.749, best 0.781, baseline 0.268"),
		"semeval-b-test": semeval("B test (hotels)", "subtask-b/SubtaskB_EvaluationData_labeled.csv", false, "NTUA-ISLab rules 0.858 (1st), OleNet 0.858"),
		"spanish-airline": {Spec: Spec{Name: "Spanish airline tweets (negative as complaint proxy)", Path: "external/spanish-airline-tweets/tweets_public.csv",
			TextField: "text", LabelField: "airline_sentiment", IDField: "tweet_id", Lang: "es", Map: neg, Classes: bin},
			Metric: "macro", Published: "none published (proxy labels)"},
		"us-airline": {Spec: Spec{Name: "Twitter US airline sentiment (negative as complaint proxy)", Path: "external/twitter-us-airline-sentiment/Tweets.csv",
			TextField: "text", LabelField: "airline_sentiment", IDField: "tweet_id", Lang: "en", Map: neg, Classes: bin},
			Metric: "macro", Published: "3-class sentiment accuracy: LR 0.79, VADER 0.50 (not comparable)"},
		"tweeteval": {Spec: Spec{Name: "TweetEval sentiment test (negative as complaint proxy)", Path: "external/tweeteval-sentiment/test_text.txt",
			Format: "lines", LabelsPath: "external/tweeteval-sentiment/test_labels.txt", Lang: "en",
			Map: map[string]string{"0": "complaint", "1": "other", "2": "other"}, Classes: bin},
			Metric: "macro", Published: "3-class macro recall: SVM 62.9, TimeLMs 73.7 (not comparable)"},
		"twacs": {Spec: Spec{Name: "TwACS airline intents (NEWFEAT as suggestion)", Path: "external/twacs-airline-intents/airlines_raw.labelled.csv",
			TextField: "first_utterance", LabelField: "tag", IDField: "first_tweet_id", Lang: "en",
			Map: map[string]string{"NEWFEAT": "suggestion", "*": "other"}, Classes: sug},
			Metric: "f1:suggestion", Published: "intent clustering only (not comparable)"},
		"tass-es": tass("es"), "tass-mx": tass("mx"), "tass-cr": tass("cr"), "tass-pe": tass("pe"), "tass-uy": tass("uy"),
	}
}

// PresetNames lists the presets in the order of the docs table.
var PresetNames = []string{"dev", "preotiuc", "xci", "semeval-a-trial", "semeval-a-train", "semeval-a-test", "semeval-b-trial", "semeval-b-test", "twacs",
	"spanish-airline", "us-airline", "tweeteval", "tass-es", "tass-mx", "tass-cr", "tass-pe", "tass-uy"}

// Resolve returns the preset's spec with paths under dataDir.
func (p Preset) Resolve(dataDir string) Spec {
	s := p.Spec
	s.Path = filepath.Join(dataDir, s.Path)
	if s.LabelsPath != "" {
		s.LabelsPath = filepath.Join(dataDir, s.LabelsPath)
	}
	return s
}

// Headline returns the one-line figure of a report under the preset's
// metric.
func (p Preset) Headline(r *Report) string {
	switch {
	case p.Metric == "all":
		var b strings.Builder
		for _, l := range r.Langs() {
			fmt.Fprintf(&b, "%s: complaint %.3f, suggestion %.3f, macro %.3f; ", l, r.F1(l, "complaint"), r.F1(l, "suggestion"), r.MacroF1(l))
		}
		return strings.TrimSuffix(b.String(), "; ")
	case strings.HasPrefix(p.Metric, "f1:"):
		cl := strings.TrimPrefix(p.Metric, "f1:")
		k := r.ByLang["all"][cl]
		return fmt.Sprintf("%s F1 %.3f (P %.3f R %.3f)", cl, k.F1(), k.P(), k.R())
	default:
		k := r.ByLang["all"][r.Classes[0]]
		return fmt.Sprintf("macro-F1 %.3f (%s F1 %.3f, P %.3f R %.3f; accuracy %.3f)", r.MacroF1("all"), r.Classes[0], k.F1(), k.P(), k.R(), r.Accuracy("all"))
	}
}

// RunAll scores every preset whose file exists under dataDir and writes a
// Markdown table with the published figures beside each row.
func RunAll(w io.Writer, c *classifier.Classifier, dataDir string) (map[string]*Report, error) {
	bw := bufio.NewWriter(w)
	out := map[string]*Report{}
	fmt.Fprintln(bw, "| data set | rows | escucha | published / reference |")
	fmt.Fprintln(bw, "|---|---|---|---|")
	ps := Presets()
	for _, name := range PresetNames {
		p := ps[name]
		s := p.Resolve(dataDir)
		if _, err := os.Stat(s.Path); err != nil {
			continue
		}
		ex, err := Load(s)
		if err != nil {
			return nil, err
		}
		pc, err := p.Classifier(c)
		if err != nil {
			return nil, err
		}
		r := Score(pc, s, ex, 0)
		out[name] = r
		fmt.Fprintf(bw, "| %s (`%s`) | %d | %s | %s |\n", s.Name, name, r.N["all"], p.Headline(r), p.Published)
	}
	return out, bw.Flush()
}
