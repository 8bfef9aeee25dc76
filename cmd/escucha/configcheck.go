package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newConfigCmd(g *globals) *cobra.Command {
	cfg := &cobra.Command{Use: "config", Short: "Work with the configuration"}
	var demo bool
	check := &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration; every error names the key and what is wrong",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadConfig(cmd, g, demo)
			if err != nil {
				return err
			}
			where := "built-in defaults"
			if g.configFile != "" {
				where = g.configFile
			}
			fmt.Fprintf(cmd.OutOrStdout(), "configuration OK (%s): brand %q, %d source(s), %d recipient(s), %d route(s)\n",
				where, c.Brand.Name, len(c.Sources), len(c.Recipients), len(c.Routes))
			return nil
		},
	}
	check.Flags().BoolVar(&demo, "demo", false, "check as `escucha run --demo` would run")
	addConfigFlags(check)
	cfg.AddCommand(check)
	return cfg
}
