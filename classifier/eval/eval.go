// Package eval measures the classifier on labelled data: it reads JSON
// Lines, CSV, TSV and line-aligned text/label files, maps each data set's
// labels onto complaint / suggestion / other, and prints precision, recall
// and F1 per class and per language, with macro-F1, severity agreement and
// CEO detection where the data has them. `escucha eval` calls Run.
package eval

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	escucha "github.com/escucha/escucha"
	"github.com/escucha/escucha/classifier"
)

// Spec says how to read one labelled data set.
type Spec struct {
	// Name labels the data set in reports.
	Name string
	// Path is the data file.
	Path string
	// Format is "jsonl", "csv", "tsv" or "lines" (one text per line, with
	// labels in LabelsPath); "" guesses from the file name.
	Format string
	// Header says whether a CSV/TSV file starts with a header row. nil
	// means: yes when TextField is not a number.
	Header *bool
	// TextField, LabelField, LangField, IDField, SeverityField and
	// CEOField name fields (JSON keys or CSV header names) or give
	// 0-based column numbers for files without a header.
	TextField, LabelField, LangField, IDField, SeverityField, CEOField string
	// LabelsPath is the label file of the "lines" format.
	LabelsPath string
	// Lang is the language of every row when the data has no language field.
	Lang string
	// Map turns the data set's labels into classifier labels
	// ("1=complaint,0=other"); labels mapped to "" or "skip" are skipped.
	Map map[string]string
	// Classes are the classes scored; predictions outside them count as
	// the last one (for a binary set, "complaint,other" scores a predicted
	// suggestion as not-a-complaint). Default: complaint, suggestion, other.
	Classes []string
	// Limit stops after this many rows (0 = all).
	Limit int
	// ContainsSuggestion scores a text as a suggestion when it carries
	// one (classifier.Proposes), even when its label is complaint: the
	// product lets a grievance win over a proposal in the same post, while
	// SemEval-2019 Task 9 asks only whether a sentence contains a
	// suggestion.
	ContainsSuggestion bool
}

// Example is one labelled text.
type Example struct {
	ID, Text, Lang, Label, Severity string
	CEO                             *bool
}

// ParseMap parses "1=complaint,0=other".
func ParseMap(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("label map %q: want from=to pairs separated by commas", kv)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m, nil
}

// Load reads the examples of a spec.
func Load(s Spec) ([]Example, error) {
	format := s.Format
	if format == "" {
		switch {
		case strings.HasSuffix(s.Path, ".jsonl") || strings.HasSuffix(s.Path, ".ndjson"):
			format = "jsonl"
		case strings.HasSuffix(s.Path, ".tsv"):
			format = "tsv"
		case strings.HasSuffix(s.Path, ".txt"):
			format = "lines"
		default:
			format = "csv"
		}
	}
	var ex []Example
	var err error
	switch format {
	case "jsonl":
		ex, err = loadJSONL(s)
	case "csv", "tsv":
		ex, err = loadCSV(s, format == "tsv")
	case "lines":
		ex, err = loadLines(s)
	default:
		return nil, fmt.Errorf("format %q: want jsonl, csv, tsv or lines", format)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Path, err)
	}
	return ex, nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// mapLabel applies the label map; ok is false when the row is skipped.
func (s Spec) mapLabel(l string) (string, bool) {
	l = strings.TrimSpace(l)
	if s.Map != nil {
		m, ok := s.Map[l]
		if !ok {
			if m, ok = s.Map["*"]; !ok {
				return "", false
			}
		}
		l = m
	}
	if l == "" || l == "skip" {
		return "", false
	}
	return l, true
}

func loadJSONL(s Spec) ([]Example, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tf, lf := orDefault(s.TextField, "text"), orDefault(s.LabelField, "label")
	langF, idF := orDefault(s.LangField, "lang"), orDefault(s.IDField, "id")
	sevF, ceoF := orDefault(s.SeverityField, "severity"), orDefault(s.CEOField, "ceo")
	var out []Example
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		label, ok := s.mapLabel(str(m[lf]))
		if !ok {
			continue
		}
		e := Example{ID: str(m[idF]), Text: str(m[tf]), Lang: orDefault(str(m[langF]), s.Lang), Label: label, Severity: str(m[sevF])}
		if v, ok := m[ceoF].(bool); ok {
			e.CEO = &v
		}
		out = append(out, e)
		if s.Limit > 0 && len(out) >= s.Limit {
			break
		}
	}
	return out, sc.Err()
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func loadCSV(s Spec, tsv bool) ([]Example, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	if tsv {
		r.Comma = '\t'
		r.LazyQuotes = true
	}
	_, numeric := strconv.Atoi(orDefault(s.TextField, "text"))
	header := numeric != nil
	if s.Header != nil {
		header = *s.Header
	}
	col := map[string]int{}
	if header {
		h, err := r.Read()
		if err != nil {
			return nil, err
		}
		for i, n := range h {
			col[strings.TrimSpace(n)] = i
		}
	}
	index := func(name, def string) (int, error) {
		name = orDefault(name, def)
		if name == "" {
			return -1, nil
		}
		if n, err := strconv.Atoi(name); err == nil {
			return n, nil
		}
		if i, ok := col[name]; ok {
			return i, nil
		}
		if def != "" && name == def {
			return -1, nil // optional default column absent
		}
		return -1, fmt.Errorf("no column %q", name)
	}
	ti, err := index(s.TextField, "text")
	if err != nil || ti < 0 {
		return nil, fmt.Errorf("text column: %w", errOr(err))
	}
	li, err := index(s.LabelField, "label")
	if err != nil || li < 0 {
		return nil, fmt.Errorf("label column: %w", errOr(err))
	}
	langI, _ := index(s.LangField, "lang")
	idI, _ := index(s.IDField, "id")
	sevI, _ := index(s.SeverityField, "")
	ceoI, _ := index(s.CEOField, "")
	get := func(rec []string, i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return rec[i]
	}
	var out []Example
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		label, ok := s.mapLabel(get(rec, li))
		if !ok {
			continue
		}
		e := Example{ID: get(rec, idI), Text: get(rec, ti), Lang: orDefault(get(rec, langI), s.Lang), Label: label, Severity: get(rec, sevI)}
		if v, err := strconv.ParseBool(get(rec, ceoI)); err == nil {
			e.CEO = &v
		}
		out = append(out, e)
		if s.Limit > 0 && len(out) >= s.Limit {
			break
		}
	}
	return out, nil
}

func errOr(err error) error {
	if err == nil {
		return errors.New("not found")
	}
	return err
}

func loadLines(s Spec) ([]Example, error) {
	texts, err := readLines(s.Path)
	if err != nil {
		return nil, err
	}
	if s.LabelsPath == "" {
		return nil, errors.New("the lines format needs a labels file")
	}
	labels, err := readLines(s.LabelsPath)
	if err != nil {
		return nil, err
	}
	if len(labels) != len(texts) {
		return nil, fmt.Errorf("%d texts but %d labels", len(texts), len(labels))
	}
	var out []Example
	for i, t := range texts {
		label, ok := s.mapLabel(labels[i])
		if !ok {
			continue
		}
		out = append(out, Example{ID: strconv.Itoa(i + 1), Text: t, Lang: s.Lang, Label: label})
		if s.Limit > 0 && len(out) >= s.Limit {
			break
		}
	}
	return out, nil
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := strings.TrimRight(string(b), "\n")
	return strings.Split(s, "\n"), nil
}

// Counts are the confusion counts of one class.
type Counts struct{ TP, FP, FN int }

// P is precision.
func (c Counts) P() float64 { return ratio(c.TP, c.TP+c.FP) }

// R is recall.
func (c Counts) R() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.P(), c.R()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Report is the result of one evaluation.
type Report struct {
	Name    string
	Classes []string
	// N counts examples per language ("all" for every language).
	N map[string]int
	// ByLang holds per-class counts per language ("all" included).
	ByLang map[string]map[string]*Counts
	// Correct counts exact label matches per language.
	Correct map[string]int
	// Severity agreement on true complaints predicted as complaints.
	SevN, SevExact, SevWithinOne int
	// HighSev counts "high or critical" on those same complaints: the
	// level an alert route with min_severity: high lets through.
	HighSev Counts
	// CEO detection counts, when the data has them.
	CEO Counts
	// Errors are some misclassified examples, for inspection.
	Errors []Miss
}

// Miss is one misclassified example.
type Miss struct {
	Example
	Got    string
	GotSev string
	Rules  []string
	Score  float64
}

// MacroF1 averages F1 over the classes for one language ("all").
func (r *Report) MacroF1(lang string) float64 {
	var s float64
	for _, c := range r.Classes {
		s += r.F1(lang, c)
	}
	return s / float64(len(r.Classes))
}

// F1 is the F1 of one class in one language ("all").
func (r *Report) F1(lang, class string) float64 {
	if m := r.ByLang[lang]; m != nil && m[class] != nil {
		return m[class].F1()
	}
	return 0
}

// Accuracy is the share of exact label matches.
func (r *Report) Accuracy(lang string) float64 { return ratio(r.Correct[lang], r.N[lang]) }

// Langs lists the languages of the report, "all" last.
func (r *Report) Langs() []string {
	var ls []string
	for l := range r.N {
		if l != "all" {
			ls = append(ls, l)
		}
	}
	sort.Strings(ls)
	return append(ls, "all")
}

// Score classifies every example of the data set s and counts agreement.
func Score(c *classifier.Classifier, s Spec, ex []Example, keepErrors int) *Report {
	name, classes := s.Name, s.Classes
	if name == "" {
		name = s.Path
	}
	if len(classes) == 0 {
		classes = []string{"complaint", "suggestion", "other"}
	}
	r := &Report{Name: name, Classes: classes, N: map[string]int{}, ByLang: map[string]map[string]*Counts{}, Correct: map[string]int{}}
	fold := func(l string) string {
		for _, c := range classes {
			if c == l {
				return l
			}
		}
		return classes[len(classes)-1]
	}
	sevRank := func(s string) int { return escucha.Severity(s).Rank() }
	highRank := escucha.SeverityHigh.Rank()
	for _, e := range ex {
		v := c.Classify(e.Text, e.Lang)
		lang := e.Lang
		if lang == "" {
			lang = v.Lang
		}
		got, want := fold(string(v.Label)), fold(e.Label)
		if s.ContainsSuggestion && got != "suggestion" && c.Proposes(v) {
			got = fold("suggestion")
		}
		for _, l := range []string{lang, "all"} {
			r.N[l]++
			m := r.ByLang[l]
			if m == nil {
				m = map[string]*Counts{}
				for _, cl := range classes {
					m[cl] = &Counts{}
				}
				r.ByLang[l] = m
			}
			if got == want {
				r.Correct[l]++
				m[got].TP++
			} else {
				m[got].FP++
				m[want].FN++
			}
		}
		if got != want && len(r.Errors) < keepErrors {
			r.Errors = append(r.Errors, Miss{Example: e, Got: got, GotSev: string(v.Severity), Rules: v.RuleIDs(), Score: v.Score})
		}
		if e.Label == "complaint" && v.Label == escucha.LabelComplaint && sevRank(e.Severity) > 0 {
			r.SevN++
			d := sevRank(e.Severity) - sevRank(string(v.Severity))
			if d == 0 {
				r.SevExact++
			}
			if d >= -1 && d <= 1 {
				r.SevWithinOne++
			}
			switch want, got := sevRank(e.Severity) >= highRank, sevRank(string(v.Severity)) >= highRank; {
			case want && got:
				r.HighSev.TP++
			case want:
				r.HighSev.FN++
			case got:
				r.HighSev.FP++
			}
		}
		if e.CEO != nil {
			switch {
			case *e.CEO && v.CEO:
				r.CEO.TP++
			case *e.CEO:
				r.CEO.FN++
			case v.CEO:
				r.CEO.FP++
			}
		}
	}
	return r
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\n", r.Name)
	fmt.Fprintf(bw, "%-6s %-11s %6s %6s %6s %6s\n", "lang", "class", "P", "R", "F1", "n")
	for _, l := range r.Langs() {
		for _, c := range r.Classes {
			k := r.ByLang[l][c]
			fmt.Fprintf(bw, "%-6s %-11s %6.3f %6.3f %6.3f %6d\n", l, c, k.P(), k.R(), k.F1(), k.TP+k.FN)
		}
		fmt.Fprintf(bw, "%-6s %-11s %20s %6.3f %6d  (accuracy %.3f)\n", l, "macro-F1", "", r.MacroF1(l), r.N[l], r.Accuracy(l))
	}
	if r.SevN > 0 {
		fmt.Fprintf(bw, "severity (true complaints found): exact %.3f, within one level %.3f, n %d\n",
			ratio(r.SevExact, r.SevN), ratio(r.SevWithinOne, r.SevN), r.SevN)
		fmt.Fprintf(bw, "severity high or critical (what a min_severity: high route sends): P %.3f R %.3f F1 %.3f\n",
			r.HighSev.P(), r.HighSev.R(), r.HighSev.F1())
	}
	if r.CEO.TP+r.CEO.FN+r.CEO.FP > 0 {
		fmt.Fprintf(bw, "ceo: P %.3f R %.3f F1 %.3f\n", r.CEO.P(), r.CEO.R(), r.CEO.F1())
	}
	return bw.Flush()
}

// PrintErrors writes the misclassified examples kept in the report.
func (r *Report) PrintErrors(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, m := range r.Errors {
		fmt.Fprintf(bw, "%s [%s] want %s/%s got %s/%s %.2f %v\n    %s\n", m.ID, m.Lang, m.Label, m.Severity, m.Got, m.GotSev, m.Score, m.Rules, strings.ReplaceAll(m.Text, "\n", " "))
	}
	return bw.Flush()
}

// Run loads a data set, scores it and prints the table (and up to
// showErrors misclassified examples).
func Run(w io.Writer, c *classifier.Classifier, s Spec, showErrors int) (*Report, error) {
	ex, err := Load(s)
	if err != nil {
		return nil, err
	}
	if len(ex) == 0 {
		return nil, fmt.Errorf("%s: no labelled rows (check --label-field and --map)", s.Path)
	}
	r := Score(c, s, ex, showErrors)
	if err := r.Print(w); err != nil {
		return nil, err
	}
	if showErrors > 0 {
		if err := r.PrintErrors(w); err != nil {
			return nil, err
		}
	}
	return r, nil
}
