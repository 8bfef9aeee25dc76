package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/escucha/escucha"
	"github.com/escucha/escucha/notifier"
)

// newActionCmd builds `escucha ack|responded|resolve ALERT_ID`.
func newActionCmd(g *globals, name, short string) *cobra.Command {
	kind := escucha.ActionKind(name)
	if name == "resolve" {
		kind = escucha.ActionResolved
	}
	var note, by string
	cmd := &cobra.Command{
		Use:   name + " ALERT_ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfigNoSources(cmd, g)
			if err != nil {
				return err
			}
			id := args[0]
			_, recipient, _, ok := escucha.SplitAlertID(id)
			if !ok {
				return fmt.Errorf("%q is not an alert id (source/post/recipient/step)", id)
			}
			act := escucha.Action{AlertID: id, Action: kind, At: time.Now().UTC(), Note: note, By: by}
			ctx := cmd.Context()
			st, nc, err := openStoreOrDaemon(ctx, cfg)
			if err != nil {
				return err
			}
			if st != nil {
				defer st.Close()
				if act.By == "" {
					act.By = recipient
				}
				if err := st.RecordAction(ctx, act); err != nil {
					return fmt.Errorf("%s %s: %w", name, id, err)
				}
			} else {
				defer nc.Close()
				reply, err := notifier.SendAction(ctx, nc, cfg.NATS.Prefix, act)
				if err != nil {
					return fmt.Errorf("%s %s: %w", name, id, err)
				}
				if !reply.OK {
					return fmt.Errorf("%s %s: %s", name, id, reply.Error)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s at %s\n", id, kind, act.At.Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "a note kept with the action")
	cmd.Flags().StringVar(&by, "by", "", "who takes the action (default: the alert's recipient)")
	addConfigFlags(cmd)
	return cmd
}
