package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runUp is the `up` command: build what is missing, then start etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, KWOK with its
// nodes, the CRDs, the test exporter and Prometheus, each waited for before
// the next step relies on it. If any step fails, everything started so far is
// stopped again, so a failed `up` leaves nothing behind.
func runUp(ctx context.Context, args []string) (err error) {
	o := options{}
	fs := newFlagSet("up", &o)
	addUpFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("up takes no arguments, got %q", fs.Args())
	}
	if err := o.resolve(); err != nil {
		return err
	}
	if o.nodes < 1 || o.nodes > maxNodes {
		return fmt.Errorf("--nodes must be between 1 and %d", maxNodes)
	}
	unlock, err := lockStateDir(o.stateDir)
	if err != nil {
		return err
	}
	defer unlock()
	if err := refuseIfRunning(o.stateDir); err != nil {
		return err
	}
	promBin := ""
	if o.prometheus {
		if promBin, err = findPrometheus(); err != nil {
			return err
		}
	}
	// Fail on a taken port before spending minutes on a build.
	if err := checkPorts(&o); err != nil {
		return err
	}

	if err := ensureBinaries(ctx, &o); err != nil {
		return err
	}
	start := time.Now()
	if err := resetStateDir(o.stateDir); err != nil {
		return err
	}
	exporterBin, err := buildExporter(ctx, &o)
	if err != nil {
		return err
	}
	// The build may have taken minutes: check the ports again right before
	// they are needed.
	if err := checkPorts(&o); err != nil {
		return err
	}

	r := newRunner(o.stateDir)
	defer func() {
		if err != nil && len(r.procs) > 0 {
			logf("up failed; stopping the %d processes it started", len(r.procs))
			if stopErr := stopProcesses(r.state.Processes, 5*time.Second); stopErr != nil {
				logf("%v", stopErr)
			}
			_ = os.Remove(statePath(o.stateDir))
		}
	}()

	pk, err := writePKI(filepath.Join(o.stateDir, "pki"), net.ParseIP(kubernetesSvcIP))
	if err != nil {
		return err
	}
	cp := &controlPlane{o: &o, pki: pk}
	if err := cp.writeKubeconfigs(); err != nil {
		return err
	}

	step := func(what string, t time.Time) { logf("%-28s %6.1fs", what, time.Since(t).Seconds()) }

	// The exporter and Prometheus do not depend on Kubernetes: start them
	// first and collect them at the end, so their start-up overlaps the
	// control plane's.
	exporter, err := startExporter(&o, r, exporterBin)
	if err != nil {
		return err
	}
	var prom *proc
	if o.prometheus {
		if prom, err = startPrometheus(&o, r, promBin); err != nil {
			return err
		}
	} else {
		logf("Prometheus disabled (--prometheus=false): not starting it")
	}

	t := time.Now()
	if err := cp.startEtcd(ctx, r); err != nil {
		return err
	}
	step("etcd ready", t)
	t = time.Now()
	if err := cp.startAPIServer(ctx, r); err != nil {
		return err
	}
	step("kube-apiserver ready", t)

	t = time.Now()
	kcm, err := cp.startControllerManager(r)
	if err != nil {
		return err
	}
	sched, err := cp.startScheduler(r)
	if err != nil {
		return err
	}
	kwok, err := startKWOK(cp, r)
	if err != nil {
		return err
	}
	if err := createNodes(ctx, cp, o.nodes); err != nil {
		return err
	}
	// CRDs go in while the controllers and nodes come up.
	if err := installCRDs(ctx, cp); err != nil {
		return err
	}
	step("CRDs established", t)
	if err := waitHealthz(ctx, kcm, o.controllerMgrPort); err != nil {
		return err
	}
	if err := waitHealthz(ctx, sched, o.schedulerPort); err != nil {
		return err
	}
	if err := waitNodesReady(ctx, cp, kwok, o.nodes); err != nil {
		return err
	}
	if err := waitDefaultServiceAccount(ctx, cp, kcm); err != nil {
		return err
	}
	step(fmt.Sprintf("%d nodes Ready", o.nodes), t)

	t = time.Now()
	if err := waitExporter(ctx, &o, exporter); err != nil {
		return err
	}
	promURL := ""
	if prom != nil {
		if err := waitPrometheus(ctx, &o, prom); err != nil {
			return err
		}
		promURL = fmt.Sprintf("http://127.0.0.1:%d", o.prometheusPort)
		step("exporter + Prometheus ready", t)
	} else {
		step("exporter ready", t)
	}

	info := ClusterInfo{
		KubernetesVersion: kubernetesVersion,
		Kubeconfig:        cp.adminKC,
		APIServerURL:      cp.apiserver,
		PrometheusURL:     promURL,
		ExporterURL:       fmt.Sprintf("http://127.0.0.1:%d", o.exporterPort),
		BinDir:            o.binDir(),
		Kubectl:           filepath.Join(o.binDir(), "kubectl"),
		StateDir:          o.stateDir,
		LogDir:            r.logDir,
		Nodes:             nodeNames(o.nodes),
		StartedAt:         r.state.StartedAt,
	}
	if err := writeClusterInfo(o.stateDir, info); err != nil {
		return err
	}
	logf("cluster up in %.1fs (Kubernetes %s, %d KWOK nodes); logs in %s", time.Since(start).Seconds(), kubernetesVersion, o.nodes, r.logDir)
	fmt.Printf("KUBECONFIG=%s\n", info.Kubeconfig)
	if promURL != "" {
		fmt.Printf("Prometheus: %s\n", promURL)
	}
	fmt.Printf("Exporter:   %s\n", info.ExporterURL)
	fmt.Printf("Use it with: eval $(go run ./hack/cluster env%[1]s); stop it with: go run ./hack/cluster down%[1]s\n", o.stateDirArg())
	return nil
}

// lockStateDir keeps two `up`/`down` runs off the same state dir at once.
func lockStateDir(stateDir string) (func(), error) {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := tryLockFile(filepath.Join(stateDir, ".lock"))
	if err != nil {
		return nil, fmt.Errorf("another `up` or `down` is running on %s", stateDir)
	}
	return unlock, nil
}

// refuseIfRunning fails when the state dir records a cluster whose processes
// still run, and clears the state of one whose processes are all gone.
func refuseIfRunning(stateDir string) error {
	st, err := readState(stateDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%v (remove it if no cluster is running)", err)
	}
	var live []string
	for _, p := range st.Processes {
		if p.alive() {
			live = append(live, fmt.Sprintf("%s (pid %d)", p.Name, p.PID))
		}
	}
	if len(live) > 0 {
		return fmt.Errorf("a cluster from %s is already running: %s; stop it first with `go run ./hack/cluster down`",
			stateDir, strings.Join(live, ", "))
	}
	logf("removing the stale state of a cluster that is no longer running")
	_ = os.Remove(filepath.Join(stateDir, clusterInfoFile))
	return os.Remove(statePath(stateDir))
}

func checkPorts(o *options) error {
	ports := []struct {
		port       int
		flag, what string
	}{
		{o.etcdPort, "etcd-port", "etcd client"},
		{o.etcdPeerPort, "etcd-peer-port", "etcd peer"},
		{o.apiserverPort, "apiserver-port", "kube-apiserver"},
		{o.controllerMgrPort, "controller-manager-port", "kube-controller-manager"},
		{o.schedulerPort, "scheduler-port", "kube-scheduler"},
		{o.exporterPort, "exporter-port", "test exporter"},
	}
	if o.prometheus {
		ports = append(ports, struct {
			port       int
			flag, what string
		}{o.prometheusPort, "prometheus-port", "Prometheus"})
	}
	seen := map[int]string{}
	for _, p := range ports {
		if other, dup := seen[p.port]; dup {
			return fmt.Errorf("--%s and --%s are both %d", other, p.flag, p.port)
		}
		seen[p.port] = p.flag
		if err := checkPortFree(p.port, p.flag, p.what); err != nil {
			return err
		}
	}
	return nil
}

// resetStateDir removes what a previous cluster left in the state dir (its
// data, certificates and logs), so every `up` starts a fresh cluster. Only
// the harness's own entries are removed: --state-dir may point at a directory
// that holds other files.
func resetStateDir(stateDir string) error {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{
		"etcd", "pki", "logs", "kwok", "prometheus", "bin",
		"kubeconfig", "kube-scheduler.yaml", clusterInfoFile, stateFileName,
	} {
		if err := os.RemoveAll(filepath.Join(stateDir, name)); err != nil {
			return err
		}
	}
	return nil
}
