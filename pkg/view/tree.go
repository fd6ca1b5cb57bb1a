package view

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// node is one row of the object tree and the rows below it.
type node struct {
	name     string
	kind     string
	status   cell
	age      string
	info     string
	children []*node
}

// argoHashLabel is the hash label Argo Rollouts puts on its AnalysisRuns; runs
// carrying it are placed by it too.
const argoHashLabel = "rollouts-pod-template-hash"

// buildTree arranges a snapshot as rollout → revisions → ReplicaSets → pods, with
// each revision's AnalysisRuns after its ReplicaSets. Newest revision first.
func buildTree(s Snapshot) *node {
	ro := s.Rollout
	phase, _ := EffectivePhase(ro)
	root := &node{name: ro.Name, kind: "Rollout", status: phaseCell(phase), age: age(s.Now, ro.CreationTimestamp.Time)}

	revisions := map[int64]*node{}
	revisionNode := func(rev int64) *node {
		if n, ok := revisions[rev]; ok {
			return n
		}
		name := fmt.Sprintf("revision:%d", rev)
		if rev == 0 {
			name = "revision:unknown"
		}
		revisions[rev] = &node{name: name}
		return revisions[rev]
	}

	rss := sortedByName(s.ReplicaSets)
	revisionByHash := map[string]int64{}
	for _, rs := range rss {
		rev := Revision(rs.Annotations)
		revisionByHash[hashOf(rs)] = rev
		parent := revisionNode(rev)
		parent.children = append(parent.children, replicaSetNode(s, rs))
	}
	for _, run := range sortedRuns(s.AnalysisRuns) {
		parent := revisionNode(runRevision(run, revisionByHash))
		parent.children = append(parent.children, analysisRunNode(s, run))
	}

	keys := make([]int64, 0, len(revisions))
	for rev := range revisions {
		keys = append(keys, rev)
	}
	// Newest first; "unknown" (0) last.
	sort.Slice(keys, func(i, j int) bool { return keys[i] > keys[j] })
	for _, rev := range keys {
		root.children = append(root.children, revisions[rev])
	}
	return root
}

// runRevision places an AnalysisRun: by its revision annotation, else by the
// revision of the ReplicaSet whose hash it is labelled with.
func runRevision(run *v1alpha1.AnalysisRun, revisionByHash map[string]int64) int64 {
	if rev := Revision(run.Annotations); rev > 0 {
		return rev
	}
	for _, key := range []string{HashLabel, argoHashLabel} {
		if rev, ok := revisionByHash[run.Labels[key]]; ok && run.Labels[key] != "" {
			return rev
		}
	}
	return 0
}

// replicaSetNode is a ReplicaSet row with its pods below it.
func replicaSetNode(s Snapshot, rs *appsv1.ReplicaSet) *node {
	desired := int32(0)
	if rs.Spec.Replicas != nil {
		desired = *rs.Spec.Replicas
	}
	st := rs.Status
	var status cell
	switch {
	case desired == 0 && st.Replicas == 0:
		status = cell{iconIdle + " ScaledDown", toneIdle}
	case st.AvailableReplicas >= desired && st.Replicas == desired:
		status = cell{iconHealthy + " Healthy", toneGood}
	default:
		status = cell{iconProgressing + " Progressing", toneBusy}
	}

	var info []string
	if role := Role(s.Rollout, hashOf(rs)); role != "" {
		info = append(info, role)
	}
	if h := hashOf(rs); h != "" {
		info = append(info, "hash "+h)
	}
	info = append(info, fmt.Sprintf("ready %d/%d", st.ReadyReplicas, desired))
	if left, ok := scaleDownLeft(s, rs); ok {
		if left > 0 {
			info = append(info, "scale-down in "+countdown(left))
		} else if st.Replicas > 0 {
			info = append(info, "scale-down due")
		}
	}

	n := &node{name: rs.Name, kind: "ReplicaSet", status: status, age: age(s.Now, rs.CreationTimestamp.Time), info: strings.Join(info, ", ")}
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil || selector.Empty() {
		return n
	}
	for _, pod := range sortedPods(s.Pods) {
		if ref := metav1.GetControllerOf(pod); ref != nil && ref.UID != rs.UID {
			continue
		}
		if selector.Matches(labels.Set(pod.Labels)) {
			n.children = append(n.children, podNode(s, pod))
		}
	}
	return n
}

// analysisRunNode is an AnalysisRun row: phase and ✔/✖ counts of its
// measurements (all metrics together), as a run in progress already has them,
// with the latest verdict of each judge metric below it.
func analysisRunNode(s Snapshot, run *v1alpha1.AnalysisRun) *node {
	phase := run.Status.Phase
	if phase == "" {
		phase = v1alpha1.AnalysisPhasePending
	}
	icon, t := analysisTone(phase)
	var ok, bad, unsure int32
	for _, m := range run.Status.MetricResults {
		ok, bad, unsure = ok+m.Successful, bad+m.Failed+m.Error, unsure+m.Inconclusive
	}
	info := fmt.Sprintf("%s %d, %s %d", iconHealthy, ok, iconDegraded, bad)
	if unsure > 0 {
		info += fmt.Sprintf(", %s %d", iconUnknown, unsure)
	}
	return &node{name: run.Name, kind: "AnalysisRun", status: cell{icon + " " + string(phase), t}, age: age(s.Now, run.CreationTimestamp.Time), info: info,
		children: judgeNodes(run, s.Now)}
}

func phaseCell(p v1alpha1.RolloutPhase) cell {
	icon, t := phaseTone(p)
	return cell{icon + " " + string(p), t}
}
