package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleAt(at time.Time, busy float64, procs map[string]procSample) cpuSample {
	return cpuSample{At: at, Procs: procs, MachineBusy: busy, MachineOK: true}
}

// Ten seconds in which kube-apiserver used 12 CPU s, etcd 3 and the
// controller 1, on a machine busy for 19 s: 120%, 30% and 10% of a core, the
// machine 190%, and 3 s (30%) not accounted for by any of them.
func TestPhaseCPUIsCPUTimePerWallSecond(t *testing.T) {
	t0 := time.Unix(1000, 0)
	from := sampleAt(t0, 500, map[string]procSample{
		"kube-apiserver":  {PID: 10, StartTicks: 7, CPUSeconds: 100},
		"etcd":            {PID: 11, StartTicks: 7, CPUSeconds: 40},
		procController:    {PID: 20, StartTicks: 9, CPUSeconds: 2},
		"kube-scheduler":  {PID: 12, StartTicks: 7, CPUSeconds: 5},
		"stopped-in-here": {PID: 13, StartTicks: 7, CPUSeconds: 1},
	})
	to := sampleAt(t0.Add(10*time.Second), 519, map[string]procSample{
		"kube-apiserver": {PID: 10, StartTicks: 7, CPUSeconds: 112, RSSBytes: 512 << 20},
		"etcd":           {PID: 11, StartTicks: 7, CPUSeconds: 43},
		procController:   {PID: 20, StartTicks: 9, CPUSeconds: 3},
		// Restarted within the phase: a new process whose counter began at 0.
		"kube-scheduler": {PID: 30, StartTicks: 900, CPUSeconds: 0.5},
	})
	p := phaseCPU("update", from, to)
	if p.Name != "update" || p.WallSeconds != 10 {
		t.Fatalf("phase %q over %g s, want update over 10 s", p.Name, p.WallSeconds)
	}
	got := map[string]float64{}
	var order []string
	for _, x := range p.Processes {
		got[x.Name] = x.CoreShare
		order = append(order, x.Name)
	}
	want := map[string]float64{"kube-apiserver": 1.2, "etcd": 0.3, procController: 0.1}
	for name, share := range want {
		if d := got[name] - share; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: %.3f of a core, want %.3f", name, got[name], share)
		}
	}
	if len(got) != len(want) {
		t.Errorf("processes measured: %v, want only %v", order, want)
	}
	if !reflect.DeepEqual(order, []string{procController, "kube-apiserver", "etcd"}) {
		t.Errorf("order %v, want the controller first, then the cluster's processes in table order", order)
	}
	if !reflect.DeepEqual(p.Missing, []string{"kube-scheduler", "stopped-in-here"}) {
		t.Errorf("missing %v, want the restarted scheduler and the stopped process", p.Missing)
	}
	if d := p.MachineCoreShare - 1.9; d > 1e-9 || d < -1e-9 {
		t.Errorf("machine %.3f, want 1.9", p.MachineCoreShare)
	}
	if d := p.OtherCoreShare - 0.3; d > 1e-9 || d < -1e-9 {
		t.Errorf("rest of the machine %.3f, want 0.3", p.OtherCoreShare)
	}
	if p.Processes[1].RSSMiB != 512 {
		t.Errorf("kube-apiserver RSS %g MiB at the end, want 512", p.Processes[1].RSSMiB)
	}
}

// Without /proc/stat the machine's share is unknown, not zero; and the rest
// never goes below zero when the processes' clocks run a little ahead.
func TestPhaseCPUMachineShareUnknownOrClamped(t *testing.T) {
	t0 := time.Unix(1000, 0)
	procs := func(cpu float64) map[string]procSample {
		return map[string]procSample{"etcd": {PID: 1, StartTicks: 1, CPUSeconds: cpu}}
	}
	noMachine := phaseCPU("idle", cpuSample{At: t0, Procs: procs(0)}, cpuSample{At: t0.Add(time.Second), Procs: procs(0.5)})
	if noMachine.MachineCoreShare != -1 || noMachine.OtherCoreShare != -1 {
		t.Errorf("without /proc/stat: machine %g, rest %g, want -1 (unknown) for both", noMachine.MachineCoreShare, noMachine.OtherCoreShare)
	}
	ahead := phaseCPU("idle", sampleAt(t0, 10, procs(0)), sampleAt(t0.Add(time.Second), 10.4, procs(0.5)))
	if ahead.OtherCoreShare != 0 {
		t.Errorf("rest %g when the processes account for more than the machine, want 0", ahead.OtherCoreShare)
	}
}

func TestMachineBusyTicksSumsTheBusyColumns(t *testing.T) {
	stat := []byte("cpu  100 20 30 4000 500 6 7 8 9 10\ncpu0 50 10 15 2000 250 3 3 4 0 0\n")
	got, err := machineBusyTicks(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(100 + 20 + 30 + 6 + 7 + 8); got != want {
		t.Errorf("busy %d ticks, want %d (user+nice+system+irq+softirq+steal)", got, want)
	}
	for _, bad := range []string{"", "intr 1 2 3\n", "cpu 1 2 x 4 5 6 7 8\n", "cpu 1 2 3\n"} {
		if _, err := machineBusyTicks([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestReadRecordedProcsReadsHackClusterState(t *testing.T) {
	dir := t.TempDir()
	state := `{"startedAt":"2026-12-03T18:23:15Z","processes":[
	 {"name":"etcd","pid":19097,"startTicks":3410847,"stopPhase":2,"log":"x","command":["etcd"]},
	 {"name":"kube-apiserver","pid":19118,"startTicks":3410860,"stopPhase":1}]}`
	if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readRecordedProcs(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []recordedProc{{Name: "etcd", PID: 19097, StartTicks: 3410847}, {Name: "kube-apiserver", PID: 19118, StartTicks: 3410860}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := readRecordedProcs(t.TempDir()); err == nil {
		t.Error("no state.json: no error")
	}
}

// The bench's own process is found by PID and start time; one recorded with
// another start time (a reused PID) is left out.
func TestSampleProcsSkipsAReusedPID(t *testing.T) {
	self := os.Getpid()
	ticks, err := startTicks(self)
	if err != nil {
		t.Fatal(err)
	}
	s := sampleProcs([]recordedProc{{Name: "me", PID: self, StartTicks: ticks}, {Name: "impostor", PID: self, StartTicks: ticks + 1}})
	if _, ok := s.Procs["me"]; !ok {
		t.Error("the bench's own process was not sampled")
	}
	if _, ok := s.Procs["impostor"]; ok {
		t.Error("a process recorded with another start time was sampled")
	}
}

func TestClusterTableHasARowPerPhaseAndAColumnPerProcess(t *testing.T) {
	r := &report{Machine: machine{CPUs: 2}, Cluster: &clusterCPU{StateDir: "/tmp/c", Phases: []clusterPhase{
		{Name: "deploy", WallSeconds: 10, MachineCoreShare: 1.95, OtherCoreShare: 0.05, Processes: []procPhaseCPU{
			{Name: procController, CoreShare: 0.1}, {Name: "kube-apiserver", CoreShare: 1.2, RSSMiB: 700}}},
		{Name: "idle", WallSeconds: 5, MachineCoreShare: -1, OtherCoreShare: -1, Processes: []procPhaseCPU{
			{Name: "kube-apiserver", CoreShare: 0.04, RSSMiB: 800}}, Missing: []string{procController}},
	}}}
	var b strings.Builder
	r.clusterTable(&b)
	out := b.String()
	for _, want := range []string{
		"| phase | wall s | machine, all processes | sluice-controller | kube-apiserver | rest of the machine |",
		"| deploy | 10.0 | 195% | 10% | 120% | 5% |",
		"| idle | 5.0 | – | – | 4% | – |",
		"Not measured through idle (started, stopped or restarted in it): sluice-controller.",
		"Resident size at the end of idle: kube-apiserver 800 MiB.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
