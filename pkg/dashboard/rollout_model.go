package dashboard

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// rolloutView is the Rollout page's data: the facts of `get rollout` (from
// pkg/view, the same code) and what the page adds around them.
type rolloutView struct {
	Namespace, Name string
	Facts           view.RolloutFacts
	Containers      []containerRow
	Steps           []stepRow
	Runs            []runRow
	Conditions      []conditionRow
	Events          []eventRow
	// Revisions are the revisions undo can go back to, newest first.
	Revisions []int64
	Actions   []actionButton
	// Missing says what could not be read (a kind the user may not list).
	Missing []string
}

type containerRow struct {
	Name, Image string
	Init        bool
}

// stepRow is one canary step; State is "done", "current" or "next".
type stepRow struct {
	Text, State string
}

type runRow struct {
	Namespace, Name string
	Kind            string
	Status          view.Status
	Age             string
}

type conditionRow struct {
	Type, Status, Reason, Message, Age string
}

type eventRow struct {
	Type, Reason, Message, Age string
	Count                      int32
}

// actionButton is an action as the page offers it: enabled, or not and why.
type actionButton struct {
	actionKind
	Enabled bool
	Why     string
}

// recentEvents is how many of a Rollout's Events its page shows, newest first.
const recentEvents = 20

// buildRolloutView puts a snapshot and what is around it into the page's data.
func buildRolloutView(s view.Snapshot, events []*corev1.Event, missing []string, p permissions, readOnly bool) rolloutView {
	ro := s.Rollout
	v := rolloutView{Namespace: ro.Namespace, Name: ro.Name, Facts: view.SummarizeRollout(s), Missing: missing}
	for _, c := range ro.Spec.Template.Spec.InitContainers {
		v.Containers = append(v.Containers, containerRow{Name: c.Name, Image: c.Image, Init: true})
	}
	for _, c := range ro.Spec.Template.Spec.Containers {
		v.Containers = append(v.Containers, containerRow{Name: c.Name, Image: c.Image})
	}
	v.Steps = stepRows(ro)
	for _, run := range s.AnalysisRuns {
		_, kind := view.RunRollout(run)
		v.Runs = append(v.Runs, runRow{Namespace: run.Namespace, Name: run.Name, Kind: kind,
			Status: view.AnalysisStatus(run.Status.Phase), Age: ago(s.Now, run.CreationTimestamp.Time)})
	}
	sort.Slice(v.Runs, func(i, j int) bool { return v.Runs[i].Name < v.Runs[j].Name })
	for _, c := range ro.Status.Conditions {
		v.Conditions = append(v.Conditions, conditionRow{Type: string(c.Type), Status: string(c.Status),
			Reason: c.Reason, Message: c.Message, Age: ago(s.Now, c.LastTransitionTime.Time)})
	}
	for _, e := range events[:min(len(events), recentEvents)] {
		v.Events = append(v.Events, eventRow{Type: e.Type, Reason: e.Reason, Message: e.Message,
			Age: ago(s.Now, eventTime(e)), Count: max(e.Count, 1)})
	}
	seen := map[int64]bool{}
	for _, rs := range s.ReplicaSets {
		if rev := view.Revision(rs.Annotations); rev > 0 && !seen[rev] {
			seen[rev] = true
			v.Revisions = append(v.Revisions, rev)
		}
	}
	sort.Slice(v.Revisions, func(i, j int) bool { return v.Revisions[i] > v.Revisions[j] })
	for _, k := range actionKinds {
		ok, why := actionAllowed(k, p, readOnly)
		v.Actions = append(v.Actions, actionButton{actionKind: k, Enabled: ok, Why: why})
	}
	return v
}

// stepRows are the canary steps, named as events and `plan` name them, with
// the one in progress marked.
func stepRows(ro *v1alpha1.Rollout) []stepRow {
	c := ro.Spec.Strategy.Canary
	if c == nil {
		return nil
	}
	current := int32(0)
	if ro.Status.CurrentStepIndex != nil {
		current = *ro.Status.CurrentStepIndex
	}
	rows := make([]stepRow, len(c.Steps))
	for i := range c.Steps {
		state := "next"
		switch {
		case int32(i) < current:
			state = "done"
		case int32(i) == current:
			state = "current"
		}
		rows[i] = stepRow{Text: plan.StepName(c.Steps, int32(i)), State: state}
	}
	return rows
}

// ago is how long ago t was, in kubectl's short form; "" for no time.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return duration.HumanDuration(now.Sub(t))
}

// eventTime is when an Event last happened.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

// sortEventsNewestFirst orders Events by when they last happened, newest first.
func sortEventsNewestFirst(events []*corev1.Event) {
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]).After(eventTime(events[j])) })
}
