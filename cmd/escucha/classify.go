package main

import (
	"os"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha/classifier"
)

func newClassifyCmd(g *globals) *cobra.Command {
	var workers int
	var lang string
	cmd := &cobra.Command{
		Use:   "classify [TEXT ...]",
		Short: "Classify texts: with TEXT print each verdict for a person; without, JSON Lines in and out",
		Long: `With TEXT arguments, print each verdict (label, severity, language, CEO, score and the
rules that fired with the words they matched). Without arguments, read JSON Lines on standard
input ({"id","text","lang"?}) and write one JSON Lines verdict per input line, in order:
{"id","label","severity","lang","ceo","score","rules"}. A bad line gets {"id","error"}.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfigNoSources(cmd, g)
			if err != nil {
				return err
			}
			// Compiling the rules allocates ~4 MB on a fresh heap, which
			// would run garbage collections for nothing (~2 ms of a start-up
			// of ~20 ms), and classifying keeps a few MB live: the collector
			// waits until the rules are built, then runs at GOGC=400, unless
			// GOGC is set.
			tuneGC := os.Getenv("GOGC") == ""
			if tuneGC {
				prev := debug.SetGCPercent(-1)
				defer debug.SetGCPercent(prev)
			}
			c, err := classifier.New(classifier.OptionsFrom(cfg))
			if tuneGC {
				debug.SetGCPercent(400)
			}
			if err != nil {
				return err
			}
			if len(args) > 0 {
				ui := cfg.Language
				if lang != "" {
					ui = lang
				}
				return classifier.PrintVerdicts(cmd.OutOrStdout(), c, args, ui)
			}
			return classifier.ClassifyJSONL(cmd.Context(), c, os.Stdin, cmd.OutOrStdout(), workers)
		},
	}
	cmd.Flags().IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "classifier goroutines for JSON Lines input")
	cmd.Flags().String("suggestions", "", "brand (proposals to the company) or any (advice to other customers too) (classifier.suggestions)")
	cmd.Flags().StringVar(&lang, "ui-language", "", "language of the printed explanation: es or en (default: config language)")
	addConfigFlags(cmd)
	return cmd
}
