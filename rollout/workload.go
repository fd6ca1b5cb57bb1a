package rollout

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// workloadIndex indexes Rollouts by the "namespace/name" of their workloadRef
// Deployment, so a change of the Deployment's template wakes its Rollout.
const workloadIndex = "byWorkload"

func workloadOfRollout(obj any) ([]string, error) {
	ro, ok := obj.(*v1alpha1.Rollout)
	if !ok || ro.Spec.WorkloadRef == nil {
		return nil, nil
	}
	return []string{ro.Namespace + "/" + ro.Spec.WorkloadRef.Name}, nil
}

// podTemplate returns the pod template the Rollout releases: its own, or that of
// its workloadRef Deployment (nil when that is missing; invalidSpec reports it).
func (c *Controller) podTemplate(ro *v1alpha1.Rollout) (*corev1.PodTemplateSpec, *appsv1.Deployment) {
	if ro.Spec.WorkloadRef == nil {
		return &ro.Spec.Template, nil
	}
	if c.deploymentLister == nil {
		return nil, nil
	}
	dep, err := c.deploymentLister.Deployments(ro.Namespace).Get(ro.Spec.WorkloadRef.Name)
	if err != nil {
		return nil, nil
	}
	return &dep.Spec.Template, dep
}

// invalidWorkload checks a workloadRef: the Deployment exists and the Rollout's
// selector selects its pods.
func (c *Controller) invalidWorkload(ro *v1alpha1.Rollout) string {
	ref := ro.Spec.WorkloadRef
	if c.deploymentLister == nil {
		return "spec.workloadRef: this controller runs without a Deployment informer"
	}
	template, _ := c.podTemplate(ro)
	if template == nil {
		return fmt.Sprintf("spec.workloadRef: Deployment %q not found", ref.Name)
	}
	sel, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return "spec.selector: " + err.Error()
	}
	if !sel.Matches(labels.Set(template.Labels)) {
		return fmt.Sprintf("spec.selector does not match the pod template labels of Deployment %q", ref.Name)
	}
	return ""
}

// scaleDownWorkload applies workloadRef.scaleDown to the referenced Deployment:
// never leaves it alone; onsuccess scales it to 0 once the Rollout is Healthy;
// progressively removes one Deployment pod for every Rollout pod that became
// available, so the two together always serve the desired count.
func (c *Controller) scaleDownWorkload(ctx context.Context, ro *v1alpha1.Rollout, dep *appsv1.Deployment, st *v1alpha1.RolloutStatus) error {
	if dep == nil || ro.Spec.WorkloadRef == nil {
		return nil
	}
	current := ptrValue(dep.Spec.Replicas)
	want := current
	switch ro.Spec.WorkloadRef.ScaleDown {
	case v1alpha1.ScaleDownOnSuccess:
		if st.Phase == v1alpha1.RolloutPhaseHealthy {
			want = 0
		}
	case v1alpha1.ScaleDownProgressively:
		want = min(current, max(0, ptrValue(ro.Spec.Replicas)-st.AvailableReplicas))
	}
	if want == current {
		return nil
	}
	out := dep.DeepCopy()
	out.Spec.Replicas = &want
	if _, err := c.kube.AppsV1().Deployments(dep.Namespace).Update(ctx, out, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("scale Deployment %s to %d: %w", dep.Name, want, err)
	}
	c.recorder.Eventf(ro, corev1.EventTypeNormal, "ScalingDeployment", "Scaled Deployment %s from %d to %d (workloadRef scaleDown %s)", dep.Name, current, want, ro.Spec.WorkloadRef.ScaleDown)
	return nil
}
