package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha/config"
)

// globals are the flags every command shares.
type globals struct {
	configFile string
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "escucha",
		Short: "Listen to social media for complaints and suggestions about a brand and alert the people who must answer",
		Long: `escucha finds public posts that mention the brand or its CEO, flags complaints and
suggestions with explainable rules (Spanish and English), pushes each flagged post over NATS
to the executives who must see it, and measures how fast the company answers.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&g.configFile, "config", "c", os.Getenv("ESCUCHA_CONFIG"), "YAML config file (env ESCUCHA_CONFIG)")
	root.AddCommand(
		newRunCmd(g),
		newClassifyCmd(g),
		newEvalCmd(g),
		newReportCmd(g),
		newActionCmd(g, "ack", "Acknowledge an alert, as a phone or the review page does"),
		newActionCmd(g, "responded", "Mark the mention of an alert as publicly answered"),
		newActionCmd(g, "resolve", "Mark the mention of an alert as resolved"),
		newReplayCmd(g),
		newExportCmd(g),
		newCuesCmd(g),
		newConfigCmd(g),
		newPasswdCmd(),
		newVersionCmd(),
	)
	return root
}

// addConfigFlags adds the flags that override config keys.
func addConfigFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("data-dir", "", "directory of the store and the embedded NATS files (data_dir)")
	f.String("http-addr", "", "address of the web server, for example 127.0.0.1:8080 (http.addr)")
	f.String("nats-url", "", "external NATS server; empty embeds one (nats.url)")
	f.String("log-level", "", "debug, info, warn or error (log.level)")
	f.String("language", "", "es or en (language)")
}

// loadConfig loads the configuration for a command. On a problem it
// prints every error, one per line, and returns an exit code of 2.
func loadConfig(cmd *cobra.Command, g *globals, demo bool) (config.Config, error) {
	return configOrExit(cmd, config.LoadOptions{File: g.configFile, Flags: cmd.Flags(), Demo: demo})
}

// loadConfigNoSources loads the configuration for commands that only read
// the store or talk to the daemon, which need no source.
func loadConfigNoSources(cmd *cobra.Command, g *globals) (config.Config, error) {
	return configOrExit(cmd, config.LoadOptions{File: g.configFile, Flags: cmd.Flags(), AllowNoSources: true})
}

func configOrExit(cmd *cobra.Command, opts config.LoadOptions) (config.Config, error) {
	cfg, err := config.Load(opts)
	if err != nil {
		printConfigError(cmd.ErrOrStderr(), err)
		return cfg, exitError{code: 2}
	}
	return cfg, nil
}

// newLogger builds the daemon's logger from config; logs go to w.
func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(c.Level))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// printConfigError prints every configuration problem, one per line.
func printConfigError(w io.Writer, err error) {
	fmt.Fprintln(w, "escucha: configuration is not valid:")
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(w, "  "+line)
	}
}
