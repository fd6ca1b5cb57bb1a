// Command kubectl-sluice is the kubectl plugin for sluice (`kubectl sluice ...`).
// Installed on PATH as kubectl-sluice, kubectl finds it as a plugin.
//
// Exit codes: 0 success, 1 failure (or a Degraded rollout), 2 a command line error
// or a timeout of `status -t`. Errors are one line on stderr.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluice-dev/sluice/pkg/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.NewRootCommand().ExecuteContext(ctx)
	stop()
	os.Exit(cli.ReportError(os.Stderr, err))
}
