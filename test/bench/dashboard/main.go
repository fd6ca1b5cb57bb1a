// Command dashboard measures `kubectl sluice dashboard` with many Rollouts on
// the local cluster (hack/cluster): how long the dashboard takes to start
// (its informers filled), to serve the list page and its live part, and how
// long after a Rollout changes in the API server its list page is told
// (Server-Sent Events) and has the new rows in hand; then the same in
// headless Chromium, as a user sees it: the list page loaded, and a change
// shown in it.
//
//	go run ./test/bench/dashboard -n 1000
//
// It creates the Rollouts in a namespace of its own, labelled with an
// instance id no controller serves (so nothing reconciles them: their status
// is written by the bench, a mix of phases), runs the plugin binary as a
// process, and removes the namespace and stops the process at the end. The
// results are printed as a Markdown table (docs/dashboard.md keeps the
// latest).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	n         int
	samples   int
	pluginBin string
	chromium  string
	keep      bool
}

func main() {
	cfg := config{}
	flag.IntVar(&cfg.n, "n", 1000, "number of Rollouts")
	flag.IntVar(&cfg.samples, "samples", 20, "page loads and live updates measured")
	flag.StringVar(&cfg.pluginBin, "plugin-bin", "bin/kubectl-sluice", "the kubectl-sluice binary (make build)")
	flag.StringVar(&cfg.chromium, "chromium", "/usr/bin/chromium", "Chromium for the in-browser timings (\"\": skip them)")
	flag.BoolVar(&cfg.keep, "keep", false, "leave the namespace in place")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard bench:", err)
		os.Exit(1)
	}
}

// run sets up the Rollouts and the dashboard, measures, and tears down.
func run(ctx context.Context, cfg config) error {
	c, err := connect()
	if err != nil {
		return err
	}
	if err := c.createNamespace(ctx); err != nil {
		return err
	}
	if !cfg.keep {
		defer c.deleteNamespace()
	}
	start := time.Now()
	if err := c.createRollouts(ctx, cfg.n); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "created %d Rollouts in %s (namespace %s)\n", cfg.n, time.Since(start).Round(time.Millisecond), c.namespace)

	d, err := startDashboard(ctx, cfg.pluginBin, c)
	if err != nil {
		return err
	}
	defer d.stop()
	fmt.Fprintf(os.Stderr, "dashboard up in %s at %s\n", d.startup.Round(time.Millisecond), d.origin)

	r := results{n: cfg.n, startup: d.startup}
	if r.page, r.pageBytes, err = d.timeGets(ctx, "/", cfg.samples); err != nil {
		return err
	}
	if r.part, r.partBytes, err = d.timeGets(ctx, "/parts/list", cfg.samples); err != nil {
		return err
	}
	if r.attention, _, err = d.timeGets(ctx, "/parts/list?attention=1", cfg.samples); err != nil {
		return err
	}
	if r.event, r.shown, err = d.timeLiveUpdates(ctx, c, cfg.samples); err != nil {
		return err
	}
	if cfg.chromium != "" {
		if r.browser, err = d.timeInBrowser(ctx, c, cfg.chromium, cfg.n, cfg.samples); err != nil {
			return fmt.Errorf("in the browser: %w", err)
		}
	}
	r.rssKiB = d.rssKiB()
	fmt.Print(r.markdown())
	return nil
}
