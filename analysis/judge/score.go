package judge

// Score turns the metrics' results of one look into a verdict.
// (Being written.)
func Score(results []MetricResult, s Scoring) Verdict {
	return Verdict{Outcome: Inconclusive, Metrics: results, Reason: "judge not implemented yet"}
}
