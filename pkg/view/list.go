package view

import (
	"fmt"
	"sort"
	"strings"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// RenderList is the `list rollouts` table, sorted by namespace and name. The
// NAMESPACE column is shown only for a list across namespaces.
func RenderList(rollouts []*v1alpha1.Rollout, allNamespaces bool, style Style) string {
	sorted := append([]*v1alpha1.Rollout(nil), rollouts...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Namespace != sorted[j].Namespace {
			return sorted[i].Namespace < sorted[j].Namespace
		}
		return sorted[i].Name < sorted[j].Name
	})
	var t table
	header := []cell{plain("NAME")}
	if allNamespaces {
		header = append(header, plain("NAMESPACE"))
	}
	t.add(append(header, plain("STRATEGY"), plain("STATUS"), plain("STEP"), plain("SET-WEIGHT"),
		plain("READY"), plain("UPDATED"), plain("AVAILABLE"))...)
	for _, ro := range sorted {
		t.add(listRow(ro, allNamespaces)...)
	}
	var b strings.Builder
	t.render(&b, style)
	return b.String()
}

// listRow is one rollout's row.
func listRow(ro *v1alpha1.Rollout, allNamespaces bool) []cell {
	row := []cell{plain(ro.Name)}
	if allNamespaces {
		row = append(row, plain(ro.Namespace))
	}
	phase, _ := EffectivePhase(ro)
	step, ok := Step(ro)
	if !ok {
		step = "-"
	}
	weight := "-"
	if w, ok := SetWeight(ro); ok {
		weight = fmt.Sprint(w)
	}
	st := ro.Status
	return append(row, plain(Strategy(ro)), phaseCell(phase), plain(step), plain(weight),
		plain(fmt.Sprintf("%d/%d", st.ReadyReplicas, desiredReplicas(ro))),
		plain(fmt.Sprint(st.UpdatedReplicas)), plain(fmt.Sprint(st.AvailableReplicas)))
}
