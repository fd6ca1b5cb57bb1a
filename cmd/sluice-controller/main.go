// Command sluice-controller runs the sluice Rollout controller (and, once it
// exists, the AnalysisRun controller). It only turns flags into
// controller.Options and calls controller.Run; see package pkg/controller.
//
// Exit codes: 0 after a clean shutdown (SIGTERM or SIGINT), 1 on any error,
// including a lost leader lease. A second signal exits at once with 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"k8s.io/klog/v2"

	"github.com/sluice-dev/sluice/pkg/controller"
	"github.com/sluice-dev/sluice/pkg/version"
)

const name = "sluice-controller"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	o, showVersion, err := parseFlags(args, os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(os.Stderr, "%s: %s (see --help)\n", name, oneLine(err))
		return 1
	case showVersion:
		fmt.Println(name, version.Version)
		return 0
	}
	if err := controller.SetupLogging(o.LogFormat); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	defer klog.Flush()

	ctx := withSignals(context.Background())
	klog.InfoS("Starting "+name, "version", version.Version)
	if err := controller.Run(ctx, o); err != nil {
		klog.Flush()
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, oneLine(err))
		return 1
	}
	return 0
}

// parseFlags turns the command line into validated Options. --help prints the
// flags to helpOut and returns flag.ErrHelp; any other error is returned for
// the caller to print on one line.
func parseFlags(args []string, helpOut io.Writer) (controller.Options, bool, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // printed below for --help only; errors stay on one line
	o := controller.DefaultOptions()
	o.AddFlags(fs)
	controller.AddKlogFlags(fs)
	showVersion := fs.Bool("version", false, "Print the version and exit.")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(helpOut, "Usage: %s [flags]\n\nFlags:\n", name)
		fs.SetOutput(helpOut)
		fs.PrintDefaults()
		return o, false, err
	case err != nil:
		return o, false, err
	case fs.NArg() > 0:
		return o, false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *showVersion:
		return o, true, nil
	}
	return o, false, o.Validate()
}

// withSignals returns a context cancelled by the first SIGTERM or SIGINT; a
// second signal exits the process at once.
func withSignals(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-sigs
		klog.InfoS("Shutting down; send the signal again to exit at once", "signal", s.String())
		cancel()
		<-sigs
		klog.Flush()
		fmt.Fprintf(os.Stderr, "%s: second signal, exiting without draining\n", name)
		os.Exit(1)
	}()
	return ctx
}

// oneLine joins a multi-line error (errors.Join) into one line.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
