package trafficrouting

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Edit reads a routing object from the cache, applies change to a copy, marks
// it managed by the rollout, and writes it back only when something changed.
// Routers edit objects as unstructured JSON, so fields sluice does not own —
// including ones newer than any Go type sluice knows — pass through as they
// are. The write carries the cached resourceVersion: a concurrent edit by
// someone else makes it fail (and the rollout retry) instead of being
// overwritten.
func Edit(ctx context.Context, client dynamic.Interface, lister cache.GenericLister, gvr schema.GroupVersionResource,
	namespace, name, rollout string, change func(obj map[string]any) error) error {
	cached, err := lister.ByNamespace(namespace).Get(name)
	if err != nil {
		return err
	}
	before, ok := cached.(*unstructured.Unstructured)
	if !ok {
		return fmt.Errorf("unexpected %T in the cache", cached)
	}
	obj := before.DeepCopy()
	if err := change(obj.Object); err != nil {
		return err
	}
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[ManagedByAnnotation] = rollout
	obj.SetAnnotations(annotations)
	if equality.Semantic.DeepEqual(before.Object, obj.Object) {
		return nil
	}
	if _, err := client.Resource(gvr).Namespace(namespace).Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return nil
}

// InManagedOrder lists the built routes in managedRoutes order (the order a
// router must put them in front of the user's routes), skipping names with no
// route.
func InManagedOrder(managed []v1alpha1.MangedRoutes, built map[string]any) []any {
	var out []any
	for _, m := range managed {
		if route, ok := built[m.Name]; ok {
			out = append(out, route)
		}
	}
	return out
}
