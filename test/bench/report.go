package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// report is everything one run measured; it is written as JSON and rendered
// as Markdown (markdown.go).
type report struct {
	Mode string    `json:"mode"`
	Date time.Time `json:"date"`
	// Version is the source tree's (git describe) at the time of the run;
	// with --controller-bin the binary may be older: see ControllerBuilt.
	Version         string    `json:"version"`
	ControllerBin   string    `json:"controllerBinary"`
	ControllerBuilt time.Time `json:"controllerBuilt"`
	Machine         machine   `json:"machine"`
	Settings        settings  `json:"settings"`

	Phases        []phaseResult `json:"phases"`
	DeploySeconds float64       `json:"deploySeconds,omitempty"`
	Wave          waveResult    `json:"wave"`
	// ListsAfterStartup are LIST requests in any phase after start-up, by
	// resource: a cache the controller should have used instead.
	ListsAfterStartup map[string]float64 `json:"listsAfterStartup"`
	// PeakRSSMiB is the controller's lifetime peak (VmHWM).
	PeakRSSMiB float64         `json:"peakRSSMiB"`
	Analysis   *analysisResult `json:"analysisRuns,omitempty"`
	// Events are the run's Events by reason, emitted against recorded
	// (events.go); Rollout runs only.
	Events *eventTally `json:"events,omitempty"`
	// Notifications is set by --notifications.
	Notifications *notifyResult `json:"notifications,omitempty"`
	// Cluster is the CPU of every process of the run per phase: the
	// cluster's, the controller's and the bench's (clustercpu.go).
	Cluster *clusterCPU `json:"clusterCPU,omitempty"`
}

type machine struct {
	CPUs   int     `json:"cpus"`
	MemGiB float64 `json:"memGiB"`
	Model  string  `json:"cpuModel"`
	Kernel string  `json:"kernel"`
}

type settings struct {
	N             int            `json:"n"`
	Replicas      int            `json:"replicas"`
	Kinds         map[string]int `json:"kinds"`
	QPS           float64        `json:"qps"`
	Burst         int            `json:"burst"`
	Workers       int            `json:"rolloutWorkers"`
	LeaderElect   bool           `json:"leaderElect"`
	IdleSeconds   float64        `json:"idleSeconds"`
	ExtraNodes    int            `json:"extraNodes"`
	Notifications bool           `json:"notifications"`
	InstanceID    string         `json:"instanceID"`
	ControllerArg string         `json:"controllerArgs,omitempty"`
	// CreateRate and UpdateRate are --create-rate and --update-rate:
	// Rollouts created and images changed per second, 0 = all at once.
	CreateRate float64 `json:"createRate"`
	UpdateRate float64 `json:"updateRate"`
}

type waveResult struct {
	// Seconds: first patch sent → last Rollout Healthy.
	Seconds float64 `json:"seconds"`
	// PatchSeconds: how long the bench took to send every patch.
	PatchSeconds float64 `json:"patchSeconds"`
	// SettledSeconds: until every old ReplicaSet was also scaled down.
	SettledSeconds float64 `json:"settledSeconds"`
	// EventsDrainedSeconds: until the controller had written the wave's
	// Events (they queue behind the same client rate limiter).
	EventsDrainedSeconds float64      `json:"eventsDrainedSeconds"`
	Analysis             waveAnalysis `json:"analysis"`
}

func (e *env) newReport(mode string) *report {
	r := &report{Mode: mode, Date: time.Now().UTC().Truncate(time.Second), Version: gitVersion(e.root), Machine: readMachine(),
		ControllerBin: e.controllerBin}
	if st, err := os.Stat(e.controllerBin); err == nil {
		r.ControllerBuilt = st.ModTime().UTC().Truncate(time.Second)
	}
	kinds := map[string]int{}
	if mode == "rollouts" {
		for i := range e.cfg.n {
			kinds[e.cfg.kindOf(i)]++
		}
	}
	n := e.cfg.n
	if mode != "rollouts" {
		n = e.cfg.analysisRuns
	}
	r.Settings = settings{
		N: n, Replicas: e.cfg.replicas, Kinds: kinds, QPS: e.cfg.qps, Burst: e.cfg.burst,
		Workers: e.cfg.workers, LeaderElect: e.cfg.leaderElect, IdleSeconds: e.cfg.idle.Seconds(),
		ExtraNodes: len(e.nodes), Notifications: e.cfg.notifications, InstanceID: e.cfg.instanceID, ControllerArg: e.cfg.controllerArg,
		CreateRate: e.cfg.createRate, UpdateRate: e.cfg.updateRate,
	}
	return r
}

// finish copies the phases and the derived totals into the report.
func (r *report) finish(e *env) {
	r.Phases = e.phases
	r.Cluster = e.clusterMeter.result()
	r.ListsAfterStartup = map[string]float64{}
	for _, p := range r.Phases {
		if p.Name == "startup" {
			continue
		}
		for res, n := range p.Lists {
			r.ListsAfterStartup[res] += n
		}
	}
	if _, hwm, err := memory(e.controller.pid); err == nil {
		r.PeakRSSMiB = float64(hwm) / (1 << 20)
	} else {
		for _, p := range r.Phases {
			r.PeakRSSMiB = max(r.PeakRSSMiB, p.PeakRSSMiB)
		}
	}
}

// write saves <out>/<name>.json and .md, and copies them to latest-<mode>.*.
func (r *report) write(dir string) error {
	name := fmt.Sprintf("%s-n%d-qps%g-%s", r.Mode, r.Settings.N, r.Settings.QPS, r.Date.Format("20060102-150405"))
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	md := r.markdown()
	for _, base := range []string{name, "latest-" + r.Mode} {
		if err := os.WriteFile(filepath.Join(dir, base+".json"), append(data, '\n'), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, base+".md"), []byte(md), 0o644); err != nil {
			return err
		}
	}
	logf("results: %s.{json,md}", filepath.Join(dir, name))
	fmt.Print(md)
	return nil
}

func readMachine() machine {
	m := machine{CPUs: runtime.NumCPU()}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
				m.MemGiB = kb / (1 << 20)
			}
		}
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

func gitVersion(root string) string {
	cmd := exec.Command("git", "describe", "--tags", "--always", "--dirty")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
