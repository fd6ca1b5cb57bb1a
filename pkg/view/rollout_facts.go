package view

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Status is a status as `get rollout` shows it, for renderers other than the
// terminal (the dashboard): Text with its icon ("✔ Healthy") and Tone, the
// colour class: "good", "busy", "paused", "bad", "idle" or "".
type Status struct {
	Text, Tone string
}

// RolloutFacts is what `get rollout` says about a rollout, as data, so the
// dashboard's Rollout page shows the same facts worded the same way.
type RolloutFacts struct {
	// Status is the effective phase; StatusLine adds its message and the time
	// left of a pause that ends by itself, as the header's Status line.
	Status     Status
	StatusLine string
	Strategy   string
	// Step, SetWeight and ActualWeight are "" where they do not apply
	// (blue-green, no steps).
	Step, SetWeight, ActualWeight string
	// Images are the images of the ReplicaSets holding a role, tagged with
	// it: "web:2.0 (canary)".
	Images []string
	// Replicas as the header counts them.
	Desired, Current, Updated, Ready, Available int32
	// Tree is the revisions → ReplicaSets → pods and AnalysisRuns tree, one
	// row per object in the order `get rollout` prints it.
	Tree []TreeRow
}

// TreeRow is one row of the object tree; Depth 0 is the Rollout.
type TreeRow struct {
	Depth      int
	Name, Kind string
	Status     Status
	Age, Info  string
}

// SummarizeRollout is the facts of a snapshot.
func SummarizeRollout(s Snapshot) RolloutFacts {
	ro := s.Rollout
	status := statusCell(s)
	phase, _ := EffectivePhase(ro)
	f := RolloutFacts{
		Status:     statusOf(phaseCell(phase)),
		StatusLine: status.text,
		Strategy:   Strategy(ro),
		Desired:    desiredReplicas(ro),
		Current:    ro.Status.Replicas,
		Updated:    ro.Status.UpdatedReplicas,
		Ready:      ro.Status.ReadyReplicas,
		Available:  ro.Status.AvailableReplicas,
	}
	if step, ok := Step(ro); ok {
		f.Step = step
	}
	if w, ok := SetWeight(ro); ok {
		f.SetWeight = fmt.Sprint(w)
	}
	if w, ok := ActualWeight(ro, s.ReplicaSets); ok {
		f.ActualWeight = fmt.Sprint(w)
	}
	for _, line := range images(ro, s.ReplicaSets) {
		f.Images = append(f.Images, line.String())
	}
	var walk func(n *node, depth int)
	walk = func(n *node, depth int) {
		f.Tree = append(f.Tree, TreeRow{Depth: depth, Name: n.name, Kind: n.kind, Status: statusOf(n.status), Age: n.age, Info: n.info})
		for _, c := range n.children {
			walk(c, depth+1)
		}
	}
	walk(buildTree(s), 0)
	return f
}

// PhaseStatus is a rollout's effective phase as a Status, and its message.
func PhaseStatus(ro *v1alpha1.Rollout) (Status, string) {
	phase, message := EffectivePhase(ro)
	return statusOf(phaseCell(phase)), message
}

// AnalysisStatus is an AnalysisRun phase as a Status.
func AnalysisStatus(p v1alpha1.AnalysisPhase) Status {
	if p == "" {
		p = v1alpha1.AnalysisPhasePending
	}
	icon, t := analysisTone(p)
	return Status{Text: icon + " " + string(p), Tone: toneNames[t]}
}

// toneNames are the tones as colour classes.
var toneNames = map[tone]string{
	toneGood: "good", toneBusy: "busy", tonePaused: "paused", toneBad: "bad", toneIdle: "idle",
}

func statusOf(c cell) Status { return Status{Text: c.text, Tone: toneNames[c.tone]} }
