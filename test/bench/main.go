// Command bench measures sluice-controller at scale on the local cluster
// (hack/cluster): it starts its own controller process, creates N Rollouts,
// changes every image at once and records how long the wave takes, how fast the
// controller reacts to each event, what it costs in CPU, memory and API
// requests, and how quiet it is afterwards. With --analysis-runs it instead
// measures how punctually the AnalysisRun controller takes measurements.
//
//	go run ./test/bench -n 100 --idle 1m
//	go run ./test/bench --analysis-runs 200
//
// Results go to --out as JSON and Markdown. The cluster may be shared: every
// object lives in one namespace of this run, the Rollouts carry this run's
// --instance-id (so other controllers ignore them), and everything the bench
// created — namespace, extra KWOK nodes, the controller process — is removed at
// the end. See docs/benchmarks.md for the method and the latest results.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	utilrand "k8s.io/apimachinery/pkg/util/rand"
)

// config is the command line.
type config struct {
	n             int
	replicas      int
	istioShare    float64
	analysisShare float64
	judgeShare    float64
	baselineShare float64
	qps           float64
	burst         int
	workers       int
	idle          time.Duration
	timeout       time.Duration
	leaderElect   bool
	pprof         bool
	out           string
	controllerBin string
	controllerArg string
	instanceID    string
	keep          bool
	extraNodes    int
	dumpTimelines bool
	notifications bool
	// createRate and updateRate pace the deploy's creates and the wave's
	// image patches (per second; 0 = all at once), see pacing.go.
	createRate float64
	updateRate float64

	analysisRuns     int
	analysisCount    int
	analysisInterval time.Duration
}

func parseFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&c.n, "n", 1000, "number of Rollouts")
	fs.IntVar(&c.replicas, "replicas", 2, "replicas per Rollout")
	fs.Float64Var(&c.istioShare, "istio-share", 0.25, "share of Rollouts routed through an Istio VirtualService (with stable/canary Services)")
	fs.Float64Var(&c.analysisShare, "analysis-share", 0.25, "share of Rollouts with a Prometheus analysis step")
	fs.Float64Var(&c.judgeShare, "judge-share", 0, "share of Rollouts with a baseline and a judge analysis step (canary against baseline)")
	fs.Float64Var(&c.baselineShare, "baseline-share", 0, "share of Rollouts with a baseline and no analysis")
	fs.Float64Var(&c.qps, "qps", 50, "the controller's --qps (sluice's default 50; the Argo Rollouts reference ran at 40)")
	fs.IntVar(&c.burst, "burst", 100, "the controller's --burst")
	fs.IntVar(&c.workers, "rollout-workers", 30, "the controller's --rollout-workers")
	fs.DurationVar(&c.idle, "idle", 5*time.Minute, "how long to measure the idle controller after the wave")
	fs.DurationVar(&c.timeout, "timeout", 0, "limit for each wait (first deploy, the wave, the analysis runs); 0 = 30m, or 0.4 s per Rollout when that is more")
	fs.BoolVar(&c.leaderElect, "leader-elect", true, "run the controller with leader election, as installed (its Lease lives in the bench namespace)")
	fs.BoolVar(&c.pprof, "pprof", false, "run the controller with --pprof and save a CPU profile of the wave and a heap profile after it")
	fs.StringVar(&c.out, "out", ".bench", "directory for results, the controller's log and profiles")
	fs.StringVar(&c.controllerBin, "controller-bin", "", "sluice-controller binary to run (default: build ./cmd/sluice-controller into --out)")
	fs.StringVar(&c.controllerArg, "controller-args", "", "extra controller arguments, space-separated (e.g. -v=2)")
	fs.StringVar(&c.instanceID, "instance-id", "", "the controller's --instance-id (default: bench-<random>)")
	fs.BoolVar(&c.dumpTimelines, "dump-timelines", false, "write every observed change of the wave to --out/timelines.json (to check the latency derivation)")
	fs.IntVar(&c.extraNodes, "extra-nodes", 0, "add at least this many KWOK nodes (more are added when the pods need them)")
	fs.BoolVar(&c.notifications, "notifications", false, "subscribe every Rollout, with every built-in trigger, to a webhook the bench serves, and report the deliveries (compare with a run without)")
	fs.Float64Var(&c.createRate, "create-rate", 0, "Rollouts created per second in the deploy (0 = all at once)")
	fs.Float64Var(&c.updateRate, "update-rate", 0, "image patches per second in the wave (0 = all at once); spreads the wave so that the cluster keeps up")
	fs.BoolVar(&c.keep, "keep", false, "leave the namespace and extra nodes in place (the controller is always stopped)")
	fs.IntVar(&c.analysisRuns, "analysis-runs", 0, "instead of Rollouts, create this many standalone AnalysisRuns and measure their punctuality")
	fs.IntVar(&c.analysisCount, "analysis-count", 60, "measurements per AnalysisRun (--analysis-runs)")
	fs.DurationVar(&c.analysisInterval, "analysis-interval", time.Second, "interval between measurements (--analysis-runs)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	shares := []float64{c.istioShare, c.analysisShare, c.judgeShare, c.baselineShare}
	if c.n < 1 || c.replicas < 1 || slices.Min(shares) < 0 || c.istioShare+c.analysisShare+c.judgeShare+c.baselineShare > 1 {
		return nil, fmt.Errorf("need -n ≥ 1, --replicas ≥ 1 and shares in [0,1] that sum to at most 1")
	}
	for _, r := range []struct {
		name  string
		value float64
	}{{"--create-rate", c.createRate}, {"--update-rate", c.updateRate}} {
		if !(r.value >= 0) || math.IsInf(r.value, 0) {
			return nil, fmt.Errorf("%s %g: want Rollouts per second ≥ 0 (0 = all at once)", r.name, r.value)
		}
	}
	if c.timeout < 0 {
		return nil, fmt.Errorf("--timeout %s: want a duration ≥ 0 (0 = scaled with -n)", c.timeout)
	}
	if c.timeout == 0 {
		c.timeout = waitLimit(max(c.n, c.analysisRuns))
	}
	if c.instanceID == "" {
		c.instanceID = "bench-" + utilrand.String(5)
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run sets up the environment, runs the chosen benchmark and always tears
// down what it created, even after a failure or Ctrl-C.
func run(ctx context.Context, cfg *config) (err error) {
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	env, err := connect(cfg)
	if err != nil {
		return err
	}
	defer func() {
		// Teardown must run after an interrupt too: use a fresh context.
		cleanup, cancel := context.WithTimeout(context.Background(), teardownLimit(env.peakPods()))
		defer cancel()
		if terr := env.teardown(cleanup); terr != nil {
			logf("teardown: %v", terr)
			if err == nil {
				err = terr
			}
		}
	}()
	if err := env.setUp(ctx); err != nil {
		return err
	}
	var rep *report
	if cfg.analysisRuns > 0 {
		rep, err = runAnalysisBench(ctx, env)
	} else {
		rep, err = runRolloutBench(ctx, env)
	}
	if rep != nil {
		if werr := rep.write(cfg.out); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// splitArgs splits --controller-args on spaces.
func splitArgs(s string) []string { return strings.Fields(s) }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}
