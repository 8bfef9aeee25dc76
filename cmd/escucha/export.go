package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/store"
)

func newExportCmd(g *globals) *cobra.Command {
	var since, until, out string
	var unreviewed bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the mentions people reviewed as labelled JSON Lines, for escucha eval and re-mining the rules",
		Long: `Write the stored mentions the comms team reviewed as labelled JSON Lines: the corrected
label and severity where someone corrected the verdict, the classifier's where someone confirmed it
by marking the mention responded or resolved. The lines have the fields escucha eval --data and
tools/cuemine read (id, lang, text, label, severity, ceo) and where the label came from (reviewed,
classifier_label, rules, source, posted_at, reviewed_by).

It reads the store directly: while the daemon runs, download the same file from the review page's
rules page (/admin/labels.jsonl) instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfigNoSources(cmd, g)
			if err != nil {
				return err
			}
			var q store.LabelQuery
			q.Unreviewed = unreviewed
			if since != "" {
				if q.Since, err = parseSince(since); err != nil {
					return fmt.Errorf("--since: %w", err)
				}
			}
			if until != "" {
				if q.Until, err = parseSince(until); err != nil {
					return fmt.Errorf("--until: %w", err)
				}
			}
			path := filepath.Join(cfg.DataDir, "escucha.db")
			if _, err := os.Stat(path); err != nil {
				return fmt.Errorf("export: no store to read: %w", err)
			}
			st, err := store.Open(path, store.Options{Timeout: 500 * time.Millisecond})
			if err != nil {
				if errors.Is(err, store.ErrLocked) {
					return fmt.Errorf("%w (export reads the store directly: stop the daemon, or download /admin/labels.jsonl from the review page's rules page)", err)
				}
				return err
			}
			defer st.Close()
			w := cmd.OutOrStdout()
			var f *os.File
			if out != "" {
				if f, err = os.Create(out); err != nil {
					return fmt.Errorf("export: %w", err)
				}
				w = f
			}
			n, err := st.ExportLabels(cmd.Context(), w, q)
			if f != nil {
				if cerr := f.Close(); err == nil && cerr != nil {
					err = fmt.Errorf("export: %w", cerr)
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d mentions written (%d complaints, %d suggestions, %d other); %d reviewed, %d corrected\n",
				n.Written, n.ByLabel[escucha.LabelComplaint], n.ByLabel[escucha.LabelSuggestion], n.ByLabel[escucha.LabelOther], n.Reviewed, n.Corrected)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "only mentions posted from this time: a duration back (90d), a date or RFC 3339")
	f.StringVar(&until, "until", "", "only mentions posted before this time")
	f.BoolVar(&unreviewed, "unreviewed", false, `also write the mentions nobody reviewed, with the classifier's verdict and "reviewed": false`)
	f.StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	addConfigFlags(cmd)
	return cmd
}
