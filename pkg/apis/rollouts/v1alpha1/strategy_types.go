package v1alpha1

import (
	"k8s.io/apimachinery/pkg/util/intstr"
)

// CanaryStrategy releases a new pod template in steps: replica ratios without
// traffic routing, traffic weights with it.
//
// +kubebuilder:validation:XValidation:rule="!has(self.stableService) || !has(self.canaryService) || self.stableService != self.canaryService",message="spec.strategy.canary: stableService and canaryService must be different Services"
// +kubebuilder:validation:XValidation:rule="!has(self.trafficRouting) || (has(self.stableService) && has(self.canaryService))",message="spec.strategy.canary: stableService and canaryService are required with trafficRouting"
// +kubebuilder:validation:XValidation:rule="!has(self.baseline) || !has(self.trafficRouting) || has(self.baselineService)",message="spec.strategy.canary: baselineService is required with baseline and trafficRouting"
// +kubebuilder:validation:XValidation:rule="!has(self.baselineService) || ((!has(self.stableService) || self.baselineService != self.stableService) && (!has(self.canaryService) || self.baselineService != self.canaryService))",message="spec.strategy.canary: baselineService must differ from stableService and canaryService"
// +kubebuilder:validation:XValidation:rule="!(has(self.maxSurge) && has(self.maxUnavailable) && (self.maxSurge == 0 || self.maxSurge == '0%') && (self.maxUnavailable == 0 || self.maxUnavailable == '0%'))",message="spec.strategy.canary: maxSurge and maxUnavailable cannot both be 0"
type CanaryStrategy struct {
	// CanaryService is the Service the controller points at the new ReplicaSet.
	// +optional
	CanaryService string `json:"canaryService,omitempty"`
	// StableService is the Service the controller points at the stable ReplicaSet.
	// +optional
	StableService string `json:"stableService,omitempty"`
	// Steps are the release steps, run in order. No steps means straight to 100%.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Steps []CanaryStep `json:"steps,omitempty"`
	// TrafficRouting moves traffic through a service mesh or gateway instead of by
	// replica ratio.
	// +optional
	TrafficRouting *RolloutTrafficRouting `json:"trafficRouting,omitempty"`
	// MaxUnavailable is how many pods may be unavailable while scaling without traffic
	// routing, and during restarts: a number or a percentage of replicas (rounded down).
	// +kubebuilder:default="25%"
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:MaxLength=8
	// +kubebuilder:validation:Pattern=`^[0-9]+%?$`
	// +kubebuilder:validation:XValidation:rule="type(self) != int || self >= 0",message="must not be negative"
	// +optional
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	// MaxSurge is how many pods above replicas may exist while scaling without traffic
	// routing: a number or a percentage of replicas (rounded up).
	// +kubebuilder:default="25%"
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:MaxLength=8
	// +kubebuilder:validation:Pattern=`^[0-9]+%?$`
	// +kubebuilder:validation:XValidation:rule="type(self) != int || self >= 0",message="must not be negative"
	// +optional
	MaxSurge *intstr.IntOrString `json:"maxSurge,omitempty"`
	// Analysis is background analysis: it runs from startingStep until promotion and
	// aborts or pauses the rollout, but never completes a step.
	// +optional
	Analysis *RolloutAnalysisBackground `json:"analysis,omitempty"`
	// AntiAffinity keeps canary pods off nodes that run stable pods.
	// +optional
	AntiAffinity *AntiAffinity `json:"antiAffinity,omitempty"`
	// CanaryMetadata is put on pods while they are the canary.
	// +optional
	CanaryMetadata *PodTemplateMetadata `json:"canaryMetadata,omitempty"`
	// StableMetadata is put on pods while they are stable.
	// +optional
	StableMetadata *PodTemplateMetadata `json:"stableMetadata,omitempty"`
	// ScaleDownDelaySeconds is how long the old stable keeps running after traffic
	// has left it (traffic routing only; default 30).
	// +kubebuilder:validation:Minimum=0
	// +optional
	ScaleDownDelaySeconds *int32 `json:"scaleDownDelaySeconds,omitempty"`
	// AbortScaleDownDelaySeconds is how long the canary keeps running after an abort
	// (traffic routing only; default 30; 0 keeps it running).
	// +kubebuilder:validation:Minimum=0
	// +optional
	AbortScaleDownDelaySeconds *int32 `json:"abortScaleDownDelaySeconds,omitempty"`
	// DynamicStableScale scales the stable side down to (100 - weight)% as the traffic
	// weight grows (traffic routing only).
	// +optional
	DynamicStableScale bool `json:"dynamicStableScale,omitempty"`
	// MinPodsPerReplicaSet gives any ReplicaSet with a non-zero traffic share at least
	// this many pods, capped at replicas (traffic routing only).
	// +kubebuilder:validation:Minimum=1
	// +optional
	MinPodsPerReplicaSet *int32 `json:"minPodsPerReplicaSet,omitempty"`
	// Baseline runs fresh pods of the stable version beside the canary, as many as
	// the canary has and with the same traffic share, so a judge analysis can
	// compare the two (docs/judge.md). Off when absent.
	// +optional
	Baseline *CanaryBaseline `json:"baseline,omitempty"`
	// BaselineService is the Service the controller points at the baseline
	// ReplicaSet while one runs, and at the stable one otherwise. Required with
	// baseline and trafficRouting: the router sends the baseline's share to it.
	// +optional
	BaselineService string `json:"baselineService,omitempty"`
}

// CanaryBaseline sizes and labels the baseline ReplicaSet.
type CanaryBaseline struct {
	// Replicas is "matchCanary" (default: as many pods as the canary at every
	// step), a number of pods, or a percentage of spec.replicas ("20%").
	// +kubebuilder:default="matchCanary"
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:MaxLength=12
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self >= 0 : (self == 'matchCanary' || self.matches('^[0-9]+%$'))",message="spec.strategy.canary.baseline.replicas: use matchCanary, a number of pods or a percentage such as 20%"
	// +optional
	Replicas *intstr.IntOrString `json:"replicas,omitempty"`
	// Metadata is put on the baseline's pods.
	// +optional
	Metadata *PodTemplateMetadata `json:"metadata,omitempty"`
}

// BaselineMatchCanary sizes the baseline like the canary.
const BaselineMatchCanary = "matchCanary"

// CanaryStep is one step of a canary release. Exactly one field is set.
//
// +kubebuilder:validation:XValidation:rule="[has(self.setWeight), has(self.pause), has(self.analysis), has(self.setCanaryScale), has(self.setHeaderRoute), has(self.setMirrorRoute)].filter(x, x).size() == 1",message="spec.strategy.canary.steps[]: each step must set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute, setMirrorRoute"
type CanaryStep struct {
	// SetWeight sends this percentage to the canary: a replica ratio without traffic
	// routing, a router weight with it.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	SetWeight *int32 `json:"setWeight,omitempty"`
	// Pause waits for a duration, or until promoted when no duration is given.
	// +optional
	Pause *RolloutPause `json:"pause,omitempty"`
	// Analysis runs an AnalysisRun and completes when it is Successful.
	// +optional
	Analysis *RolloutAnalysis `json:"analysis,omitempty"`
	// SetCanaryScale sizes the canary independently of its traffic weight (traffic
	// routing only).
	// +optional
	SetCanaryScale *SetCanaryScale `json:"setCanaryScale,omitempty"`
	// SetHeaderRoute sends requests that match headers to the canary (traffic routing
	// only). An empty match removes the route.
	// +optional
	SetHeaderRoute *SetHeaderRoute `json:"setHeaderRoute,omitempty"`
	// SetMirrorRoute copies matching requests to the canary (traffic routing only).
	// An empty match removes the route.
	// +optional
	SetMirrorRoute *SetMirrorRoute `json:"setMirrorRoute,omitempty"`
}

// RolloutPause waits during a canary.
type RolloutPause struct {
	// Duration is how long to wait: seconds as an integer, or a string with a unit
	// ("30s", "5m", "1h"). Without it the pause lasts until promoted.
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^[0-9]+(s|m|h)?$`
	// +kubebuilder:validation:XValidation:rule="type(self) != int || self >= 0",message="must not be negative"
	// +optional
	Duration *intstr.IntOrString `json:"duration,omitempty"`
}

// SetCanaryScale sizes the canary ReplicaSet. Exactly one field is set.
//
// +kubebuilder:validation:XValidation:rule="[has(self.weight), has(self.replicas), has(self.matchTrafficWeight) && self.matchTrafficWeight].filter(x, x).size() == 1",message="spec.strategy.canary.steps[].setCanaryScale: set exactly one of weight, replicas or matchTrafficWeight: true"
type SetCanaryScale struct {
	// Weight sizes the canary as a percentage of replicas.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	Weight *int32 `json:"weight,omitempty"`
	// Replicas sizes the canary to an absolute number of pods.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`
	// MatchTrafficWeight returns to sizing the canary by its traffic weight.
	// +optional
	MatchTrafficWeight bool `json:"matchTrafficWeight,omitempty"`
}

// SetHeaderRoute routes requests that match all given headers to the canary.
type SetHeaderRoute struct {
	// Name of the route; it must be listed in trafficRouting.managedRoutes.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Match lists the header conditions, all of which must hold. Empty removes the route.
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Match []HeaderRoutingMatch `json:"match,omitempty"`
}

// HeaderRoutingMatch is one header condition.
type HeaderRoutingMatch struct {
	// HeaderName is the request header to match.
	// +kubebuilder:validation:MinLength=1
	HeaderName string `json:"headerName"`
	// HeaderValue is how the header's value must match.
	HeaderValue *StringMatch `json:"headerValue"`
}

// StringMatch matches a string. Exactly one field is set.
//
// +kubebuilder:validation:XValidation:rule="[has(self.exact), has(self.prefix), has(self.regex)].filter(x, x).size() == 1",message="string match: set exactly one of exact, prefix or regex"
type StringMatch struct {
	// Exact matches the whole value.
	// +optional
	Exact string `json:"exact,omitempty"`
	// Prefix matches the start of the value.
	// +optional
	Prefix string `json:"prefix,omitempty"`
	// Regex matches a regular expression (RE2 syntax).
	// +optional
	Regex string `json:"regex,omitempty"`
}

// SetMirrorRoute copies matching requests to the canary.
type SetMirrorRoute struct {
	// Name of the route; it must be listed in trafficRouting.managedRoutes.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Match lists request conditions; a request matching any one of them is
	// mirrored. Empty removes the route.
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Match []RouteMatch `json:"match,omitempty"`
	// Percentage of matching requests to mirror (default 100).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	Percentage *int32 `json:"percentage,omitempty"`
}

// RouteMatch is one request condition of a mirror route; all set fields must hold.
type RouteMatch struct {
	// Method matches the HTTP method.
	// +optional
	Method *StringMatch `json:"method,omitempty"`
	// Path matches the request path.
	// +optional
	Path *StringMatch `json:"path,omitempty"`
	// Headers match request headers by name.
	// +kubebuilder:validation:MaxProperties=16
	// +optional
	Headers map[string]StringMatch `json:"headers,omitempty"`
}

// BlueGreenStrategy brings the new template up beside the old one and switches the
// active Service over at once.
type BlueGreenStrategy struct {
	// ActiveService serves production; it is switched to the new ReplicaSet on promotion.
	// +kubebuilder:validation:MinLength=1
	ActiveService string `json:"activeService"`
	// PreviewService points at the new ReplicaSet as soon as it exists.
	// +optional
	PreviewService string `json:"previewService,omitempty"`
	// PreviewReplicaCount is the size of the new ReplicaSet before promotion (default:
	// all replicas). It grows to full size before the switch.
	// +kubebuilder:validation:Minimum=0
	// +optional
	PreviewReplicaCount *int32 `json:"previewReplicaCount,omitempty"`
	// AutoPromotionEnabled switches automatically once the new side is ready. When
	// false the rollout pauses (reason BlueGreenPause) until promoted.
	// +kubebuilder:default=true
	// +optional
	AutoPromotionEnabled *bool `json:"autoPromotionEnabled,omitempty"`
	// AutoPromotionSeconds promotes automatically this long after the pause began.
	// +kubebuilder:validation:Minimum=0
	// +optional
	AutoPromotionSeconds int32 `json:"autoPromotionSeconds,omitempty"`
	// MaxUnavailable is how many pods may be unavailable during restarts.
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:MaxLength=8
	// +kubebuilder:validation:Pattern=`^[0-9]+%?$`
	// +kubebuilder:validation:XValidation:rule="type(self) != int || self >= 0",message="must not be negative"
	// +optional
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	// ScaleDownDelaySeconds is how long the old active ReplicaSet keeps running after
	// the switch, for fast rollback.
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=0
	// +optional
	ScaleDownDelaySeconds *int32 `json:"scaleDownDelaySeconds,omitempty"`
	// AbortScaleDownDelaySeconds is how long the preview ReplicaSet keeps running
	// after an abort (0 keeps it).
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=0
	// +optional
	AbortScaleDownDelaySeconds *int32 `json:"abortScaleDownDelaySeconds,omitempty"`
	// PrePromotionAnalysis runs against the preview before the switch.
	// +optional
	PrePromotionAnalysis *RolloutAnalysis `json:"prePromotionAnalysis,omitempty"`
	// PostPromotionAnalysis runs after the switch; the new ReplicaSet becomes stable
	// only when it succeeds.
	// +optional
	PostPromotionAnalysis *RolloutAnalysis `json:"postPromotionAnalysis,omitempty"`
	// AntiAffinity keeps new pods off nodes that run active pods.
	// +optional
	AntiAffinity *AntiAffinity `json:"antiAffinity,omitempty"`
	// PreviewMetadata is put on pods while they are the preview.
	// +optional
	PreviewMetadata *PodTemplateMetadata `json:"previewMetadata,omitempty"`
	// ActiveMetadata is put on pods while they are active.
	// +optional
	ActiveMetadata *PodTemplateMetadata `json:"activeMetadata,omitempty"`
}

// RolloutAnalysis runs AnalysisTemplates for a Rollout.
type RolloutAnalysis struct {
	// Templates are merged into one AnalysisRun; metric names must be unique across them.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	Templates []AnalysisTemplateRef `json:"templates"`
	// Args supply values for the templates' args.
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Args []AnalysisRunArgument `json:"args,omitempty"`
	// DryRun lists metrics that are measured but never change the run's phase.
	// +optional
	DryRun []DryRun `json:"dryRun,omitempty"`
	// MeasurementRetention bounds how many measurements are kept per metric.
	// +optional
	MeasurementRetention []MeasurementRetention `json:"measurementRetention,omitempty"`
}

// RolloutAnalysisBackground is analysis that runs alongside the canary steps.
type RolloutAnalysisBackground struct {
	RolloutAnalysis `json:",inline"`
	// StartingStep is the step index from which background analysis runs (default 0).
	// +kubebuilder:validation:Minimum=0
	// +optional
	StartingStep *int32 `json:"startingStep,omitempty"`
}

// AnalysisTemplateRef names an AnalysisTemplate or ClusterAnalysisTemplate.
type AnalysisTemplateRef struct {
	// TemplateName is the template's name.
	// +kubebuilder:validation:MinLength=1
	TemplateName string `json:"templateName"`
	// ClusterScope selects a ClusterAnalysisTemplate instead of a namespaced one.
	// +optional
	ClusterScope bool `json:"clusterScope,omitempty"`
}

// AnalysisRunArgument is a value a Rollout passes to a template argument.
//
// +kubebuilder:validation:XValidation:rule="!(has(self.value) && has(self.valueFrom))",message="args[]: set value or valueFrom, not both"
type AnalysisRunArgument struct {
	// Name of the argument.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Value is a literal value.
	// +optional
	Value string `json:"value,omitempty"`
	// ValueFrom takes the value from the Rollout.
	// +optional
	ValueFrom *ArgumentValueFrom `json:"valueFrom,omitempty"`
}

// ArgumentValueFrom takes an argument's value from the Rollout. Exactly one field is set.
//
// +kubebuilder:validation:XValidation:rule="has(self.podTemplateHashValue) != has(self.fieldRef)",message="args[].valueFrom: set exactly one of podTemplateHashValue or fieldRef"
type ArgumentValueFrom struct {
	// PodTemplateHashValue is the pod-template-hash of the Stable, the Latest or
	// the Baseline ReplicaSet.
	// +kubebuilder:validation:Enum=Stable;Latest;Baseline
	// +optional
	PodTemplateHashValue *ValueFromPodTemplateHash `json:"podTemplateHashValue,omitempty"`
	// FieldRef reads a field of the Rollout, e.g. metadata.labels['region'].
	// +optional
	FieldRef *FieldRef `json:"fieldRef,omitempty"`
}

// ValueFromPodTemplateHash selects whose pod-template-hash an argument gets.
type ValueFromPodTemplateHash string

const (
	// Stable is the hash of the stable ReplicaSet.
	Stable ValueFromPodTemplateHash = "Stable"
	// Latest is the hash of the newest ReplicaSet.
	Latest ValueFromPodTemplateHash = "Latest"
	// Baseline is the hash of the baseline ReplicaSet (canary.baseline).
	Baseline ValueFromPodTemplateHash = "Baseline"
)

// FieldRef is a path to a field of the Rollout.
type FieldRef struct {
	// FieldPath is the path, e.g. metadata.name or metadata.labels['app'].
	// +kubebuilder:validation:MinLength=1
	FieldPath string `json:"fieldPath"`
}

// DryRun marks a metric as dry-run.
type DryRun struct {
	// MetricName is the metric's name, or "*" for all metrics.
	// +kubebuilder:validation:MinLength=1
	MetricName string `json:"metricName"`
}

// MeasurementRetention bounds the measurements kept for a metric.
type MeasurementRetention struct {
	// MetricName is the metric's name, or "*" for all metrics.
	// +kubebuilder:validation:MinLength=1
	MetricName string `json:"metricName"`
	// Limit is the number of most recent measurements kept (default 10).
	// +kubebuilder:validation:Minimum=1
	Limit int32 `json:"limit"`
}
