package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Names of this run's own processes in the per-process CPU table.
const (
	procController = "sluice-controller"
	procBench      = "bench"
)

// procColumns orders the table's processes: sluice's first, then the
// cluster's in the order a request travels; any other recorded process
// follows by name.
var procColumns = []string{procController, procBench, "kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kwok", "prometheus", "exporter"}

// clusterCPU is the CPU of every process on the machine that takes part in a
// run, per phase.
type clusterCPU struct {
	// StateDir is the hack/cluster state directory the processes came from.
	StateDir string         `json:"stateDir"`
	Phases   []clusterPhase `json:"phases"`
}

// clusterPhase is one phase's CPU by process.
type clusterPhase struct {
	Name        string  `json:"name"`
	WallSeconds float64 `json:"wallSeconds"`
	// MachineCoreShare is the whole machine's busy time per wall second
	// (every process, this run's or not; 2 = both cores of a two-core
	// machine); -1 when /proc/stat could not be read.
	MachineCoreShare float64        `json:"machineCoreShare"`
	Processes        []procPhaseCPU `json:"processes"`
	// OtherCoreShare is the machine's busy share that none of Processes
	// accounts for: the kernel's own work, and anything else that ran (other
	// tests on a shared machine). -1 without MachineCoreShare.
	OtherCoreShare float64 `json:"otherCoreShare"`
	// Missing names processes seen at only one end of the phase (started,
	// stopped or restarted within it): their share is unknown.
	Missing []string `json:"missing,omitempty"`
}

// procPhaseCPU is one process's CPU in one phase.
type procPhaseCPU struct {
	Name       string  `json:"name"`
	CPUSeconds float64 `json:"cpuSeconds"`
	// CoreShare is CPU seconds per wall second (1 = one core busy).
	CoreShare float64 `json:"coreShare"`
	// RSSMiB is the resident size at the end of the phase.
	RSSMiB float64 `json:"rssMiBAtEnd"`
}

// phaseCPU derives a phase's shares from the samples at its two ends. A
// process counts only when both samples are of the same process (PID and
// start time): across a restart its CPU time starts again from zero.
func phaseCPU(name string, from, to cpuSample) clusterPhase {
	wall := to.At.Sub(from.At).Seconds()
	p := clusterPhase{Name: name, WallSeconds: wall, MachineCoreShare: -1, OtherCoreShare: -1}
	share := func(cpu float64) float64 {
		if wall <= 0 {
			return 0
		}
		return cpu / wall
	}
	accounted := 0.0
	for procName, end := range to.Procs {
		start, ok := from.Procs[procName]
		if !ok || start.PID != end.PID || start.StartTicks != end.StartTicks {
			p.Missing = append(p.Missing, procName)
			continue
		}
		cpu := max(end.CPUSeconds-start.CPUSeconds, 0)
		accounted += cpu
		p.Processes = append(p.Processes, procPhaseCPU{Name: procName, CPUSeconds: cpu, CoreShare: share(cpu), RSSMiB: float64(end.RSSBytes) / (1 << 20)})
	}
	for procName := range from.Procs {
		if _, ok := to.Procs[procName]; !ok {
			p.Missing = append(p.Missing, procName)
		}
	}
	if from.MachineOK && to.MachineOK {
		busy := max(to.MachineBusy-from.MachineBusy, 0)
		p.MachineCoreShare = share(busy)
		// Two clocks read a moment apart: never report a negative rest.
		p.OtherCoreShare = share(max(busy-accounted, 0))
	}
	sort.Slice(p.Processes, func(i, j int) bool { return columnBefore(p.Processes[i].Name, p.Processes[j].Name) })
	sort.Strings(p.Missing)
	return p
}

// columnBefore orders processes as procColumns does, unknown ones after
// them by name.
func columnBefore(a, b string) bool {
	ia, ib := columnOrder(a), columnOrder(b)
	return ia < ib || (ia == ib && a < b)
}

func columnOrder(name string) int {
	if i := slices.Index(procColumns, name); i >= 0 {
		return i
	}
	return len(procColumns)
}

// clusterTable renders the per-process CPU as one table: a row per phase, a
// column per process, in % of one core.
func (r *report) clusterTable(b *strings.Builder) {
	c := r.Cluster
	if c == nil || len(c.Phases) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, p := range c.Phases {
		for _, x := range p.Processes {
			seen[x.Name] = true
		}
	}
	var cols []string
	for name := range seen {
		cols = append(cols, name)
	}
	sort.Slice(cols, func(i, j int) bool { return columnBefore(cols[i], cols[j]) })
	fmt.Fprintf(b, "CPU by process, %% of one core (%d CPUs: %d%% is the whole machine); cluster processes from %s:\n\n", r.Machine.CPUs, 100*r.Machine.CPUs, c.StateDir)
	b.WriteString("| phase | wall s | machine, all processes |")
	for _, name := range cols {
		fmt.Fprintf(b, " %s |", name)
	}
	b.WriteString(" rest of the machine |\n|---|---|---|" + strings.Repeat("---|", len(cols)+1) + "\n")
	for _, p := range c.Phases {
		fmt.Fprintf(b, "| %s | %.1f | %s |", p.Name, p.WallSeconds, percentText(p.MachineCoreShare))
		for _, name := range cols {
			cell := "–"
			for _, x := range p.Processes {
				if x.Name == name {
					cell = percentText(x.CoreShare)
				}
			}
			fmt.Fprintf(b, " %s |", cell)
		}
		fmt.Fprintf(b, " %s |\n", percentText(p.OtherCoreShare))
	}
	b.WriteString("\n")
	if last := c.Phases[len(c.Phases)-1]; len(last.Processes) > 0 {
		var parts []string
		for _, x := range last.Processes {
			parts = append(parts, fmt.Sprintf("%s %.0f MiB", x.Name, x.RSSMiB))
		}
		fmt.Fprintf(b, "Resident size at the end of %s: %s.\n\n", last.Name, strings.Join(parts, ", "))
	}
	for _, p := range c.Phases {
		if len(p.Missing) > 0 {
			fmt.Fprintf(b, "Not measured through %s (started, stopped or restarted in it): %s.\n\n", p.Name, strings.Join(p.Missing, ", "))
		}
	}
}

// percentText renders a core share as "% of a core"; negative means unknown.
func percentText(share float64) string {
	if share < 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*share)
}
