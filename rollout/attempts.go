package rollout

import (
	"slices"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// An AnalysisRun serves the attempt at releasing a template that created it,
// never a later one (SPEC §2.5: retry makes fresh runs). An attempt begins when
// the template or the steps change — an undo brings back an old ReplicaSet, and
// with it the runs of its first release — or when a retry clears an abort. Runs
// are matched to a need by hash, revision and step, all of which a later attempt
// shares; so when an attempt begins, every run of the template is marked spent.
//
// The new attempt's runs are created by the next reconcile, once the status that
// records the attempt's start is written. A reconcile that created them and died
// before that write would otherwise, on the next try, find them from an earlier
// attempt too and create them again (SPEC §2.7 rule 5).

// newAttempt reports whether this reconcile begins an attempt at releasing the
// template with newHash, judged against the status as last written.
func newAttempt(ro *v1alpha1.Rollout, newHash string) bool {
	st := ro.Status
	var steps []v1alpha1.CanaryStep
	if c := ro.Spec.Strategy.Canary; c != nil {
		steps = c.Steps
	}
	retried := st.AbortedAt != nil && !st.Abort
	return st.CurrentPodHash != newHash || st.CurrentStepHash != plan.StepsHash(steps) || retried
}

// earlierAttempts are the runs of the template with hash not yet marked spent:
// at the start of an attempt, all of them belong to earlier ones.
func earlierAttempts(runs []*v1alpha1.AnalysisRun, hash string, spent []*v1alpha1.AnalysisRun) []*v1alpha1.AnalysisRun {
	var out []*v1alpha1.AnalysisRun
	for _, run := range runs {
		if run.Labels[HashLabel] == hash && run.Labels[SpentLabel] != "true" && !slices.Contains(spent, run) {
			out = append(out, run)
		}
	}
	return out
}
