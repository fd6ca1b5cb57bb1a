package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// On the two-core machine the cluster's own processes (kube-apiserver, etcd,
// kube-controller-manager, the scheduler, KWOK) share the cores with the
// controller and the bench, and past N≈500 they set the pace. To show it, the
// bench reads their CPU time from /proc at every phase boundary, as it does
// the controller's (procstat.go). hack/cluster records the processes it
// started in <state dir>/state.json.

// recordedProc is the part of a hack/cluster state.json process record the
// bench needs (hack/cluster/processes.go writes it).
type recordedProc struct {
	Name       string `json:"name"`
	PID        int    `json:"pid"`
	StartTicks uint64 `json:"startTicks"`
}

// readRecordedProcs reads the processes hack/cluster recorded for a cluster.
// It is read again at every phase boundary: a process restarted in between
// (hack/cluster start-process) has a new PID.
func readRecordedProcs(stateDir string) ([]recordedProc, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, "state.json"))
	if err != nil {
		return nil, err
	}
	var st struct {
		Processes []recordedProc `json:"processes"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s/state.json: %w", stateDir, err)
	}
	return st.Processes, nil
}

// procSample is one process's counters at one moment.
type procSample struct {
	PID        int
	StartTicks uint64
	CPUSeconds float64
	RSSBytes   uint64
}

// cpuSample is every watched process's counters, and the whole machine's
// busy time, at one moment.
type cpuSample struct {
	At    time.Time
	Procs map[string]procSample
	// MachineBusy is the CPU time all processes of the machine used since
	// boot, in seconds (/proc/stat); nothing when it could not be read.
	MachineBusy float64
	MachineOK   bool
}

// sampleProcs reads the counters of the named processes. A process whose
// start time is not the recorded one is someone else under a reused PID and
// is left out, as is one that is gone.
func sampleProcs(procs []recordedProc) cpuSample {
	s := cpuSample{At: time.Now(), Procs: map[string]procSample{}}
	for _, p := range procs {
		ticks, err := startTicks(p.PID)
		if err != nil || (p.StartTicks != 0 && ticks != p.StartTicks) {
			continue
		}
		cpu, err := cpuSeconds(p.PID)
		if err != nil {
			continue
		}
		rss, _, _ := memory(p.PID)
		s.Procs[p.Name] = procSample{PID: p.PID, StartTicks: ticks, CPUSeconds: cpu, RSSBytes: rss}
	}
	if data, err := os.ReadFile("/proc/stat"); err == nil {
		if ticks, err := machineBusyTicks(data); err == nil {
			s.MachineBusy, s.MachineOK = float64(ticks)/float64(clockTicks()), true
		}
	}
	return s
}

// startTicks is field 22 of /proc/PID/stat, the process's start time in
// clock ticks since boot.
func startTicks(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	fields := strings.Fields(string(data[i+1:])) // fields[0] is field 3
	if len(fields) < 20 {
		return 0, errors.New("malformed /proc stat")
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// machineBusyTicks sums the busy columns of /proc/stat's "cpu" line (all
// CPUs): user, nice, system, irq, softirq and steal. Idle and iowait are not
// busy; guest time is already counted in user.
func machineBusyTicks(procStat []byte) (uint64, error) {
	line, _, _ := bytes.Cut(procStat, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, errors.New(`/proc/stat: no "cpu" line first`)
	}
	var busy uint64
	for _, col := range []int{1, 2, 3, 6, 7, 8} { // user nice system [idle iowait] irq softirq steal
		v, err := strconv.ParseUint(fields[col], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		busy += v
	}
	return busy, nil
}

// clusterMeter samples the cluster's processes, the controller and the bench
// at each phase boundary and keeps each phase's CPU shares.
type clusterMeter struct {
	stateDir string
	mu       sync.Mutex
	open     string
	last     cpuSample
	phases   []clusterPhase
	warned   bool
}

func newClusterMeter(stateDir string) *clusterMeter { return &clusterMeter{stateDir: stateDir} }

// mark ends the open phase (recording it) and opens next; an empty next only
// ends. own names the processes of this run (the controller, the bench).
func (m *clusterMeter) mark(next string, own map[string]int) {
	if m == nil {
		return
	}
	procs, err := readRecordedProcs(m.stateDir)
	if err != nil && !m.warned {
		logf("cluster processes: %v (their CPU is not reported)", err)
		m.warned = true
	}
	for name, pid := range own {
		ticks, _ := startTicks(pid)
		procs = append(procs, recordedProc{Name: name, PID: pid, StartTicks: ticks})
	}
	s := sampleProcs(procs)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.open != "" {
		m.phases = append(m.phases, phaseCPU(m.open, m.last, s))
	}
	m.open, m.last = next, s
}

// result is what the report keeps: the recorded phases.
func (m *clusterMeter) result() *clusterCPU {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.phases) == 0 {
		return nil
	}
	return &clusterCPU{StateDir: m.stateDir, Phases: append([]clusterPhase(nil), m.phases...)}
}

// markClusterPhase is startPhase's hook: the controller and the bench are
// sampled with the cluster so that the shares add up in one place.
func (e *env) markClusterPhase(next string) {
	own := map[string]int{procBench: os.Getpid()}
	if e.controller != nil {
		own[procController] = e.controller.pid
	}
	e.clusterMeter.mark(next, own)
}
