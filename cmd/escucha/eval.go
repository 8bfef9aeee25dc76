package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha/classifier"
	"github.com/escucha/escucha/classifier/eval"
)

func newEvalCmd(g *globals) *cobra.Command {
	var spec eval.Spec
	var mapping, classes, preset, dataDir string
	var all bool
	var showErrors int
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Measure the classifier on labelled data: precision, recall and F1 per class and language",
		Long: `Measure the classifier on a labelled data set (JSON Lines, CSV, TSV, or text lines with
a label file). Print precision, recall and F1 per class and per language, and macro-F1.

  escucha eval --data mentions.jsonl
  escucha eval --data complaints.csv --text-field text --label-field label --map 1=complaint,0=other --classes complaint,other
  escucha eval --preset semeval-a-trial --datasets ../shared/data
  escucha eval --all --datasets ../shared/data      # every known data set, Markdown table

Presets: ` + strings.Join(eval.PresetNames, ", "),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfigNoSources(cmd, g)
			if err != nil {
				return err
			}
			c, err := classifier.New(classifier.OptionsFrom(cfg))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if all {
				if dataDir == "" {
					return errors.New("--all needs --datasets (the folder with dev/ and external/)")
				}
				_, err := eval.RunAll(out, c, dataDir)
				return err
			}
			if preset != "" {
				p, ok := eval.Presets()[preset]
				if !ok {
					names := append([]string(nil), eval.PresetNames...)
					sort.Strings(names)
					return fmt.Errorf("--preset %q: unknown; use one of %s", preset, strings.Join(names, ", "))
				}
				if dataDir == "" {
					return errors.New("--preset needs --datasets (the folder with dev/ and external/)")
				}
				s := p.Resolve(dataDir)
				pc, err := p.Classifier(c)
				if err != nil {
					return err
				}
				rep, err := eval.Run(out, pc, s, showErrors)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "\n%s: %s (published: %s)\n", preset, p.Headline(rep), p.Published)
				return nil
			}
			if spec.Path == "" {
				return errors.New("give --data FILE, --preset NAME or --all")
			}
			if mapping != "" {
				if spec.Map, err = eval.ParseMap(mapping); err != nil {
					return fmt.Errorf("--map: %w", err)
				}
			}
			if classes != "" {
				spec.Classes = strings.Split(classes, ",")
			}
			if spec.Name == "" {
				spec.Name = spec.Path
			}
			_, err = eval.Run(out, c, spec, showErrors)
			return err
		},
	}
	f := cmd.Flags()
	f.String("suggestions", "", "brand (proposals to the company) or any (advice to other customers too) (classifier.suggestions)")
	f.StringVar(&spec.Path, "data", "", "labelled data file")
	f.StringVar(&spec.Format, "format", "", "jsonl, csv, tsv or lines (default: from the file name)")
	f.StringVar(&spec.TextField, "text-field", "", "field or column of the text (default text)")
	f.StringVar(&spec.LabelField, "label-field", "", "field or column of the label (default label)")
	f.StringVar(&spec.LangField, "lang-field", "", "field or column of the language")
	f.StringVar(&spec.IDField, "id-field", "", "field or column of the id")
	f.StringVar(&spec.SeverityField, "severity-field", "", "field or column of the severity")
	f.StringVar(&spec.CEOField, "ceo-field", "", "field or column saying whether the post addresses the CEO")
	f.StringVar(&spec.LabelsPath, "labels", "", "label file for --format lines")
	f.StringVar(&spec.Lang, "lang", "", "language of every row when the data has none")
	f.StringVar(&mapping, "map", "", "map the data's labels, for example 1=complaint,0=other")
	f.StringVar(&classes, "classes", "", "classes to score, for example complaint,other")
	f.IntVar(&showErrors, "errors", 0, "print up to this many misclassified examples")
	f.StringVar(&preset, "preset", "", "a known data set (see the list above)")
	f.StringVar(&dataDir, "datasets", "", "folder holding dev/ and external/ for --preset and --all")
	f.BoolVar(&all, "all", false, "evaluate every known data set found under --datasets")
	addConfigFlags(cmd)
	return cmd
}
