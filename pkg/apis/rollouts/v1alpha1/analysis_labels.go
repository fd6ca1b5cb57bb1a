package v1alpha1

// AnalysisKind says why a Rollout created an AnalysisRun. It is the value of the
// AnalysisKindLabel on the run.
type AnalysisKind string

const (
	// AnalysisKindStep is the run of an analysis step of a canary.
	AnalysisKindStep AnalysisKind = "Step"
	// AnalysisKindBackground is a canary's background analysis.
	AnalysisKindBackground AnalysisKind = "Background"
	// AnalysisKindPrePromotion is a blue-green pre-promotion analysis.
	AnalysisKindPrePromotion AnalysisKind = "PrePromotion"
	// AnalysisKindPostPromotion is a blue-green post-promotion analysis.
	AnalysisKindPostPromotion AnalysisKind = "PostPromotion"
)

// Labels on the AnalysisRuns a Rollout creates (SPEC §3.1). They also carry the
// Rollout's sluice.dev/pod-template-hash label with the hash the run measures.
const (
	// AnalysisKindLabel holds the run's AnalysisKind.
	AnalysisKindLabel = "sluice.dev/analysis-kind"
	// StepIndexLabel holds the canary step index of a Step run.
	StepIndexLabel = "sluice.dev/step-index"
)
