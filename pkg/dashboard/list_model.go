package dashboard

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// listFilter is what the list page's filter form asks for.
type listFilter struct {
	// Name keeps the Rollouts whose "namespace/name" contains it (any case).
	Name string
	// Status keeps one effective phase ("" for all).
	Status string
	// Attention keeps the Rollouts that need a person (see needsAttention).
	Attention bool
}

// Query parameters of the filter form.
const (
	paramName      = "name"
	paramStatus    = "status"
	paramAttention = "attention"
)

// filterStatuses are the phases the status filter offers.
var filterStatuses = []string{
	string(v1alpha1.RolloutPhaseHealthy), string(v1alpha1.RolloutPhaseProgressing),
	string(v1alpha1.RolloutPhasePaused), string(v1alpha1.RolloutPhaseDegraded),
}

func filterFromQuery(q url.Values) listFilter {
	return listFilter{
		Name:      strings.TrimSpace(q.Get(paramName)),
		Status:    q.Get(paramStatus),
		Attention: q.Get(paramAttention) != "",
	}
}

// listView is the list page's data.
type listView struct {
	Filter        listFilter
	Statuses      []string
	AllNamespaces bool
	Rows          []listRow
	// Total is the number of Rollouts before filtering.
	Total int
}

// listRow is one Rollout in the list.
type listRow struct {
	Namespace, Name string
	Status          view.Status
	Message         string
	Strategy        string
	// Step, SetWeight, ActualWeight: "-" where they do not apply or are not known.
	Step, SetWeight, ActualWeight string
	PauseReasons                  string
	Images                        []string
	Age                           string
	// Attention says why the Rollout needs a person, "" when it does not.
	Attention string
}

// buildList is the list of Rollouts, sorted by namespace and name and
// filtered. It reads only the Rollouts (no ReplicaSets): the list of 1,000
// Rollouts costs no request.
func buildList(ros []*v1alpha1.Rollout, f listFilter, now time.Time, allNamespaces bool) listView {
	v := listView{Filter: f, Statuses: filterStatuses, AllNamespaces: allNamespaces, Total: len(ros)}
	sorted := append([]*v1alpha1.Rollout(nil), ros...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Namespace != sorted[j].Namespace {
			return sorted[i].Namespace < sorted[j].Namespace
		}
		return sorted[i].Name < sorted[j].Name
	})
	name := strings.ToLower(f.Name)
	for _, ro := range sorted {
		if name != "" && !strings.Contains(strings.ToLower(ro.Namespace+"/"+ro.Name), name) {
			continue
		}
		phase, _ := view.EffectivePhase(ro)
		if f.Status != "" && string(phase) != f.Status {
			continue
		}
		attention := needsAttention(ro)
		if f.Attention && attention == "" {
			continue
		}
		v.Rows = append(v.Rows, rowOf(ro, attention, now))
	}
	return v
}

// rowOf is a Rollout's row, from the same functions as `list rollouts`.
func rowOf(ro *v1alpha1.Rollout, attention string, now time.Time) listRow {
	status, message := view.PhaseStatus(ro)
	row := listRow{
		Namespace: ro.Namespace, Name: ro.Name, Status: status, Message: message,
		Strategy: view.Strategy(ro), Step: "-", SetWeight: "-", ActualWeight: "-",
		PauseReasons: pauseReasons(ro), Attention: attention,
		Age: duration.HumanDuration(now.Sub(ro.CreationTimestamp.Time)),
	}
	if step, ok := view.Step(ro); ok {
		row.Step = step
	}
	if w, ok := view.SetWeight(ro); ok {
		row.SetWeight = fmt.Sprint(w)
	}
	// Without a router's report the actual weight is the canary's share of
	// the pods, which needs the ReplicaSets the list does not watch: the
	// Rollout page shows it.
	if w, ok := view.ActualWeight(ro, nil); ok && (ro.Status.Canary.Weights != nil || w == 100) {
		row.ActualWeight = fmt.Sprint(w)
	}
	for _, c := range ro.Spec.Template.Spec.Containers {
		row.Images = append(row.Images, c.Image)
	}
	return row
}

// pauseReasons says what holds a Rollout: "manual" for spec.paused, and the
// reason of each pause condition.
func pauseReasons(ro *v1alpha1.Rollout) string {
	var reasons []string
	if ro.Spec.Paused {
		reasons = append(reasons, "manual")
	}
	for _, c := range ro.Status.PauseConditions {
		reasons = append(reasons, string(c.Reason))
	}
	return strings.Join(reasons, ", ")
}

// needsAttention says why a Rollout waits for a person, "" when it does not:
// its spec is invalid, it is Degraded (aborted, failed analysis, deadline), or
// an inconclusive analysis paused it.
func needsAttention(ro *v1alpha1.Rollout) string {
	for _, c := range ro.Status.Conditions {
		if c.Type == v1alpha1.RolloutInvalidSpec && c.Status == "True" {
			return "InvalidSpec"
		}
	}
	if phase, _ := view.EffectivePhase(ro); phase == v1alpha1.RolloutPhaseDegraded {
		return "Degraded"
	}
	for _, c := range ro.Status.PauseConditions {
		if c.Reason == v1alpha1.PauseReasonInconclusiveAnalysis {
			return "paused on an inconclusive analysis"
		}
	}
	return ""
}
