package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// writeOutput writes body to the file path, or to standard output.
func writeOutput(cmd *cobra.Command, path string, body []byte) error {
	if path == "" {
		_, err := cmd.OutOrStdout().Write(body)
		return err
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
