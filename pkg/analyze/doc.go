// Package analyze is the logic of `kubectl sluice analyze`: which values a
// template's arguments get (the user's -a, the Rollout's analysis, the
// template's own), the AnalysisRun that is measured once in memory, the
// window a judge looks at, and the report. It reads and writes nothing; the
// command in pkg/cli loads the objects and measures with
// analysis.MeasureOnce, the controller's own steps.
package analyze
