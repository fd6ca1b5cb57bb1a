package framework

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Controller runs sluice-controller as a real process against the local cluster,
// the way an operator would, with its log in a file.
type Controller struct {
	Binary  string
	Args    []string
	LogPath string

	mu          sync.Mutex
	cmd         *exec.Cmd
	exited      chan struct{}
	exitCode    int
	healthAddr  string
	metricsAddr string
	starts      int
}

// httpClient bounds every request to a controller's endpoints: a suspended
// (SIGSTOP) process accepts connections but never answers.
var httpClient = &http.Client{Timeout: 5 * time.Second}

// BuildController builds cmd/sluice-controller into the cluster state directory,
// or uses $SLUICE_CONTROLLER_BIN when set (the Makefile builds it once).
func BuildController(info *ClusterInfo) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	if bin := os.Getenv("SLUICE_CONTROLLER_BIN"); bin != "" {
		if !filepath.IsAbs(bin) {
			bin = filepath.Join(root, bin) // relative to the repository, not the test's directory
		}
		return bin, nil
	}
	bin := filepath.Join(root, ".cluster", "bin", "sluice-controller")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/sluice-controller")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build sluice-controller: %v\n%s", err, out)
	}
	return bin, nil
}

// NewController prepares a controller process; extra arguments are appended to
// the defaults (the cluster's kubeconfig, no leader election, loopback ports).
func (c *Cluster) NewController(binary string, extra ...string) (*Controller, error) {
	health, err := freePort()
	if err != nil {
		return nil, err
	}
	metrics, err := freePort()
	if err != nil {
		return nil, err
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--kubeconfig=" + c.Info.Kubeconfig,
		"--leader-elect=false",
		"--health-addr=" + health,
		"--metrics-addr=" + metrics,
		"--prometheus-address=" + c.Info.PrometheusURL,
		"--instance-id=" + c.InstanceID,
		"-v=2",
	}, extra...)
	return &Controller{Binary: binary, Args: args, healthAddr: health, metricsAddr: metrics,
		LogPath: filepath.Join(root, ".cluster", "logs", "sluice-controller-e2e.log")}, nil
}

// Start launches the process and waits until /healthz answers.
func (ctl *Controller) Start() error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	logFile, err := os.OpenFile(ctl.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	ctl.starts++
	fmt.Fprintf(logFile, "==== start %d at %s ====\n", ctl.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(ctl.Binary, ctl.Args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", ctl.Binary, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		ctl.mu.Lock()
		ctl.exitCode = cmd.ProcessState.ExitCode() // -1 when a signal ended it
		ctl.mu.Unlock()
		logFile.Close()
		close(exited)
	}()
	ctl.cmd, ctl.exited = cmd, exited
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("sluice-controller exited at start; log:\n%s", ctl.tail(40))
		default:
		}
		resp, err := httpClient.Get("http://" + ctl.healthAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("sluice-controller not healthy after 30s; log:\n%s", ctl.tail(40))
}

// Metrics returns the text of the controller's /metrics endpoint.
func (ctl *Controller) Metrics() (string, error) {
	resp, err := httpClient.Get("http://" + ctl.metricsAddr + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return string(raw), err
}

// Readyz returns the status code and body of the controller's /readyz.
func (ctl *Controller) Readyz() (int, string, error) {
	resp, err := httpClient.Get("http://" + ctl.healthAddr + "/readyz")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(raw)), err
}

// Stop sends SIGTERM and waits for a clean exit (SIGKILL after 20 s). It also
// sends SIGCONT, so a suspended process gets to handle the SIGTERM.
func (ctl *Controller) Stop() {
	ctl.signal(syscall.SIGTERM, 20*time.Second, syscall.SIGCONT)
}

// Kill sends SIGKILL: a crash at whatever line the controller was on.
func (ctl *Controller) Kill() { ctl.signal(syscall.SIGKILL, 10*time.Second) }

// Suspend sends SIGSTOP: the process freezes where it is, as under a long GC
// pause, a starved CPU or a VM migration, and its timers keep running out.
func (ctl *Controller) Suspend() { ctl.send(syscall.SIGSTOP) }

// Resume sends SIGCONT to a suspended process.
func (ctl *Controller) Resume() { ctl.send(syscall.SIGCONT) }

// WaitExit waits up to timeout for the process to end by itself and returns
// its exit code (-1 when a signal ended it); ok is false if it is still running.
func (ctl *Controller) WaitExit(timeout time.Duration) (code int, ok bool) {
	ctl.mu.Lock()
	exited := ctl.exited
	ctl.mu.Unlock()
	if exited == nil {
		return 0, false
	}
	select {
	case <-exited:
	case <-time.After(timeout):
		return 0, false
	}
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	return ctl.exitCode, true
}

// signal sends sig, then each of also, to the process group, waits up to grace
// for the process to exit, and kills it after that.
func (ctl *Controller) signal(sig syscall.Signal, grace time.Duration, also ...syscall.Signal) {
	ctl.mu.Lock()
	cmd, exited := ctl.cmd, ctl.exited
	ctl.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	for _, s := range append([]syscall.Signal{sig}, also...) {
		_ = syscall.Kill(-cmd.Process.Pid, s)
	}
	select {
	case <-exited:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

// send sends a signal to the process group without waiting for anything.
func (ctl *Controller) send(sig syscall.Signal) {
	ctl.mu.Lock()
	cmd := ctl.cmd
	ctl.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, sig)
	}
}

// Running reports whether the process is alive.
func (ctl *Controller) Running() bool {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	if ctl.exited == nil {
		return false
	}
	select {
	case <-ctl.exited:
		return false
	default:
		return true
	}
}

// DumpLogTo writes the end of the controller's log to a failed test's log.
func (ctl *Controller) DumpLogTo(t *testing.T) {
	t.Logf("==== sluice-controller log (last 200 lines) ====\n%s", ctl.tail(200))
}

func (ctl *Controller) tail(lines int) string {
	raw, err := os.ReadFile(ctl.LogPath)
	if err != nil {
		return err.Error()
	}
	all := strings.Split(string(bytes.TrimRight(raw, "\n")), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// LogText is the controller's whole log so far.
func (ctl *Controller) LogText() string {
	raw, err := os.ReadFile(ctl.LogPath)
	if err != nil {
		return err.Error()
	}
	return string(raw)
}
