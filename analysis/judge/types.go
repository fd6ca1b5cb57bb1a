package judge

// This file is the contract between the judge and its users (the judge metric
// provider, `kubectl sluice analyze`): plain values in, plain values out. The
// package imports nothing from Kubernetes or the sluice API; the provider maps
// v1alpha1.JudgeQuery onto Metric and the Verdict back onto a measurement.

// Kind is how a metric is compared: "series" (two samples of observations,
// Mann-Whitney U) or "ratio" (events out of a total per side, as counts).
type Kind string

const (
	KindSeries Kind = "series"
	KindRatio  Kind = "ratio"
)

// Direction is which change of the canary counts against it.
type Direction string

const (
	// Increase: a canary that is higher fails (latency, errors).
	Increase Direction = "increase"
	// Decrease: a canary that is lower fails (throughput).
	Decrease Direction = "decrease"
	// Either: a move either way fails.
	Either Direction = "either"
)

// Class is one metric's classification at one look.
type Class string

const (
	// ClassPass: no significant change beyond the allowed effect in a direction
	// that counts (or the change is in a direction that does not count).
	ClassPass Class = "Pass"
	// ClassHigh: the canary is significantly higher, beyond AllowedIncrease.
	ClassHigh Class = "High"
	// ClassLow: the canary is significantly lower, beyond AllowedDecrease.
	ClassLow Class = "Low"
	// ClassNoData: a side has fewer than MinSamples samples (or total count).
	ClassNoData Class = "NoData"
)

// Outcome is the verdict of one look over all metrics.
type Outcome string

const (
	Successful   Outcome = "Successful"
	Inconclusive Outcome = "Inconclusive"
	Failed       Outcome = "Failed"
)

// Metric is one metric's comparison settings (mapped from v1alpha1.JudgeQuery
// by the provider).
type Metric struct {
	// Name identifies the metric in results; Group is the group it scores in
	// (the provider defaults it to Name).
	Name, Group string
	Kind        Kind
	Direction   Direction
	// Critical: a High/Low of this metric (in a direction that counts) forces
	// the score to 0.
	Critical bool
	// AllowedIncrease is the ratio canary/baseline tolerated upward (1 = none,
	// 1.1 = 10% higher passes however significant). Zero means 1.
	AllowedIncrease float64
	// AllowedDecrease is the ratio canary/baseline tolerated downward, as
	// Kayenta writes it: 1 = none, 0.9 = 10% lower passes. Zero means 1.
	AllowedDecrease float64
	// RemoveOutliers drops series samples outside 1.5 interquartile ranges of
	// their own side before comparing.
	RemoveOutliers bool
	// ReplaceNaN turns NaN samples into 0 instead of dropping them.
	ReplaceNaN bool
	// MinSamples is the least a side must have: samples for a series, the total
	// count for a ratio. Fewer on either side → NoData.
	MinSamples int
}

// Look is which measurement this is: the Index-th (1-based) of Of. Of = 0 means
// open-ended (the analysis has no count). The judge spends its alpha across
// looks so that judging every measurement does not fail a good canary more
// often than alpha overall.
type Look struct{ Index, Of int }

// Series holds a series metric's observations per side (NaN allowed: the
// metric's ReplaceNaN decides).
type Series struct{ Canary, Baseline []float64 }

// Counts holds a ratio metric's counts per side: Events out of Total (e.g. 5xx
// responses out of all responses over the window). Counts, not averaged
// per-step ratios, so sparse errors keep their weight.
type Counts struct{ CanaryEvents, CanaryTotal, BaselineEvents, BaselineTotal float64 }

// MetricResult is one metric's judgement at one look.
type MetricResult struct {
	Name, Group string
	Critical    bool
	Class       Class
	// PValue is the two-sided p-value of the test (NaN when NoData).
	PValue float64
	// Alpha is the level this look was judged at (after spending).
	Alpha float64
	// Estimate is, for a series, the Hodges-Lehmann shift canary−baseline; for a
	// ratio, p_canary − p_baseline.
	Estimate float64
	// Low, High bound the confidence interval of Estimate at level 1−Alpha.
	Low, High float64
	// Effect is the canary/baseline ratio of means (series) or of rates (ratio).
	Effect float64
	// CanaryN, BaselineN are the samples used (series, after NaN and outlier
	// handling) or the totals (ratio).
	CanaryN, BaselineN int
	// Reason is one line: why NoData, or what decided High/Low.
	Reason string
}

// Scoring turns metric results into a verdict.
type Scoring struct {
	// Pass and Marginal are score thresholds in 0..100: score ≥ Pass is
	// Successful, ≥ Marginal Inconclusive, below it Failed.
	Pass, Marginal float64
	// NoData is the outcome when a metric has no data: Inconclusive or Failed
	// (never Successful; an empty value means Inconclusive).
	NoData Outcome
	// GroupWeights weigh groups in the score; a group not listed weighs the
	// average of those listed (1 when none is listed).
	GroupWeights map[string]float64
}

// Verdict is the result of one look over all metrics.
type Verdict struct {
	Score   float64
	Outcome Outcome
	Metrics []MetricResult
	// Reason is one line naming the metrics that decided the outcome.
	Reason string
}
