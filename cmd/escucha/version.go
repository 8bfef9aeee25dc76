package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "escucha %s (%s, %s/%s)\n", escucha.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
