package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha/app"
)

func newReportCmd(g *globals) *cobra.Command {
	var req app.ReportRequest
	var out string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Time-to-response report: count, median, p90, max and share within SLA of each interval",
		Long: `Time-to-response report from the store: post→alert, alert→ack, post→response and
post→resolution, with count, median, p90, max and the share within each SLA.
While the daemon runs it answers over NATS; otherwise the store is read directly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfigNoSources(cmd, g)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, nc, err := openStoreOrDaemon(ctx, cfg)
			if err != nil {
				return err
			}
			var body []byte
			if st != nil {
				defer st.Close()
				body, err = app.RenderReport(ctx, st, cfg, req, time.Now())
			} else {
				defer nc.Close()
				body, err = app.RequestReport(ctx, nc, cfg.NATS.Prefix, req)
			}
			if err != nil {
				return err
			}
			return writeOutput(cmd, out, body)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Since, "since", "7d", "start: a duration back (7d, 36h), a date or RFC 3339")
	f.StringVar(&req.Until, "until", "", "end (default now)")
	f.StringVar(&req.By, "by", "", "group by source, label, severity, recipient, day or week")
	f.StringVar(&req.Format, "format", "table", "table, csv, json or html")
	f.StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	addConfigFlags(cmd)
	return cmd
}
