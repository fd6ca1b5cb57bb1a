package decode

import (
	"encoding/json"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout"
)

// LastAppliedAnnotation is what client-side `kubectl apply` stores on every
// object it applies: the whole applied manifest as JSON.
const LastAppliedAnnotation = corev1.LastAppliedConfigAnnotation

// Template is the size of a Rollout's pod template.
type Template int

const (
	// SmallTemplate is the scale benchmark's: one container, an image.
	SmallTemplate Template = iota
	// LargeTemplate is a typical service's: an application, a proxy and a
	// log shipper, each with env, resources, probes, ports and mounts.
	LargeTemplate
)

func (t Template) String() string {
	if t == LargeTemplate {
		return "large"
	}
	return "small"
}

// Shape says what an object carries besides what sluice itself needs.
type Shape struct {
	Template Template
	// Applied: the user applies the object with client-side kubectl apply,
	// so it carries the last-applied annotation and that manager's fields.
	Applied bool
}

func (s Shape) String() string {
	if s.Applied {
		return s.Template.String() + "-applied"
	}
	return s.Template.String()
}

// Shapes are the combinations the benchmarks compare.
var Shapes = []Shape{{SmallTemplate, false}, {SmallTemplate, true}, {LargeTemplate, false}, {LargeTemplate, true}}

var (
	created = metav1.NewTime(time.Date(2026, 11, 22, 18, 4, 5, 0, time.UTC))
	later   = metav1.NewTime(created.Add(90 * time.Second))
)

const (
	namespace  = "bench-7f3a2c"
	instanceID = "bench-7f3a2c"
	stableHash = "6d8f9b7c4d"
	canaryHash = "5c7b9f8d6b"
)

// Rollout is the i-th Rollout of the scale benchmark's plain kind, caught
// paused after setWeight 50: three conditions, canary weights, a pause
// condition, as the API server sends it in a watch event.
func Rollout(i int, s Shape) *v1alpha1.Rollout {
	name := fmt.Sprintf("ro-%05d", i)
	labels := map[string]string{"app": name}
	ro := &v1alpha1.Rollout{
		TypeMeta: metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "Rollout"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: namespace, Generation: 2, ResourceVersion: fmt.Sprint(482913 + i),
			UID:               uid("ro", i),
			CreationTimestamp: created,
			Labels:            map[string]string{rollout.InstanceLabel: instanceID, "sluice.dev/bench-kind": "plain"},
		},
		Spec: v1alpha1.RolloutSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: podTemplate(name, s.Template, "v2"),
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{Steps: []v1alpha1.CanaryStep{
				{SetWeight: ptr.To[int32](50)},
				{Pause: &v1alpha1.RolloutPause{Duration: ptr.To(intstr.FromString("1s"))}},
				{SetWeight: ptr.To[int32](100)},
			}}},
		},
		Status: v1alpha1.RolloutStatus{
			ObservedGeneration: 2,
			Phase:              v1alpha1.RolloutPhasePaused,
			Message:            "CanaryPauseStep",
			CurrentPodHash:     canaryHash,
			StableRS:           stableHash,
			CurrentStepIndex:   ptr.To[int32](1),
			CurrentStepHash:    "7b5d8c9f4",
			PauseConditions:    []v1alpha1.PauseCondition{{Reason: v1alpha1.PauseReasonCanaryPauseStep, StartTime: later}},
			Replicas:           3, UpdatedReplicas: 1, ReadyReplicas: 3, AvailableReplicas: 3,
			Selector: "app=" + name,
			Canary: v1alpha1.CanaryStatus{Weights: &v1alpha1.TrafficWeights{
				Canary: v1alpha1.WeightDestination{Weight: 50, PodTemplateHash: canaryHash},
				Stable: v1alpha1.WeightDestination{Weight: 50, PodTemplateHash: stableHash},
			}},
			Conditions: []v1alpha1.RolloutCondition{
				{Type: v1alpha1.RolloutProgressing, Status: corev1.ConditionTrue, LastUpdateTime: later, LastTransitionTime: later,
					Reason: v1alpha1.ReasonReplicaSetUpdated, Message: fmt.Sprintf("ReplicaSet %q is progressing.", name+"-"+canaryHash)},
				{Type: v1alpha1.RolloutAvailable, Status: corev1.ConditionTrue, LastUpdateTime: created, LastTransitionTime: created,
					Reason: v1alpha1.ReasonAvailable, Message: "Rollout has minimum availability"},
				{Type: v1alpha1.RolloutPaused, Status: corev1.ConditionTrue, LastUpdateTime: later, LastTransitionTime: later,
					Reason: v1alpha1.ReasonRolloutPaused, Message: "Rollout is paused"},
			},
		},
	}
	applied(&ro.ObjectMeta, ro, s.Applied, "spec")
	ro.ManagedFields = append(ro.ManagedFields, managed("sluice-controller", "status", ro, "status"))
	return ro
}

// ReplicaSet is the canary ReplicaSet sluice created for Rollout(i, s), with
// kube-controller-manager's status. Users never apply ReplicaSets.
func ReplicaSet(i int, s Shape) *appsv1.ReplicaSet {
	ro := Rollout(i, s)
	template := ro.Spec.Template.DeepCopy()
	template.Labels[rollout.HashLabel] = canaryHash
	selector := ro.Spec.Selector.DeepCopy()
	selector.MatchLabels[rollout.HashLabel] = canaryHash
	labels := map[string]string{rollout.InstanceLabel: instanceID}
	for k, v := range template.Labels {
		labels[k] = v
	}
	rs := &appsv1.ReplicaSet{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: metav1.ObjectMeta{
			Name: ro.Name + "-" + canaryHash, Namespace: namespace, Generation: 2, ResourceVersion: fmt.Sprint(483001 + i),
			UID: uid("rs", i), CreationTimestamp: later, Labels: labels,
			Annotations:     map[string]string{rollout.RevisionAnnotation: "2"},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ro, v1alpha1.SchemeGroupVersion.WithKind("Rollout"))},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1), Selector: selector, Template: *template},
		Status: appsv1.ReplicaSetStatus{
			Replicas: 1, FullyLabeledReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, ObservedGeneration: 2,
		},
	}
	rs.ManagedFields = []metav1.ManagedFieldsEntry{
		managed("sluice-controller", "", rs, "metadata", "spec"),
		managed("kube-controller-manager", "status", rs, "status"),
	}
	return rs
}

// Service is an Istio Rollout's stable Service as a user writes it, with the
// selector sluice adds.
func Service(i int, s Shape) *corev1.Service {
	name := fmt.Sprintf("ro-%05d-stable", i)
	svc := &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: namespace, ResourceVersion: fmt.Sprint(481000 + i), UID: uid("svc", i),
			CreationTimestamp: created,
			Annotations:       map[string]string{rollout.ManagedByAnnotation: fmt.Sprintf("ro-%05d", i)},
		},
		Spec: corev1.ServiceSpec{
			Selector:  map[string]string{"app": fmt.Sprintf("ro-%05d", i), rollout.HashLabel: stableHash},
			Ports:     []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromInt32(8080)}},
			ClusterIP: fmt.Sprintf("198.19.%d.%d", i/250, i%250+2), ClusterIPs: []string{fmt.Sprintf("198.19.%d.%d", i/250, i%250+2)},
			Type: corev1.ServiceTypeClusterIP, SessionAffinity: corev1.ServiceAffinityNone,
			IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol}, IPFamilyPolicy: ptr.To(corev1.IPFamilyPolicySingleStack),
			InternalTrafficPolicy: ptr.To(corev1.ServiceInternalTrafficPolicyCluster),
		},
	}
	applied(&svc.ObjectMeta, svc, s.Applied, "spec")
	svc.ManagedFields = append(svc.ManagedFields, managed("sluice-controller", "", svc, "metadata"))
	return svc
}

// podTemplate is a Rollout's pod template of the given size.
func podTemplate(name string, size Template, version string) corev1.PodTemplateSpec {
	labels := map[string]string{"app": name}
	toleration := corev1.Toleration{Key: "sluice.dev/bench", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}
	if size == SmallTemplate {
		return corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{
				Containers:  []corev1.Container{{Name: "app", Image: "registry.example/bench:" + version}},
				Tolerations: []corev1.Toleration{toleration},
			},
		}
	}
	labels["team"] = "payments"
	labels["tier"] = "backend"
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{
			"prometheus.io/scrape": "true", "prometheus.io/port": "9090", "prometheus.io/path": "/metrics",
		}},
		Spec: corev1.PodSpec{
			ServiceAccountName:            name,
			TerminationGracePeriodSeconds: ptr.To[int64](45),
			SecurityContext:               &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), FSGroup: ptr.To[int64](2000)},
			Containers: []corev1.Container{
				container("app", "registry.example/payments/"+name+":"+version, 8080, 12, "500m", "512Mi"),
				container("proxy", "registry.example/mesh/proxy:1.24.3", 15001, 6, "100m", "128Mi"),
				container("log-shipper", "registry.example/observability/shipper:3.2.0", 2020, 4, "50m", "64Mi"),
			},
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name + "-config"}}}},
				{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: name + "-tls"}}},
				{Name: "logs", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
			Tolerations: []corev1.Toleration{toleration},
			Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
				Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}},
			}}}},
		},
	}
}

// container is one container of the large template: env vars, requests and
// limits, readiness and liveness probes, a port and the three mounts.
func container(name, image string, port int32, envs int, cpu, memory string) corev1.Container {
	var env []corev1.EnvVar
	for i := 0; i < envs; i++ {
		env = append(env, corev1.EnvVar{Name: fmt.Sprintf("%s_SETTING_%02d", "APP", i), Value: fmt.Sprintf("value-%02d-for-%s", i, name)})
	}
	env = append(env, corev1.EnvVar{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}})
	probe := func(path string, delay int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port)}},
			InitialDelaySeconds: delay, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 3,
		}
	}
	return corev1.Container{
		Name: name, Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
		Args:  []string{"--config=/etc/" + name + "/config.yaml", "--log-format=json"},
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port, Protocol: corev1.ProtocolTCP}},
		Env:   env,
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memory)},
		},
		ReadinessProbe: probe("/ready", 5),
		LivenessProbe:  probe("/healthz", 15),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "config", MountPath: "/etc/" + name, ReadOnly: true},
			{Name: "tls", MountPath: "/etc/tls", ReadOnly: true},
			{Name: "logs", MountPath: "/var/log/" + name},
		},
		SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true)},
	}
}

// applied gives an object what client-side `kubectl apply` leaves on it: the
// applied manifest (metadata and the named fields, no status) in the
// last-applied annotation, and its manager's fields.
func applied(m *metav1.ObjectMeta, obj any, yes bool, fields ...string) {
	if !yes {
		return
	}
	full := toMap(obj)
	manifest := map[string]any{"apiVersion": full["apiVersion"], "kind": full["kind"],
		"metadata": map[string]any{"name": m.Name, "namespace": m.Namespace, "labels": m.Labels, "annotations": m.Annotations}}
	for _, f := range fields {
		manifest[f] = full[f]
	}
	raw, err := json.Marshal(manifest)
	if err != nil {
		panic(err)
	}
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[LastAppliedAnnotation] = string(raw) + "\n"
	m.ManagedFields = append(m.ManagedFields, managed("kubectl-client-side-apply", "", obj, append([]string{"metadata"}, fields...)...))
}

// managed is a managedFields entry owning the named top-level fields of obj,
// in the API server's fieldsV1 notation.
func managed(manager, subresource string, obj any, fields ...string) metav1.ManagedFieldsEntry {
	full := toMap(obj)
	set := map[string]any{}
	for _, f := range fields {
		v := full[f]
		if f == "metadata" {
			meta := v.(map[string]any)
			v = map[string]any{"labels": meta["labels"], "annotations": meta["annotations"], "ownerReferences": meta["ownerReferences"]}
		}
		set["f:"+f] = fieldSet(v)
	}
	raw, err := json.Marshal(set)
	if err != nil {
		panic(err)
	}
	return metav1.ManagedFieldsEntry{
		Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: full["apiVersion"].(string),
		Time: &later, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: raw}, Subresource: subresource,
	}
}

// fieldSet turns a JSON value into the fieldsV1 set naming its leaves: maps
// by "f:key", list items by "k:{...}" when they have a name or type, else
// the list is one leaf.
func fieldSet(v any) map[string]any {
	out := map[string]any{}
	switch v := v.(type) {
	case map[string]any:
		if len(v) > 0 {
			out["."] = map[string]any{}
		}
		for k, child := range v {
			if child == nil {
				continue
			}
			out["f:"+k] = fieldSet(child)
		}
	case []any:
		for _, item := range v {
			m, ok := item.(map[string]any)
			if !ok {
				return out
			}
			for _, key := range []string{"name", "type", "containerPort", "key"} {
				if id, ok := m[key]; ok {
					k, _ := json.Marshal(map[string]any{key: id})
					out["k:"+string(k)] = fieldSet(m)
					break
				}
			}
		}
	}
	return out
}

func toMap(obj any) map[string]any {
	raw, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	return m
}

// uid is a stable, distinct UID per kind and index.
func uid(kind string, i int) types.UID {
	sum := 0
	for _, c := range kind {
		sum = sum*31 + int(c)
	}
	return types.UID(fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", sum, i%0xffff, i%0xfff, sum%0xfff, i))
}
