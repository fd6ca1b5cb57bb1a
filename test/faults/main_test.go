//go:build faults

// Package faults is sluice's fault-injection suite (docs/reliability.md):
// each scenario runs a plain canary, an Istio-routed canary, a canary with a
// Prometheus step analysis and a blue-green with a pre-promotion analysis side
// by side while it breaks something — the controller, the API server, etcd's
// history, Prometheus, the leader, or another writer's edits — and checks the
// invariants of SPEC §2.7 every ~200 ms and the end state of every release.
//
// It stops, restarts and freezes the API server of the cluster it runs on, so
// it runs on a cluster of its own (`make test-faults`, or `make faults` on one
// started with `make faults-cluster-up`), never on the shared e2e cluster.
// Scenarios whose fault hits the whole cluster run one at a time; the others
// run in parallel, each with controllers and an instance id of its own.
//
// Random choices (when to kill, freeze or cut) come from one seed, printed at
// the start; SLUICE_FAULT_SEED=N replays them.
package faults

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	utilrand "k8s.io/apimachinery/pkg/util/rand"

	"github.com/sluice-dev/sluice/test/e2e/framework"
)

var (
	cluster       *framework.Cluster
	controllerBin string
	seed          uint64
)

func TestMain(m *testing.M) {
	cluster = framework.MustConnect()
	if err := refuseSharedCluster(cluster.Info); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	seed = uint64(time.Now().UnixNano())
	if s := os.Getenv("SLUICE_FAULT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "faults: SLUICE_FAULT_SEED=%q is not a number\n", s)
			os.Exit(1)
		}
		seed = v
	}
	fmt.Printf("fault seed %d (replay with SLUICE_FAULT_SEED=%d)\n", seed, seed)
	var err error
	if controllerBin, err = buildController(); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// refuseSharedCluster keeps the suite off the e2e cluster in <repo>/.cluster,
// which other test runs share: it would break it for them.
func refuseSharedCluster(info *framework.ClusterInfo) error {
	if info.StateDir == "" {
		return fmt.Errorf("cluster.json has no stateDir; start the fault cluster with `make faults-cluster-up`")
	}
	if filepath.Base(info.StateDir) == ".cluster" {
		return fmt.Errorf("refusing to inject faults into the shared cluster in %s: set SLUICE_CLUSTER_DIR to the fault cluster (make test-faults, or make faults-cluster-up and make faults)", info.StateDir)
	}
	return nil
}

// buildController returns $SLUICE_CONTROLLER_BIN (set by the Makefile), or
// builds the controller into the fault cluster's state dir.
func buildController() (string, error) {
	if bin := os.Getenv("SLUICE_CONTROLLER_BIN"); bin != "" {
		return framework.BuildController(cluster.Info)
	}
	bin := filepath.Join(cluster.Info.StateDir, "bin", "sluice-controller")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/sluice-dev/sluice/cmd/sluice-controller")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build sluice-controller: %v\n%s", err, out)
	}
	return bin, nil
}

// rngFor is the scenario's own random stream: the run's seed and the test's
// name, so that one scenario's choices do not depend on another's.
func rngFor(t *testing.T) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(t.Name()))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// between is a random duration in [lo, hi).
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// scenario is one fault-injection test: its namespaces, its controllers and
// the releases it runs.
type scenario struct {
	t        *testing.T
	f        *framework.Framework
	id       string // the instance id of its controllers
	rng      *rand.Rand
	releases []*release
	ctls     []*framework.Controller
}

func newScenario(t *testing.T) *scenario {
	s := &scenario{t: t, f: cluster.New(t), id: "faults-" + utilrand.String(6), rng: rngFor(t)}
	s.f.OnFailure(func() {
		for _, ctl := range s.ctls {
			t.Logf("controller log %s", ctl.LogPath)
			ctl.DumpLogTo(t)
		}
	})
	return s
}

// startController starts a controller process for the scenario's releases;
// extra flags override NewController's defaults. Its log stays in the fault
// cluster's log dir until the next `up`.
func (s *scenario) startController(name string, extra ...string) *framework.Controller {
	s.t.Helper()
	ctl, err := cluster.NewController(controllerBin, append([]string{"--instance-id=" + s.id}, extra...)...)
	if err != nil {
		s.t.Fatal(err)
	}
	ctl.LogPath = filepath.Join(cluster.Info.LogDir, fmt.Sprintf("sluice-controller-%s-%s.log", s.f.Namespace, name))
	s.t.Cleanup(ctl.Stop)
	if err := ctl.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.ctls = append(s.ctls, ctl)
	return ctl
}

// deploy creates each release and waits for its first revision.
func (s *scenario) deploy(kinds []releaseKind, opts map[releaseKind]releaseOptions) {
	s.t.Helper()
	for _, k := range kinds {
		s.releases = append(s.releases, s.deployRelease(k, opts[k]))
	}
}

// run starts every release, runs the fault while the invariant checker
// samples, waits until each release reaches its wanted end state, and fails
// the test on any violation.
func (s *scenario) run(fault func()) {
	s.t.Helper()
	checker := startChecker(cluster, s.releases)
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			checker.stop()
		}
	}
	defer stop()
	for _, r := range s.releases {
		r.start()
	}
	fault()
	s.waitSettled(3 * time.Minute)
	stop()
	s.expectNoViolations(checker)
	s.expectReplicaSets()
}

// waitSettled waits until every release is in its wanted end state.
func (s *scenario) waitSettled(timeout time.Duration) {
	s.t.Helper()
	s.f.Eventually("every release reaches the end state its steps and analyses decide", timeout, func() (bool, string) {
		for _, r := range s.releases {
			if ok, desc := r.settled(); !ok {
				return false, fmt.Sprintf("want %s: %s", r.want, desc)
			}
		}
		return true, ""
	})
}

func (s *scenario) expectNoViolations(ch *invariantChecker) {
	s.t.Helper()
	violations, samples, missed, lastMissed := ch.report()
	s.t.Logf("invariants: %d samples, %d missed (API server unreachable; last: %s)", samples, missed, lastMissed)
	if samples < 10 {
		s.t.Errorf("only %d samples of the invariants: the checker did not run", samples)
	}
	for _, v := range violations {
		s.t.Errorf("invariant broken: %s", v)
	}
}

// expectReplicaSets: each release ends with exactly two ReplicaSets, the old
// revision's and the new one's: no extra ReplicaSet however often it was
// interrupted.
func (s *scenario) expectReplicaSets() {
	s.t.Helper()
	for _, r := range s.releases {
		if n := len(r.g.ReplicaSets(r.name)); n != 2 {
			s.t.Errorf("%s/%s has %d ReplicaSets, want 2", r.g.Namespace, r.name, n)
		}
	}
}
