// Command escucha listens to social media for mentions of a brand and its
// CEO, flags complaints and suggestions, alerts the people who must see
// them over NATS and reports how fast the company answers.
//
// main only parses flags and turns signals into a context; the work is
// done by the packages it calls (app, classifier, report, notifier).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // recipients' time zones work in a scratch image too
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		fmt.Fprintln(os.Stderr, "escucha:", err)
		return 1
	}
	return 0
}

// exitError carries a specific exit code whose message was already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }
