package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The fault-injection suite (test/faults) breaks a running cluster on
// purpose: it stops and restarts kube-apiserver, freezes it, stops Prometheus
// and compacts etcd. These commands do that to one recorded process of a
// state dir, and keep state.json current, so that `down` still stops exactly
// what runs. Only a process that `up` (or `start-process`) recorded is ever
// signalled.

// runPID is `pid NAME`: print the PID of a running recorded process.
func runPID(args []string) error {
	o, name, rest, err := parseProcessArgs("pid", args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("pid takes one process name, got %q", append([]string{name}, rest...))
	}
	rec, _, err := findRecord(o.stateDir, name)
	if err != nil {
		return err
	}
	if !rec.alive() {
		return fmt.Errorf("%s (pid %d) is not running", name, rec.PID)
	}
	fmt.Println(rec.PID)
	return nil
}

// runSignal is `signal NAME SIG`: send STOP, CONT, TERM or KILL to a running
// recorded process, without waiting for anything.
func runSignal(args []string) error {
	o, name, rest, err := parseProcessArgs("signal", args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("usage: signal NAME STOP|CONT|TERM|KILL")
	}
	sig, ok := map[string]syscall.Signal{"STOP": syscall.SIGSTOP, "CONT": syscall.SIGCONT, "TERM": syscall.SIGTERM, "KILL": syscall.SIGKILL}[strings.TrimPrefix(strings.ToUpper(rest[0]), "SIG")]
	if !ok {
		return fmt.Errorf("signal %q: want one of STOP, CONT, TERM, KILL", rest[0])
	}
	rec, _, err := findRecord(o.stateDir, name)
	if err != nil {
		return err
	}
	if !rec.alive() {
		return fmt.Errorf("%s (pid %d) is not running", name, rec.PID)
	}
	return syscall.Kill(rec.PID, sig)
}

// runStopProcess is `stop-process NAME`: SIGTERM (SIGCONT too, so a frozen
// process can act on it), SIGKILL after --grace, and wait until it is gone.
// Stopping a process that is already gone is not an error.
func runStopProcess(args []string) error {
	o, name, rest, err := parseProcessArgs("stop-process", args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("stop-process takes one process name, got %q", append([]string{name}, rest...))
	}
	rec, _, err := findRecord(o.stateDir, name)
	if err != nil {
		return err
	}
	if rec.alive() {
		_ = syscall.Kill(rec.PID, syscall.SIGCONT)
	}
	return stopGroup([]procRecord{rec}, 10*time.Second)
}

// runStartProcess is `start-process NAME`: start a stopped recorded process
// again with its recorded command line, its output appended to its log, and
// record the new PID. It refuses while the old process still runs.
func runStartProcess(args []string) error {
	o, name, rest, err := parseProcessArgs("start-process", args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("start-process takes one process name, got %q", append([]string{name}, rest...))
	}
	unlock, err := lockStateDir(o.stateDir)
	if err != nil {
		return err
	}
	defer unlock()
	rec, st, err := findRecord(o.stateDir, name)
	if err != nil {
		return err
	}
	if rec.alive() {
		return fmt.Errorf("%s (pid %d) is still running; stop it first with stop-process", name, rec.PID)
	}
	logFile, err := os.OpenFile(rec.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "==== restarted by start-process at %s ====\n", time.Now().UTC().Format(time.RFC3339Nano))
	cmd := exec.Command(rec.Command[0], rec.Command[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = o.stateDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // outlives this command, like `up`'s children
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	rec.PID = cmd.Process.Pid
	if _, ticks, err := procStat(rec.PID); err == nil {
		rec.StartTicks = ticks
	}
	for i := range st.Processes {
		if st.Processes[i].Name == name {
			st.Processes[i] = rec
		}
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(statePath(o.stateDir), data, 0o644); err != nil {
		return err
	}
	// Not waited for: the caller decides what "ready" means (an API server
	// answering, a Prometheus with fresh samples). The child is not reaped
	// here; init adopts it when this command exits.
	_ = cmd.Process.Release()
	fmt.Println(rec.PID)
	return nil
}

// runCompact is `compact`: compact etcd's history up to its current revision,
// so that every watch or list from a resourceVersion seen before gets 410 Gone.
// It talks to etcd's JSON gateway, at the client URL recorded for etcd.
func runCompact(ctx context.Context, args []string) error {
	var o options
	fs := newFlagSet("compact", &o)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("compact takes no arguments, got %q", fs.Args())
	}
	if err := o.resolve(); err != nil {
		return err
	}
	rec, _, err := findRecord(o.stateDir, "etcd")
	if err != nil {
		return err
	}
	endpoint := flagValue(rec.Command, "--listen-client-urls")
	if endpoint == "" {
		return errors.New("the recorded etcd command has no --listen-client-urls")
	}
	// Two writes to a key outside Kubernetes' /registry prefix first: the
	// compaction then removes the revisions right before the newest, so that
	// a watch resuming from any resourceVersion a client has seen so far
	// (at most the revision before these writes) is gone, not just one from
	// an older one. Watching from the compaction revision itself is allowed.
	var putResp struct {
		Header struct {
			Revision string `json:"revision"`
		} `json:"header"`
	}
	for range 2 {
		if err := etcdPost(ctx, endpoint+"/v3/kv/put", `{"key":"L3NsdWljZS1mYXVsdHMvY29tcGFjdA==","value":"YnVtcA=="}`, &putResp); err != nil { // /sluice-faults/compact = bump
			return err
		}
	}
	rev, err := strconv.ParseInt(putResp.Header.Revision, 10, 64)
	if err != nil {
		return fmt.Errorf("etcd revision %q: %w", putResp.Header.Revision, err)
	}
	body := fmt.Sprintf(`{"revision":%d,"physical":true}`, rev)
	if err := etcdPost(ctx, endpoint+"/v3/kv/compaction", body, nil); err != nil {
		return err
	}
	fmt.Println(rev)
	return nil
}

func etcdPost(ctx context.Context, url, body string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("etcd %s: %s: %s", url, resp.Status, strings.TrimSpace(string(raw)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// parseProcessArgs parses the flags of a per-process command and returns the
// process name and what follows it.
func parseProcessArgs(cmd string, args []string) (*options, string, []string, error) {
	var o options
	fs := newFlagSet(cmd, &o)
	if err := fs.Parse(args); err != nil {
		return nil, "", nil, err
	}
	if fs.NArg() < 1 {
		return nil, "", nil, fmt.Errorf("%s needs a process name (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, exporter, prometheus)", cmd)
	}
	if err := o.resolve(); err != nil {
		return nil, "", nil, err
	}
	return &o, fs.Arg(0), fs.Args()[1:], nil
}

// findRecord returns the record of a process and the whole state.
func findRecord(stateDir, name string) (procRecord, *clusterState, error) {
	st, err := readState(stateDir)
	if errors.Is(err, os.ErrNotExist) {
		return procRecord{}, nil, fmt.Errorf("no cluster recorded in %s", stateDir)
	}
	if err != nil {
		return procRecord{}, nil, err
	}
	var names []string
	for _, p := range st.Processes {
		if p.Name == name {
			return p, st, nil
		}
		names = append(names, p.Name)
	}
	return procRecord{}, nil, fmt.Errorf("no process %q in %s (recorded: %s)", name, stateDir, strings.Join(names, ", "))
}

// flagValue returns the value of a --name=value argument.
func flagValue(command []string, name string) string {
	for _, a := range command {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}
