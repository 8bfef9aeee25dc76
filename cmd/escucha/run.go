package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha/app"
)

func newRunCmd(g *globals) *cobra.Command {
	var demo bool
	var printAlerts string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: listen, classify, store, alert",
		Long: `Run the daemon. With --demo it replays bundled sample mentions (Spanish and English)
with no credentials and prints every alert it publishes; the first one within seconds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd, g, demo)
			if err != nil {
				return err
			}
			log := newLogger(cmd.ErrOrStderr(), cfg.Log)
			opts := app.Options{Config: cfg, Logger: log}
			if printAlerts == "yes" || (printAlerts == "auto" && demo) {
				opts.AlertOutput = cmd.OutOrStdout()
			}
			a, err := app.New(opts)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := a.Start(ctx); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "escucha:", err)
				return exitError{code: 1}
			}
			if demo {
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "\nescucha demo: replaying sample mentions of %q; alerts appear below (Ctrl-C to stop).\n", cfg.Brand.Name)
				if addr := a.HTTPAddr(); addr != "" {
					fmt.Fprintf(out, "  review inbox:  %s/", cfg.HTTP.PublicURL)
					if user, pw := a.DemoCredentials(); user != "" {
						fmt.Fprintf(out, "   (user %s, password %s)", user, pw)
					}
					fmt.Fprintf(out, "\n  phone page:    %s/m/\n  metrics:       %s/metrics\n", cfg.HTTP.PublicURL, cfg.HTTP.PublicURL)
				}
				if url := a.Broker().ClientURL(); url != "" {
					fmt.Fprintf(out, "  NATS:          nats sub -s %s '%s.alerts.>'\n", url, cfg.NATS.Prefix)
				}
				fmt.Fprintln(out)
			}
			<-ctx.Done()
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := a.Stop(stopCtx); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "escucha:", err)
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&demo, "demo", false, "replay the bundled sample mentions (no credentials needed)")
	cmd.Flags().StringVar(&printAlerts, "print-alerts", "auto", "print each alert published: yes, no, or auto (yes with --demo)")
	addConfigFlags(cmd)
	return cmd
}
