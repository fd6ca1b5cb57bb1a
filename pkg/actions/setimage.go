package actions

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// AllContainers is the container name that means every container.
const AllContainers = "*"

// SetImage returns the decision that sets container images in the rollout's pod
// template, a new revision: images maps container names (init containers
// included, AllContainers for every one) to images, a named container winning
// over AllContainers. Containers that already run their image are left out; a
// name the template does not have is an error.
func SetImage(images map[string]string) Decision {
	return func(ro *v1alpha1.Rollout) (Change, error) {
		if ro.Spec.WorkloadRef != nil {
			return Change{}, refused("rollout %q takes its pod template from %s %q (workloadRef); set the image there",
				ro.Name, ro.Spec.WorkloadRef.Kind, ro.Spec.WorkloadRef.Name)
		}
		spec := ro.Spec.Template.Spec
		var ops []JSONPatchOp
		var changed, unchanged []string
		found := map[string]bool{}
		set := func(field string, containers []corev1.Container) {
			for i, c := range containers {
				image, ok := images[c.Name]
				if !ok {
					image, ok = images[AllContainers]
				}
				if !ok {
					continue
				}
				found[c.Name] = true
				if c.Image == image {
					unchanged = append(unchanged, c.Name+"="+image)
					continue
				}
				ops = append(ops, JSONPatchOp{Op: "replace", Path: fmt.Sprintf("/spec/template/spec/%s/%d/image", field, i), Value: image})
				changed = append(changed, c.Name+"="+image)
			}
		}
		set("initContainers", spec.InitContainers)
		set("containers", spec.Containers)

		var missing []string
		for name := range images {
			if name != AllContainers && !found[name] {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return Change{}, fmt.Errorf("rollout %q has no container %s (containers: %s)",
				ro.Name, quoteAll(missing), strings.Join(containerNames(spec), ", "))
		}
		if len(found) == 0 {
			return Change{}, fmt.Errorf("rollout %q has no containers", ro.Name)
		}
		if len(ops) == 0 {
			return Change{}, nothingToDo("rollout %q already runs %s: nothing to change", ro.Name, strings.Join(unchanged, ", "))
		}
		return Change{
			Writes: []Write{{Ops: ops}},
			Done:   fmt.Sprintf("rollout %q image updated: %s", ro.Name, strings.Join(changed, ", ")),
		}, nil
	}
}

func containerNames(spec corev1.PodSpec) []string {
	var names []string
	for _, c := range spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range spec.Containers {
		names = append(names, c.Name)
	}
	return names
}

func quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(quoted, ", ")
}
