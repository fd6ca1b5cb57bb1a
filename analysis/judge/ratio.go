package judge

import "math"

// JudgeRatio compares a ratio metric's canary and baseline counts at one look.
// (Being written: returns NoData until the statistics land.)
func JudgeRatio(m Metric, c Counts, alpha float64, look Look) MetricResult {
	return MetricResult{Name: m.Name, Group: m.Group, Critical: m.Critical, Class: ClassNoData,
		PValue: math.NaN(), Reason: "judge not implemented yet"}
}
