package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Which ReplicaSet runs the Rollout's pod template (SPEC §8: pod template
// equality, not the hash, decides; the hash only names new ReplicaSets).
//
// A ReplicaSet stores its template as the API server defaulted it, the Rollout
// holds it as the user wrote it, so the exact comparison needs the API server's
// defaulting: a dry-run ReplicaSet create. That call is made only when it can
// change the answer. Defaulting fills in fields and never changes a field that is
// set, so a ReplicaSet can run the template only if its stored template covers
// it (every field the template sets has the same value there):
//   - a ReplicaSet sluice created from this very template carries its hash and
//     covers it: it is the one, no call needed;
//   - no ReplicaSet covers the template (the usual update: a new image): none
//     runs it, no call needed; the caller creates one;
//   - otherwise (an undo to an older template, a template that only dropped a
//     field, a hash computed differently by another sluice version) the dry run
//     decides.

// identifyReplicaSet returns the ReplicaSet among rss that runs template, or nil.
func (c *Controller) identifyReplicaSet(ctx context.Context, ro *v1alpha1.Rollout, template *corev1.PodTemplateSpec, rss []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	hash := podTemplateHash(template, ro.Status.CollisionCount)
	want, ok := templateValue(template)
	if !ok {
		return nil, fmt.Errorf("encode pod template")
	}
	var candidates []*appsv1.ReplicaSet
	for _, rs := range rss {
		stored, ok := templateValue(&withoutRoleMetadata(rs).Spec.Template)
		if !ok || !covers(stored, want) {
			continue
		}
		if rs.Labels[HashLabel] == hash {
			return rs, nil
		}
		candidates = append(candidates, rs)
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	defaulted, err := c.defaultedTemplate(ctx, ro, template)
	if err != nil {
		return nil, err
	}
	return findNewReplicaSet(defaulted, candidates), nil
}

// findNewReplicaSet returns the ReplicaSet whose template equals the
// API-server-defaulted template (the newest revision if several do).
func findNewReplicaSet(defaulted *corev1.PodTemplateSpec, rss []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	var found *appsv1.ReplicaSet
	for _, rs := range rss {
		if !equality.Semantic.DeepEqual(withoutHashLabel(&withoutRoleMetadata(rs).Spec.Template), withoutHashLabel(defaulted)) {
			continue
		}
		if found == nil || revisionOf(rs) > revisionOf(found) {
			found = rs
		}
	}
	return found
}

// templateCovers reports whether every field template sets (the hash label
// aside) has the same value in stored: whether stored may be template after
// defaulting. Both go through the same Go types and JSON encoding, so quantities
// and the like compare in canonical form; lists must have the same length.
func templateCovers(stored, template *corev1.PodTemplateSpec) bool {
	s, okS := templateValue(stored)
	t, okT := templateValue(template)
	return okS && okT && covers(s, t)
}

// templateValue is a template without the hash label as a generic JSON value,
// the form covers compares.
func templateValue(t *corev1.PodTemplateSpec) (any, bool) {
	raw, err := json.Marshal(withoutHashLabel(t))
	if err != nil {
		return nil, false
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, false
	}
	return out, true
}

func covers(stored, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		s, ok := stored.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !covers(s[k], v) {
				return false
			}
		}
		return true
	case []any:
		s, ok := stored.([]any)
		if !ok || len(s) != len(w) {
			return false
		}
		for i := range w {
			if !covers(s[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(stored, want)
}

// withoutHashLabel returns a copy of a template without sluice's hash label.
func withoutHashLabel(t *corev1.PodTemplateSpec) *corev1.PodTemplateSpec {
	out := t.DeepCopy()
	delete(out.Labels, HashLabel)
	if len(out.Labels) == 0 {
		out.Labels = nil
	}
	return out
}

// defaultedTemplate asks the API server to default a pod template, with a
// dry-run ReplicaSet create: the only exact way to know what a ReplicaSet made
// from the template stores (defaults and mutating admission included).
func (c *Controller) defaultedTemplate(ctx context.Context, ro *v1alpha1.Rollout, template *corev1.PodTemplateSpec) (*corev1.PodTemplateSpec, error) {
	probe := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{GenerateName: ro.Name + "-probe-", Namespace: ro.Namespace},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptrTo(int32(0)),
			Selector: ro.Spec.Selector,
			Template: *template.DeepCopy(),
		},
	}
	out, err := c.kube.AppsV1().ReplicaSets(ro.Namespace).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		return nil, fmt.Errorf("default pod template (dry-run create): %w", err)
	}
	return &out.Spec.Template, nil
}

// podTemplateHash names a new ReplicaSet: a short hash of the template as the
// Rollout holds it and the collision count.
func podTemplateHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	raw, _ := json.Marshal(withoutHashLabel(template))
	h := fnv.New32a()
	h.Write(raw)
	if collisionCount != nil {
		h.Write([]byte(strconv.Itoa(int(*collisionCount))))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}
