package main

import (
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha/app"
	"github.com/escucha/escucha/classifier"
	"github.com/escucha/escucha/store"
)

func newReplayCmd(g *globals) *cobra.Command {
	var rules string
	var since string
	var all bool
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Run stored mentions through (new) rules and show which verdicts would change",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfigNoSources(cmd, g)
			if err != nil {
				return err
			}
			if rules == "" {
				rules = cfg.Classifier.RulesFile
			}
			opts := classifier.OptionsFrom(cfg)
			opts.RulesFile = rules
			c, err := classifier.New(opts)
			if err != nil {
				return err
			}
			st, err := store.Open(filepath.Join(cfg.DataDir, "escucha.db"), store.Options{Timeout: 500 * time.Millisecond})
			if err != nil {
				return fmt.Errorf("%w (replay reads the store directly: stop the daemon or copy the file)", err)
			}
			defer st.Close()
			q := store.MentionQuery{}
			if since != "" {
				if q.Since, err = parseSince(since); err != nil {
					return err
				}
			}
			ms, err := st.Mentions(cmd.Context(), q)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MENTION\tBEFORE\tAFTER\tRULES NOW")
			changed := 0
			for _, m := range ms {
				v := c.Classify(m.Mention.Text, m.Mention.Lang)
				old := m.Verdict
				same := v.Label == old.Label && v.Severity == old.Severity && v.CEO == old.CEO
				if same && !all {
					continue
				}
				if !same {
					changed++
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", m.Mention.Key(), verdictWord(string(old.Label), string(old.Severity), old.CEO),
					verdictWord(string(v.Label), string(v.Severity), v.CEO), v.RuleIDs())
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\n%d of %d stored mentions would change.\n", changed, len(ms))
			return nil
		},
	}
	cmd.Flags().StringVar(&rules, "rules", "", "rules file to try (default: classifier.rules_file)")
	cmd.Flags().StringVar(&since, "since", "", "only mentions posted after this (7d, 2026-11-20, RFC 3339)")
	cmd.Flags().BoolVar(&all, "all", false, "list unchanged mentions too")
	addConfigFlags(cmd)
	return cmd
}

func verdictWord(label, severity string, ceo bool) string {
	s := label
	if severity != "" {
		s += "/" + severity
	}
	if ceo {
		s += "+ceo"
	}
	return s
}

func parseSince(s string) (time.Time, error) {
	return app.ParseTime(s, time.Now())
}
