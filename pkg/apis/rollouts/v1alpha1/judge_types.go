package v1alpha1

// JudgeMetric compares the canary with the baseline (canary.baseline) metric by
// metric over the window since the analysis began, and scores the comparison
// the way Kayenta's canary configs do, so such a config converts field by field
// (docs/judge.md). Every query names its side with the placeholder {{scope}},
// which the judge fills with canaryScope, then with baselineScope.
//
// Numbers that are fractions (alpha, effect sizes) are strings such as "0.05":
// the API keeps floats out of its schema. The judge reports one that does not
// parse when the run starts.
//
// +kubebuilder:validation:XValidation:rule="self.marginal <= self.pass",message="judge: marginal must not be above pass"
type JudgeMetric struct {
	// Address of the Prometheus server (default: the controller's --prometheus-address).
	// +optional
	Address string `json:"address,omitempty"`
	// Timeout of each query in seconds.
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=1
	// +optional
	Timeout *int64 `json:"timeout,omitempty"`
	// Insecure skips TLS certificate verification.
	// +optional
	Insecure bool `json:"insecure,omitempty"`
	// Headers are added to every request.
	// +optional
	Headers []WebMetricHeader `json:"headers,omitempty"`
	// Authentication to the Prometheus server.
	// +optional
	Authentication *PrometheusAuth `json:"authentication,omitempty"`

	// CanaryScope is what {{scope}} becomes in the canary's queries, usually the
	// canary's pod-template hash: "{{args.canary-hash}}" with an argument from
	// valueFrom.podTemplateHashValue: Latest.
	// +kubebuilder:validation:MinLength=1
	CanaryScope string `json:"canaryScope"`
	// BaselineScope is the same for the baseline (podTemplateHashValue: Baseline).
	// +kubebuilder:validation:MinLength=1
	BaselineScope string `json:"baselineScope"`
	// Warmup is left out at the start of the window, while new pods warm up
	// ("60s", "2m").
	// +kubebuilder:default="0s"
	// +kubebuilder:validation:Pattern=`^([0-9]+(ms|s|m|h))+$`
	// +optional
	Warmup string `json:"warmup,omitempty"`
	// Resolution is the step of the range queries of series metrics: one sample
	// per side per resolution ("15s").
	// +kubebuilder:default="15s"
	// +kubebuilder:validation:Pattern=`^([0-9]+(ms|s|m|h))+$`
	// +optional
	Resolution string `json:"resolution,omitempty"`
	// Alpha is the false-failure rate allowed over all of the metric's
	// measurements together ("0.05"): the judge spends it across the looks
	// (docs/judge.md), so judging every interval does not fail good canaries
	// more often than this.
	// +kubebuilder:default="0.05"
	// +kubebuilder:validation:Pattern=`^0?\.[0-9]+$`
	// +optional
	Alpha string `json:"alpha,omitempty"`
	// Pass is the lowest score (0–100) that is Successful.
	// +kubebuilder:default=95
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	Pass int32 `json:"pass"`
	// Marginal is the lowest score that is Inconclusive; below it is Failed.
	// +kubebuilder:default=75
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	Marginal int32 `json:"marginal"`
	// NoData is the outcome when a metric has too few samples on either side:
	// Inconclusive (default) or Failed. It is never Successful.
	// +kubebuilder:default=Inconclusive
	// +kubebuilder:validation:Enum=Inconclusive;Failed
	// +optional
	NoData JudgeNoData `json:"noData,omitempty"`
	// Groups weigh the metrics' groups in the score; a group not listed weighs
	// the same as the others' average (1 when none is listed).
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	// +optional
	Groups []JudgeGroup `json:"groups,omitempty"`
	// Metrics are compared one by one.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	Metrics []JudgeQuery `json:"metrics"`
}

// JudgeNoData is the outcome of a look with too little data on a side. Its
// own type keeps AnalysisPhase's enum (every phase) off the field.
// +kubebuilder:validation:Enum=Inconclusive;Failed
type JudgeNoData string

// JudgeGroup weighs one group of metrics.
type JudgeGroup struct {
	// Name of the group, as the metrics' group field names it.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Weight of the group in the score, relative to the other groups.
	// +kubebuilder:validation:Minimum=0
	Weight int32 `json:"weight"`
}

// JudgeMetricType is how a judge metric is compared.
// +kubebuilder:validation:Enum=series;ratio
type JudgeMetricType string

const (
	// JudgeSeries compares the distributions of two time series (latency, CPU)
	// with the Mann-Whitney U test.
	JudgeSeries JudgeMetricType = "series"
	// JudgeRatio compares two proportions of counts (errors of requests) with a
	// two-proportion test, exact when the counts are small.
	JudgeRatio JudgeMetricType = "ratio"
)

// JudgeDirection is which change of a metric counts against the canary.
// +kubebuilder:validation:Enum=increase;decrease;either
type JudgeDirection string

const (
	// JudgeIncrease fails a canary whose metric is higher (latency, errors).
	JudgeIncrease JudgeDirection = "increase"
	// JudgeDecrease fails a canary whose metric is lower (throughput).
	JudgeDecrease JudgeDirection = "decrease"
	// JudgeEither fails a canary whose metric moved either way.
	JudgeEither JudgeDirection = "either"
)

// JudgeQuery is one metric the judge compares.
//
// +kubebuilder:validation:XValidation:rule="self.type != 'series' || (has(self.query) && !has(self.events) && !has(self.total))",message="judge metrics[]: a series metric sets query (not events/total)"
// +kubebuilder:validation:XValidation:rule="self.type != 'ratio' || (has(self.events) && has(self.total) && !has(self.query))",message="judge metrics[]: a ratio metric sets events and total (not query)"
type JudgeQuery struct {
	// Name of the metric, unique in the judge.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// Type is series (default) or ratio.
	// +kubebuilder:default=series
	// +optional
	Type JudgeMetricType `json:"type,omitempty"`
	// Query (series) is a PromQL range query with {{scope}}, e.g. a p99 latency
	// of the scope's pods; every sample of the window is one observation.
	// +optional
	Query string `json:"query,omitempty"`
	// Events and Total (ratio) are PromQL queries with {{scope}} and {{window}}
	// (the window's length, e.g. "300s") that return one count each, e.g.
	// sum(increase(requests_total{code=~"5..",hash="{{scope}}"}[{{window}}])).
	// +optional
	Events string `json:"events,omitempty"`
	// Total (ratio) counts what Events is a part of (all requests).
	// +optional
	Total string `json:"total,omitempty"`
	// Direction is which change fails the canary (default increase).
	// +kubebuilder:default=increase
	// +optional
	Direction JudgeDirection `json:"direction,omitempty"`
	// Critical fails the whole judgement (score 0) when this metric fails.
	// +optional
	Critical bool `json:"critical,omitempty"`
	// Group this metric counts in (default: its own name).
	// +optional
	Group string `json:"group,omitempty"`
	// EffectSize is how large a change must be, as a ratio of the canary's mean
	// (or rate) to the baseline's, before it counts, however significant.
	// +optional
	EffectSize *JudgeEffectSize `json:"effectSize,omitempty"`
	// Outliers is keep (default) or remove: remove drops series samples outside
	// 1.5 interquartile ranges of each side before comparing.
	// +kubebuilder:default=keep
	// +kubebuilder:validation:Enum=keep;remove
	// +optional
	Outliers string `json:"outliers,omitempty"`
	// NaN is remove (default) or replace (with 0): what to do with NaN samples.
	// +kubebuilder:default=remove
	// +kubebuilder:validation:Enum=remove;replace
	// +optional
	NaN string `json:"nan,omitempty"`
	// MinSamples (series: samples per side; ratio: total count per side) below
	// which the metric has no data.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +optional
	MinSamples int32 `json:"minSamples,omitempty"`
}

// JudgeEffectSize bounds the change that is tolerated, as ratios ("1.1" = 10%
// higher), like Kayenta's effectSize.
type JudgeEffectSize struct {
	// AllowedIncrease: a higher canary within this ratio passes (default "1").
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	// +optional
	AllowedIncrease string `json:"allowedIncrease,omitempty"`
	// AllowedDecrease: a lower canary within this ratio passes (default "1").
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	// +optional
	AllowedDecrease string `json:"allowedDecrease,omitempty"`
}
