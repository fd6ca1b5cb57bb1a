package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func newSetImageCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "image NAME CONTAINER=IMAGE...",
		Short: "Set container images: a new revision of the rollout",
		Long: "Set image changes the image of the named containers (init containers included) in\n" +
			"spec.template, which starts a new revision. CONTAINER '*' means every container.",
		Example: "  kubectl sluice set image web web=registry.example.com/web:2.0\n" +
			"  kubectl sluice set image web '*=registry.example.com/web:2.0'",
		Args:              minArgs("NAME", "CONTAINER=IMAGE"),
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			images, err := parseImageArgs(args[1:])
			if err != nil {
				return usageErrorf("%v%s", err, helpHint(cmd))
			}
			s, err := o.newSession()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ro, err := s.getRollout(ctx, args[0])
			if err != nil {
				return err
			}
			ops, changes, err := imagePatch(ro, images)
			if err != nil {
				return err
			}
			if _, err := s.jsonPatch(ctx, ro.Name, ops); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rollout %q image updated: %s\n", ro.Name, strings.Join(changes, ", "))
			return nil
		},
	}
}

// allContainers is the CONTAINER that means every container.
const allContainers = "*"

// parseImageArgs reads CONTAINER=IMAGE arguments into a map.
func parseImageArgs(args []string) (map[string]string, error) {
	images := map[string]string{}
	for _, arg := range args {
		name, image, ok := strings.Cut(arg, "=")
		if !ok || name == "" || image == "" {
			return nil, fmt.Errorf("%q is not CONTAINER=IMAGE", arg)
		}
		if _, dup := images[name]; dup {
			return nil, fmt.Errorf("container %q is given twice", name)
		}
		images[name] = image
	}
	return images, nil
}

// imagePatch is the JSON patch that sets the images: for each container changed,
// a test of its name (so a concurrent reorder fails instead of changing the wrong
// container) and a replace of its image. A named container wins over '*'. It
// also returns "container=image" for each container set.
func imagePatch(ro *v1alpha1.Rollout, images map[string]string) ([]jsonPatchOp, []string, error) {
	if ro.Spec.WorkloadRef != nil {
		return nil, nil, fmt.Errorf("rollout %q takes its pod template from %s %q (workloadRef); set the image there",
			ro.Name, ro.Spec.WorkloadRef.Kind, ro.Spec.WorkloadRef.Name)
	}
	spec := ro.Spec.Template.Spec
	var ops []jsonPatchOp
	var changes []string
	found := map[string]bool{}
	add := func(field string, containers []corev1.Container) {
		for i, c := range containers {
			image, ok := images[c.Name]
			if !ok {
				image, ok = images[allContainers]
			}
			if !ok {
				continue
			}
			found[c.Name] = true
			base := fmt.Sprintf("/spec/template/spec/%s/%d", field, i)
			ops = append(ops,
				jsonPatchOp{Op: "test", Path: base + "/name", Value: c.Name},
				jsonPatchOp{Op: "replace", Path: base + "/image", Value: image})
			changes = append(changes, c.Name+"="+image)
		}
	}
	add("initContainers", spec.InitContainers)
	add("containers", spec.Containers)

	var missing []string
	for name := range images {
		if name != allContainers && !found[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, nil, fmt.Errorf("rollout %q has no container %s (containers: %s)",
			ro.Name, quoteAll(missing), strings.Join(containerNames(spec), ", "))
	}
	if len(ops) == 0 {
		return nil, nil, fmt.Errorf("rollout %q has no containers", ro.Name)
	}
	return ops, changes, nil
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
