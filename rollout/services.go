package rollout

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// ManagedByAnnotation marks objects sluice edits but does not own (SPEC §1).
const ManagedByAnnotation = "sluice.dev/managed-by"

// observeService describes a Service for planning. Its EndpointSlices are read
// (one API call) only when checkSettled is set: while a cutover waits for them.
func (c *Controller) observeService(ctx context.Context, svc *corev1.Service, ro *v1alpha1.Rollout, checkSettled bool) (*plan.Service, error) {
	if svc == nil {
		return nil, nil
	}
	out := &plan.Service{Name: svc.Name, SelectedHash: svc.Spec.Selector[HashLabel]}
	if checkSettled && out.SelectedHash != "" {
		settled, err := c.endpointsShowOnly(ctx, svc, ro.Name+"-"+out.SelectedHash+"-")
		if err != nil {
			return nil, err
		}
		out.Settled = settled
	}
	return out, nil
}

// endpointsShowOnly reports whether a Service's EndpointSlices list at least one
// ready endpoint and only endpoints of pods whose names start with podPrefix (the
// pods of one ReplicaSet): the selector change has reached the data plane.
func (c *Controller) endpointsShowOnly(ctx context.Context, svc *corev1.Service, podPrefix string) (bool, error) {
	slices, err := c.kube.DiscoveryV1().EndpointSlices(svc.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + svc.Name,
	})
	if err != nil {
		return false, fmt.Errorf("list EndpointSlices of Service %s: %w", svc.Name, err)
	}
	ready := 0
	for _, s := range slices.Items {
		for _, e := range s.Endpoints {
			if e.TargetRef == nil || e.TargetRef.Kind != "Pod" || !strings.HasPrefix(e.TargetRef.Name, podPrefix) {
				return false, nil
			}
			if e.Conditions.Ready != nil && *e.Conditions.Ready {
				ready++
			}
		}
	}
	return ready > 0, nil
}

// pointService makes a Service select the pods of the ReplicaSet with hash.
func (c *Controller) pointService(ctx context.Context, ro *v1alpha1.Rollout, svc *corev1.Service, hash string) error {
	if svc == nil || hash == "" {
		return nil
	}
	from := svc.Spec.Selector[HashLabel]
	if from == hash && svc.Annotations[ManagedByAnnotation] == ro.Name {
		return nil
	}
	out := svc.DeepCopy()
	if out.Spec.Selector == nil {
		out.Spec.Selector = map[string]string{}
	}
	out.Spec.Selector[HashLabel] = hash
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[ManagedByAnnotation] = ro.Name
	if _, err := c.kube.CoreV1().Services(svc.Namespace).Update(ctx, out, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("switch Service %s to %s: %w", svc.Name, hash, err)
	}
	if from != hash {
		c.recorder.Eventf(ro, corev1.EventTypeNormal, "SwitchService", "Switched selector of Service %s from %q to %q", svc.Name, from, hash)
	}
	return nil
}
