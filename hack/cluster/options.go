package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Pinned versions. The Kubernetes and etcd versions are also pinned by the
// wrapper modules in k8s/ and etcd/; keep them in step.
const (
	kubernetesVersion = "v1.36.3"
	kwokVersion       = "v0.8.0"
	mainModule        = "github.com/sluice-dev/sluice"
)

// options are the flags shared by the subcommands. Ports default to values
// next to, but not on, the usual ones so that a real cluster or Prometheus on
// the same machine does not collide with the test cluster.
type options struct {
	repoRoot string
	stateDir string
	cacheDir string

	nodes        int
	prometheus   bool
	sluiceCRDs   bool
	exporterRate float64

	etcdPort          int
	etcdPeerPort      int
	apiserverPort     int
	controllerMgrPort int
	schedulerPort     int
	exporterPort      int
	prometheusPort    int

	// apiserverArgs are extra kube-apiserver flags, after the harness's own
	// (the fault suite turns the watch cache off with them).
	apiserverArgs stringList
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// newFlagSet registers the flags common to all commands: where the state and
// the binary cache are.
func newFlagSet(name string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&o.stateDir, "state-dir", "", "directory for the run state: kubeconfig, certificates, etcd data, logs, PIDs (default <repo>/.cluster)")
	return fs
}

// addUpFlags registers the flags that shape a cluster.
func addUpFlags(fs *flag.FlagSet, o *options) {
	fs.IntVar(&o.nodes, "nodes", 4, "number of KWOK nodes (each 64 CPU, 256Gi memory, 1000 pods)")
	fs.BoolVar(&o.sluiceCRDs, "sluice-crds", true, "install sluice's CRDs from manifests/crds (false: only Istio's and Gateway API's)")
	fs.BoolVar(&o.prometheus, "prometheus", true, "start Prometheus scraping the test exporter (needs /usr/bin/prometheus)")
	fs.Float64Var(&o.exporterRate, "exporter-rate", 50, "simulated requests per second and version of the test exporter")
	fs.IntVar(&o.etcdPort, "etcd-port", 12379, "etcd client port")
	fs.IntVar(&o.etcdPeerPort, "etcd-peer-port", 12380, "etcd peer port")
	fs.IntVar(&o.apiserverPort, "apiserver-port", 16443, "kube-apiserver secure port")
	fs.IntVar(&o.controllerMgrPort, "controller-manager-port", 16257, "kube-controller-manager secure (health) port")
	fs.IntVar(&o.schedulerPort, "scheduler-port", 16259, "kube-scheduler secure (health) port")
	fs.IntVar(&o.exporterPort, "exporter-port", 19100, "test exporter port")
	fs.IntVar(&o.prometheusPort, "prometheus-port", 19090, "Prometheus port")
	fs.Var(&o.apiserverArgs, "apiserver-arg", "an extra kube-apiserver flag, e.g. --apiserver-arg=--watch-cache=false (repeatable)")
}

// resolve fills in the defaults that depend on the environment: the repository
// root, the state directory and the binary cache.
func (o *options) resolve() error {
	root, err := findRepoRoot()
	if err != nil {
		return err
	}
	o.repoRoot = root
	if o.stateDir == "" {
		o.stateDir = filepath.Join(root, ".cluster")
	}
	if o.stateDir, err = filepath.Abs(o.stateDir); err != nil {
		return err
	}
	if o.cacheDir, err = cacheRoot(); err != nil {
		return err
	}
	return nil
}

// binDir is where the control-plane binaries for the pinned Kubernetes
// version are cached.
func (o *options) binDir() string {
	return filepath.Join(o.cacheDir, kubernetesVersion, "bin")
}

// cacheRoot is ${SLUICE_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice/cluster}.
// It lives outside the repository so that `git clean` and fresh clones (CI)
// keep the ~300 MB of binaries, and so that worktrees share them.
func cacheRoot() (string, error) {
	if d := os.Getenv("SLUICE_CLUSTER_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find a cache directory (set SLUICE_CLUSTER_CACHE): %w", err)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "sluice", "cluster"), nil
}

// findRepoRoot walks up from the working directory to the go.mod of the
// sluice module. The harness needs the repository for the wrapper modules it
// builds from, the exporter sources and the CRD manifests.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isMainModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run this from inside the sluice repository (no go.mod of " + mainModule + " above the working directory)")
		}
		dir = parent
	}
}

func isMainModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`) == mainModule
		}
	}
	return false
}

// stateDirArg is the --state-dir flag to repeat in hints, empty for the
// default.
func (o *options) stateDirArg() string {
	if o.stateDir == filepath.Join(o.repoRoot, ".cluster") {
		return ""
	}
	return " --state-dir " + o.stateDir
}
