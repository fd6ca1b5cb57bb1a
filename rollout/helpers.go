package rollout

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/cache"

	appsv1 "k8s.io/api/apps/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func isConflict(err error) bool { return apierrors.IsConflict(err) }

// onEveryChange calls fn with the object of every add, update and delete an
// informer sees: every handler of this controller only enqueues.
func onEveryChange(informer cache.SharedInformer, fn func(any)) error {
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    fn,
		UpdateFunc: func(_, obj any) { fn(obj) },
		DeleteFunc: fn,
	})
	return err
}

// rolloutsSelecting lists the Rollouts in a ReplicaSet's namespace whose selector
// matches its labels.
func (c *Controller) rolloutsSelecting(rs *appsv1.ReplicaSet) []*v1alpha1.Rollout {
	all, err := c.rolloutLister.Rollouts(rs.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*v1alpha1.Rollout
	for _, ro := range all {
		sel, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
		if err != nil || sel.Empty() {
			continue
		}
		if sel.Matches(labels.Set(rs.Labels)) {
			out = append(out, ro)
		}
	}
	return out
}

// InstanceLabel scopes objects to one controller instance (--instance-id).
const InstanceLabel = "sluice.dev/instance-id"

const (
	typesMerge     = types.MergePatchType
	typesStrategic = types.StrategicMergePatchType
)

func ptrTo[T any](v T) *T { return &v }

func ptrValue[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func intOrPercent(v *intstr.IntOrString, total int) (int, error) {
	return intstr.GetScaledValueFromIntOrPercent(v, total, false)
}
