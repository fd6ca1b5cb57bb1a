package judge

import "math"

// JudgeSeries compares a series metric's canary and baseline samples at one
// look. (Being written: returns NoData until the statistics land.)
func JudgeSeries(m Metric, s Series, alpha float64, look Look) MetricResult {
	return MetricResult{Name: m.Name, Group: m.Group, Critical: m.Critical, Class: ClassNoData,
		PValue: math.NaN(), Reason: "judge not implemented yet"}
}
