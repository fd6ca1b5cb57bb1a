package convert

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/internal/fieldpath"
)

// convertDeployment emits a Rollout for a Deployment and the two Services its
// canary strategy needs.
func (c *Converter) convertDeployment(where string, doc []byte) error {
	var d appsv1.Deployment
	if err := yaml.Unmarshal(doc, &d); err != nil {
		return fmt.Errorf("%s: %v", where, yamlError(err))
	}
	if d.Name == "" {
		return fmt.Errorf("%s: Deployment has no metadata.name", where)
	}
	ro := rolloutFromDeployment(&d, c.WorkloadRef)
	m, err := toMap(ro)
	if err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	if !c.WorkloadRef {
		// The template as written, not as it reads back from the Go types (which
		// would add empty fields such as resources: {}).
		var raw map[string]any
		if err := yaml.Unmarshal(doc, &raw); err != nil {
			return fmt.Errorf("%s: %v", where, yamlError(err))
		}
		if tmpl, ok := fieldpath.Lookup(raw, "spec.template").(map[string]any); ok {
			dropNullTimestamp(tmpl)
			m["spec"].(map[string]any)["template"] = tmpl
		}
	}
	if err := c.emitObject(where, m, ""); err != nil {
		return err
	}
	canary := ro.Spec.Strategy.Canary
	comment := fmt.Sprintf("# new: Services %s and %s, for the canary strategy of Rollout %s\n",
		canary.StableService, canary.CanaryService, d.Name)
	for _, name := range []string{canary.StableService, canary.CanaryService} {
		m, err := toMap(canaryService(&d, name))
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		if err := c.emitObject(where, m, comment); err != nil {
			return err
		}
		comment = ""
	}
	return nil
}

// rolloutFromDeployment is the Rollout that takes over from a Deployment, or with
// workloadRef, that takes its pod template from it.
func rolloutFromDeployment(d *appsv1.Deployment, workloadRef bool) *v1alpha1.Rollout {
	annotations := map[string]string{}
	for k, v := range d.Annotations {
		annotations[k] = v
	}
	for _, k := range droppedAnnotations {
		delete(annotations, k)
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	canary := &v1alpha1.CanaryStrategy{
		StableService: d.Name + "-stable",
		CanaryService: d.Name + "-canary",
		Steps:         defaultCanarySteps(),
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		canary.MaxSurge = ru.MaxSurge
		canary.MaxUnavailable = ru.MaxUnavailable
	}
	ro := &v1alpha1.Rollout{
		TypeMeta: metav1.TypeMeta{APIVersion: sluiceAPIVersion, Kind: "Rollout"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        d.Name,
			Namespace:   d.Namespace,
			Labels:      d.Labels,
			Annotations: annotations,
		},
		Spec: v1alpha1.RolloutSpec{
			Replicas:                d.Spec.Replicas,
			Selector:                d.Spec.Selector,
			MinReadySeconds:         d.Spec.MinReadySeconds,
			RevisionHistoryLimit:    d.Spec.RevisionHistoryLimit,
			Paused:                  d.Spec.Paused,
			ProgressDeadlineSeconds: d.Spec.ProgressDeadlineSeconds,
			Strategy:                v1alpha1.RolloutStrategy{Canary: canary},
		},
	}
	if workloadRef {
		ro.Spec.WorkloadRef = &v1alpha1.ObjectRef{
			APIVersion: "apps/v1",
			Kind:       "Deployment",
			Name:       d.Name,
			ScaleDown:  v1alpha1.ScaleDownProgressively,
		}
	} else {
		ro.Spec.Template = d.Spec.Template
	}
	return ro
}

// canaryService is a Service selecting the pods of a Deployment's template, with a
// port for each container port (port 80 when there are none).
func canaryService(d *appsv1.Deployment, name string) *corev1.Service {
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: d.Namespace},
		Spec:       corev1.ServiceSpec{Selector: d.Spec.Template.Labels},
	}
	seen := map[string]bool{}
	for _, container := range d.Spec.Template.Spec.Containers {
		for _, p := range container.Ports {
			key := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
			if seen[key] {
				continue
			}
			seen[key] = true
			port := corev1.ServicePort{Name: p.Name, Port: p.ContainerPort, TargetPort: intstr.FromInt32(p.ContainerPort)}
			if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
				port.Protocol = p.Protocol
			}
			svc.Spec.Ports = append(svc.Spec.Ports, port)
		}
	}
	if len(svc.Spec.Ports) == 0 {
		svc.Spec.Ports = []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(80)}}
	}
	return svc
}
