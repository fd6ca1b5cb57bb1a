package v1alpha1

import (
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Defaults. The API server applies the ones marked with +kubebuilder:default in the
// types; the Set*Defaults functions below apply the same values in Go, for objects
// that never went through an API server (`kubectl sluice plan -f`, `lint`, unit
// tests). A unit test checks the two lists agree. Defaults that depend on context
// (traffic routing or not) are resolved where they are used.
const (
	DefaultReplicas                    int32 = 1
	DefaultRevisionHistoryLimit        int32 = 10
	DefaultProgressDeadlineSeconds     int32 = 600
	DefaultScaleDownDelaySeconds       int32 = 30
	DefaultAbortScaleDownDelaySeconds  int32 = 30
	DefaultSuccessfulRunHistoryLimit   int32 = 5
	DefaultUnsuccessfulRunHistoryLimit int32 = 5
	DefaultMeasurementRetention        int32 = 10
	DefaultConsecutiveErrorLimit       int32 = 4
	DefaultPrometheusTimeoutSeconds    int64 = 30
	DefaultWebTimeoutSeconds           int64 = 10
	DefaultMirrorPercentage            int32 = 100
)

// DefaultMaxSurge and DefaultMaxUnavailable bound a canary's scaling.
var (
	DefaultMaxSurge       = intstr.FromString("25%")
	DefaultMaxUnavailable = intstr.FromString("25%")
)

// SetRolloutDefaults fills the fields the API server defaults.
func SetRolloutDefaults(ro *Rollout) {
	s := &ro.Spec
	setInt32(&s.Replicas, DefaultReplicas)
	setInt32(&s.RevisionHistoryLimit, DefaultRevisionHistoryLimit)
	setInt32(&s.ProgressDeadlineSeconds, DefaultProgressDeadlineSeconds)
	if s.WorkloadRef != nil && s.WorkloadRef.APIVersion == "" {
		s.WorkloadRef.APIVersion = "apps/v1"
	}
	if c := s.Strategy.Canary; c != nil {
		setIntOrString(&c.MaxSurge, DefaultMaxSurge)
		setIntOrString(&c.MaxUnavailable, DefaultMaxUnavailable)
	}
	if bg := s.Strategy.BlueGreen; bg != nil {
		if bg.AutoPromotionEnabled == nil {
			enabled := true
			bg.AutoPromotionEnabled = &enabled
		}
		setInt32(&bg.ScaleDownDelaySeconds, DefaultScaleDownDelaySeconds)
		setInt32(&bg.AbortScaleDownDelaySeconds, DefaultAbortScaleDownDelaySeconds)
	}
}

// SetMetricsDefaults fills the provider fields the API server defaults.
func SetMetricsDefaults(metrics []Metric) {
	for i := range metrics {
		p := &metrics[i].Provider
		if p.Prometheus != nil && p.Prometheus.Timeout == nil {
			timeout := DefaultPrometheusTimeoutSeconds
			p.Prometheus.Timeout = &timeout
		}
		if p.Web != nil {
			if p.Web.Method == "" {
				p.Web.Method = WebMetricMethodGet
			}
			if p.Web.TimeoutSeconds == 0 {
				p.Web.TimeoutSeconds = DefaultWebTimeoutSeconds
			}
		}
	}
}

func setInt32(field **int32, value int32) {
	if *field == nil {
		*field = &value
	}
}

func setIntOrString(field **intstr.IntOrString, value intstr.IntOrString) {
	if *field == nil {
		*field = &value
	}
}
