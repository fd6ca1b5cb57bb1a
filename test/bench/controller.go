package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// controllerProc is the sluice-controller process this run started. The
// bench measures it from outside (/proc, /metrics), the way an operator would
// see it, and signals only its PID.
type controllerProc struct {
	cmd         *exec.Cmd
	pid         int
	metricsAddr string
	healthAddr  string
	logPath     string
	exited      chan struct{}
}

// startController builds (unless --controller-bin) and starts the controller
// with this run's instance id, QPS and workers, then waits until it leads and
// its caches are synced. The start-up phase is measured from here.
func (e *env) startController(ctx context.Context) error {
	bin := e.cfg.controllerBin
	if bin == "" {
		bin = filepath.Join(absPath(e.cfg.out), "sluice-controller")
		logf("building %s", bin)
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/sluice-controller")
		build.Dir = e.root
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build sluice-controller: %v\n%s", err, out)
		}
	}
	e.controllerBin = absPath(bin)
	health, err := freeAddr()
	if err != nil {
		return err
	}
	metrics, err := freeAddr()
	if err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + e.info.Kubeconfig,
		"--instance-id=" + e.cfg.instanceID,
		"--health-addr=" + health,
		"--metrics-addr=" + metrics,
		"--prometheus-address=" + e.proxy.url(),
		fmt.Sprintf("--qps=%g", e.cfg.qps),
		fmt.Sprintf("--burst=%d", e.cfg.burst),
		fmt.Sprintf("--rollout-workers=%d", e.cfg.workers),
		fmt.Sprintf("--leader-elect=%v", e.cfg.leaderElect),
		// The Lease goes away with the namespace.
		"--leader-election-namespace=" + e.namespace,
		fmt.Sprintf("--pprof=%v", e.cfg.pprof),
		// Notifications read their ConfigMap from the bench namespace (only
		// --notifications creates one there).
		"--notifications-namespace=" + e.namespace,
	}
	args = append(args, splitArgs(e.cfg.controllerArg)...)
	p := &controllerProc{metricsAddr: metrics, healthAddr: health, logPath: filepath.Join(e.cfg.out, "controller.log"), exited: make(chan struct{})}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		return err
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	// Pdeathsig: should the bench die, its controller dies with it rather than
	// keep reconciling on a shared cluster.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	p.pid = p.cmd.Process.Pid
	go func() {
		_ = p.cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	e.controller = p
	e.sampler = newSampler(p.pid)
	e.startPhase("startup")
	logf("controller pid %d, metrics http://%s/metrics, log %s", p.pid, metrics, p.logPath)
	return p.waitRunning(ctx, 60*time.Second)
}

// waitRunning waits for /readyz to say the controllers run (as leader, or
// without leader election): the informers have synced by then.
func (p *controllerProc) waitRunning(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("sluice-controller exited at start; see %s", p.logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		body, err := httpGet("http://" + p.healthAddr + "/readyz")
		if err == nil && strings.Contains(body, "controllers running") {
			return nil
		}
	}
	return fmt.Errorf("sluice-controller not running after %s; see %s", timeout, p.logPath)
}

// stop sends SIGTERM and waits for a clean exit, SIGKILL after 20 s.
func (p *controllerProc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(p.pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
		<-p.exited
	}
	logf("controller stopped")
}

// alive reports whether the process still runs.
func (p *controllerProc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// saveProfile fetches a pprof endpoint into the output directory.
func (p *controllerProc) saveProfile(path, dest string) error {
	resp, err := http.Get("http://" + p.metricsAddr + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	f, err := os.Create(dest)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func httpGet(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
