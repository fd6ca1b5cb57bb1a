// Command cluster runs sluice's local Kubernetes test cluster: a real control
// plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) on
// 127.0.0.1, KWOK-simulated nodes whose pods follow the stages in
// kwok-stages.yaml, a test metrics exporter and a Prometheus that scrapes it.
// End-to-end tests, `make demo` and the benchmarks all run against it.
//
//	go run ./hack/cluster up      build what is missing, start everything
//	go run ./hack/cluster down    stop exactly the processes `up` started
//	go run ./hack/cluster env     print shell exports (eval $(... env))
//	go run ./hack/cluster build   only build the binaries into the cache
//
// and, for the fault-injection suite (test/faults), on one recorded process:
// pid, signal, stop-process, start-process, and compact (etcd).
//
// Binaries are cached outside the repository (see cacheRoot); the run state
// (certificates, kubeconfig, etcd data, logs, PIDs) lives in --state-dir.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: go run ./hack/cluster <command> [flags]

commands:
  up      build missing binaries, then start the test cluster
  down    stop the processes started by up (idempotent)
  env     print shell exports for the running cluster: eval $(go run ./hack/cluster env)
  build   build missing binaries into the cache and exit

fault injection (test/faults), on one process recorded in state.json:
  pid NAME             print its PID
  signal NAME SIG      send STOP, CONT, TERM or KILL
  stop-process NAME    stop it (SIGTERM, SIGKILL after 10s) and wait until it is gone
  start-process NAME   start it again with its recorded command line; records the new PID
  compact              compact etcd up to its current revision (older watches get 410 Gone)

Run "go run ./hack/cluster <command> -h" for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	closeInheritedFDs()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "up":
		err = runUp(ctx, args)
	case "down":
		err = runDown(ctx, args)
	case "env":
		err = runEnv(args)
	case "build":
		err = runBuild(ctx, args)
	case "pid":
		err = runPID(args)
	case "signal":
		err = runSignal(args)
	case "stop-process":
		err = runStopProcess(args)
	case "start-process":
		err = runStartProcess(args)
	case "compact":
		err = runCompact(ctx, args)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "cluster: %v\n", err)
		}
		os.Exit(1)
	}
}
