package view

import (
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// roleOrder is the order images are listed in.
var roleOrder = []string{"stable", "canary", "baseline", "active", "preview"}

// imageLine is one image and the roles of the ReplicaSets that run it.
type imageLine struct {
	image string
	roles []string
}

func (l imageLine) String() string {
	if len(l.roles) == 0 {
		return l.image
	}
	return l.image + " (" + strings.Join(l.roles, ", ") + ")"
}

// images lists the container images of the ReplicaSets that hold a role, tagged
// with the role; an image two roles share is listed once with both tags. Before
// any ReplicaSet has a role, the rollout's own template is listed untagged.
func images(ro *v1alpha1.Rollout, rss []*appsv1.ReplicaSet) []imageLine {
	var lines []imageLine
	index := map[string]int{}
	add := func(image, role string) {
		i, ok := index[image]
		if !ok {
			index[image] = len(lines)
			lines = append(lines, imageLine{image: image})
			i = len(lines) - 1
		}
		if role != "" && !slices.Contains(lines[i].roles, role) {
			lines[i].roles = append(lines[i].roles, role)
		}
	}
	for _, role := range roleOrder {
		for _, rs := range sortedByName(rss) {
			if Role(ro, hashOf(rs)) != role {
				continue
			}
			for _, c := range rs.Spec.Template.Spec.Containers {
				add(c.Image, role)
			}
		}
	}
	if len(lines) == 0 {
		for _, c := range ro.Spec.Template.Spec.Containers {
			add(c.Image, "")
		}
	}
	return lines
}
