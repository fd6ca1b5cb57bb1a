package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The state file records every process `up` starts, as soon as it starts, so
// that `down` can stop exactly those processes (and nothing else) even when
// `up` itself was interrupted half-way.
const stateFileName = "state.json"

type clusterState struct {
	StartedAt time.Time    `json:"startedAt"`
	Processes []procRecord `json:"processes"`
}

// procRecord identifies a process by PID and by its start time in clock ticks
// since boot (field 22 of /proc/PID/stat). The start time guards against PID
// reuse: a recorded PID whose start time differs belongs to someone else and
// is never signalled.
type procRecord struct {
	Name       string `json:"name"`
	PID        int    `json:"pid"`
	StartTicks uint64 `json:"startTicks"`
	// StopPhase orders the shutdown: phase 0 (the API server's clients)
	// first, then 1 (kube-apiserver), then 2 (etcd). Stopping a server
	// before its clients makes it wait for their open watches to close.
	StopPhase int      `json:"stopPhase"`
	Log       string   `json:"log"`
	Command   []string `json:"command"`
}

// Stop phases, see procRecord.StopPhase.
const (
	stopWithClients = iota
	stopWithAPIServer
	stopWithEtcd
)

// alive reports whether the recorded process still runs. Zombies count as
// gone: they hold no resources and whoever adopted them reaps them.
func (r procRecord) alive() bool {
	st, ticks, err := procStat(r.PID)
	return err == nil && ticks == r.StartTicks && st != 'Z' && st != 'X'
}

// procStat returns the state letter and start time of a process.
func procStat(pid int) (byte, uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) is in parentheses and may contain spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, errors.New("malformed stat")
	}
	fields := strings.Fields(string(data[i+1:]))
	// fields[0] is field 3 (state); field 22 (starttime) is fields[19].
	if len(fields) < 20 {
		return 0, 0, errors.New("malformed stat")
	}
	ticks, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, 0, err
	}
	return fields[0][0], ticks, nil
}

func statePath(stateDir string) string { return filepath.Join(stateDir, stateFileName) }

func readState(stateDir string) (*clusterState, error) {
	data, err := os.ReadFile(statePath(stateDir))
	if err != nil {
		return nil, err
	}
	var s clusterState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath(stateDir), err)
	}
	return &s, nil
}

// writeFileAtomic replaces path so that readers never see a partial file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// proc is a process started by this run of the harness.
type proc struct {
	procRecord
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, valid once exited is closed
}

// runner starts processes and keeps the state file current.
type runner struct {
	stateDir string
	logDir   string
	state    clusterState
	procs    []*proc
}

func newRunner(stateDir string) *runner {
	return &runner{
		stateDir: stateDir,
		logDir:   filepath.Join(stateDir, "logs"),
		state:    clusterState{StartedAt: time.Now().UTC()},
	}
}

// start launches bin with args, its output going to logs/<name>.log. Each
// process gets its own process group so that a Ctrl-C meant for `up` (or for
// the shell that ran it) does not reach the cluster, which outlives `up`.
func (r *runner) start(name string, stopPhase int, bin string, args, extraEnv []string) (*proc, error) {
	if err := os.MkdirAll(r.logDir, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(r.logDir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor

	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Dir = r.stateDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{
		procRecord: procRecord{Name: name, PID: cmd.Process.Pid, StopPhase: stopPhase, Log: logPath, Command: append([]string{bin}, args...)},
		cmd:        cmd,
		exited:     make(chan struct{}),
	}
	if _, ticks, err := procStat(p.PID); err == nil {
		p.StartTicks = ticks
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	r.procs = append(r.procs, p)
	r.state.Processes = append(r.state.Processes, p.procRecord)
	data, err := json.MarshalIndent(r.state, "", "  ")
	if err != nil {
		return p, err
	}
	return p, writeFileAtomic(statePath(r.stateDir), data, 0o644)
}

// hasExited reports whether p stopped, with the tail of its log.
func (p *proc) exitError() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited early (%v); last lines of %s:\n%s", p.Name, p.err, p.Log, tailFile(p.Log, 25))
	default:
		return nil
	}
}

// waitUntil polls check every 100ms until it succeeds, p exits (reported with
// the tail of its log), the timeout passes or ctx is cancelled.
func waitUntil(ctx context.Context, p *proc, what string, timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if p != nil {
			if err := p.exitError(); err != nil {
				return err
			}
		}
		if last = check(); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("timed out after %s waiting for %s: %v", timeout, what, last)
			if p != nil {
				msg += fmt.Sprintf("\nlast lines of %s:\n%s", p.Log, tailFile(p.Log, 25))
			}
			return errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted while waiting for %s", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopProcesses stops the recorded processes phase by phase (see
// procRecord.StopPhase); within a phase all at once. Only the recorded PIDs
// are signalled (not their process groups): none of the cluster's processes
// starts children of its own.
func stopProcesses(recs []procRecord, grace time.Duration) error {
	var errs []error
	for phase := stopWithClients; phase <= stopWithEtcd; phase++ {
		var group []procRecord
		for _, r := range recs {
			if r.StopPhase == phase || (phase == stopWithEtcd && r.StopPhase > stopWithEtcd) {
				group = append(group, r)
			}
		}
		if err := stopGroup(group, grace); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// stopGroup sends SIGTERM to every process of the group that is still alive,
// waits up to grace for them to exit, then SIGKILLs the rest and waits until
// they are gone.
func stopGroup(recs []procRecord, grace time.Duration) error {
	var live []procRecord
	for _, r := range recs {
		if r.alive() {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return nil
	}
	signalAll(live, syscall.SIGTERM)
	if live = waitGone(live, grace); len(live) == 0 {
		return nil
	}
	names := make([]string, len(live))
	for i, r := range live {
		names[i] = fmt.Sprintf("%s (pid %d)", r.Name, r.PID)
	}
	logf("still running after %s, killing: %s", grace, strings.Join(names, ", "))
	signalAll(live, syscall.SIGKILL)
	if live = waitGone(live, 10*time.Second); len(live) != 0 {
		return fmt.Errorf("processes did not exit after SIGKILL: %v", live)
	}
	return nil
}

func signalAll(recs []procRecord, sig syscall.Signal) {
	for _, r := range recs {
		if r.alive() { // re-check right before signalling: the PID must still be ours
			_ = syscall.Kill(r.PID, sig)
		}
	}
}

// waitGone polls until none of recs is alive or the timeout passes, and
// returns those still alive.
func waitGone(recs []procRecord, timeout time.Duration) []procRecord {
	deadline := time.Now().Add(timeout)
	for {
		var live []procRecord
		for _, r := range recs {
			if r.alive() {
				live = append(live, r)
			}
		}
		if len(live) == 0 || time.Now().After(deadline) {
			return live
		}
		recs = live
		time.Sleep(25 * time.Millisecond)
	}
}

// checkPortFree fails with a message naming the port and its flag when
// something already listens on 127.0.0.1:port.
func checkPortFree(port int, flagName, what string) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("port %d (%s, --%s) is already in use on 127.0.0.1; stop whatever listens there or choose another port with --%s", port, what, flagName, flagName)
	}
	return l.Close()
}

// tailFile returns the last n lines of a file, indented for error messages.
func tailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "    (" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 400 {
			l = l[:400] + " ..."
		}
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cluster: "+format+"\n", args...)
}
