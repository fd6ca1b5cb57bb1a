// Package judgevalue is the text a judge measurement stores as its value: a
// compact JSON record of the verdict (score, outcome, and per metric its
// class, p-value, level, estimate with interval, effect and sample sizes).
// The judge provider encodes it; `kubectl sluice get` decodes it into a
// per-metric table. Numbers keep four significant digits and the whole text
// stays under MaxLength, so a judge over many metrics, measured often, cannot
// swell the AnalysisRun past what the API server stores.
package judgevalue
