package framework

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The fault-injection suite (test/faults) breaks the control plane of a
// cluster of its own: it stops, restarts and freezes kube-apiserver, stops
// Prometheus and compacts etcd. It does so through hack/cluster's per-process
// commands, which know each process's PID and exact command line and keep
// state.json current, so that `hack/cluster down` still stops what runs.

var (
	clusterToolOnce sync.Once
	clusterTool     string
	clusterToolErr  error
)

// ControlPlane runs `hack/cluster <command> --state-dir <this cluster> args...`
// and returns its trimmed standard output. The tool is built once per test
// binary.
func (c *Cluster) ControlPlane(command string, args ...string) (string, error) {
	if c.Info.StateDir == "" {
		return "", fmt.Errorf("cluster.json has no stateDir: the cluster was started by an older hack/cluster")
	}
	clusterToolOnce.Do(func() {
		root, err := repoRoot()
		if err != nil {
			clusterToolErr = err
			return
		}
		clusterTool = filepath.Join(c.Info.StateDir, "bin", "cluster-tool")
		cmd := exec.Command("go", "build", "-o", clusterTool, "./hack/cluster")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			clusterToolErr = fmt.Errorf("build hack/cluster: %v\n%s", err, out)
		}
	})
	if clusterToolErr != nil {
		return "", clusterToolErr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{command, "--state-dir", c.Info.StateDir}, args...)
	cmd := exec.CommandContext(ctx, clusterTool, full...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/cluster %s: %v: %s", strings.Join(full, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// ProcessPID is the PID of a running control-plane process (kube-apiserver,
// etcd, prometheus, ...).
func (c *Cluster) ProcessPID(name string) (int, error) {
	out, err := c.ControlPlane("pid", name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(out)
}

// StopProcess stops a control-plane process and waits until it is gone.
func (c *Cluster) StopProcess(name string) error {
	_, err := c.ControlPlane("stop-process", name)
	return err
}

// StartProcess starts a stopped control-plane process again with its recorded
// command line. It does not wait for it to be ready.
func (c *Cluster) StartProcess(name string) error {
	_, err := c.ControlPlane("start-process", name)
	return err
}

// SignalProcess sends STOP, CONT, TERM or KILL to a control-plane process.
func (c *Cluster) SignalProcess(name, signal string) error {
	_, err := c.ControlPlane("signal", name, signal)
	return err
}

// CompactEtcd compacts etcd's history up to its current revision and returns
// that revision: any watch from an older resourceVersion that etcd serves
// ends with 410 Gone.
func (c *Cluster) CompactEtcd() (int64, error) {
	out, err := c.ControlPlane("compact")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(out, 10, 64)
}

// APIServerReady reports whether kube-apiserver answers /readyz with ok.
func (c *Cluster) APIServerReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := c.Kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	return err
}

// CPUSeconds is the CPU time (user + system) a process has used so far, from
// /proc/PID/stat.
func CPUSeconds(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(raw)
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	// Linux reports them in clock ticks of USER_HZ, which is 100 on every
	// architecture Go supports.
	return float64(utime+stime) / 100, nil
}

// PID is the controller process's PID, 0 when it does not run.
func (ctl *Controller) PID() int {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	if ctl.cmd == nil || ctl.cmd.Process == nil {
		return 0
	}
	return ctl.cmd.Process.Pid
}
