package judgevalue

// Record is a judge measurement's value.
type Record struct {
	// Score is the verdict's score, 0..100.
	Score Number `json:"score"`
	// Outcome is Successful, Inconclusive or Failed.
	Outcome string `json:"outcome"`
	// Reason names the metrics that decided the outcome.
	Reason string `json:"reason,omitempty"`
	// Metrics are the per-metric results, in the judge's order.
	Metrics []Metric `json:"metrics"`
	// Omitted counts metrics left out to keep the text under MaxLength
	// (Pass metrics go first).
	Omitted int `json:"omitted,omitempty"`
}

// Metric is one metric's result at this look. Values that the judge could
// not compute (no data) are absent.
type Metric struct {
	Name string `json:"name"`
	// Group is set when it differs from Name.
	Group    string `json:"group,omitempty"`
	Class    string `json:"class"`
	Critical bool   `json:"critical,omitempty"`
	// P is the two-sided p-value, Alpha the level this look was judged at.
	P     *Number `json:"p,omitempty"`
	Alpha *Number `json:"alpha,omitempty"`
	// Estimate is the canary−baseline shift (series: Hodges-Lehmann; ratio:
	// difference of rates), Interval its confidence interval [low, high].
	Estimate *Number  `json:"estimate,omitempty"`
	Interval []Number `json:"interval,omitempty"`
	// Effect is the canary/baseline ratio of means (series) or rates (ratio).
	Effect *Number `json:"effect,omitempty"`
	// N is [canary, baseline]: samples (series) or totals (ratio).
	N []int `json:"n,omitempty"`
	// Reason says why NoData, or what decided High/Low.
	Reason string `json:"reason,omitempty"`
}
