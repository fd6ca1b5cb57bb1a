package actions

import (
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The states every rollout action is tried in.
var (
	atPauseStep          = canary(all(atStep(1), pausedFor(v1alpha1.PauseReasonCanaryPauseStep)))
	pausedByUserMidStep  = canary(all(atStep(0), pausedByUser))
	pausedByUserAtPause  = canary(all(atStep(1), pausedFor(v1alpha1.PauseReasonCanaryPauseStep), pausedByUser))
	inconclusiveStep     = canary(all(atStep(2), pausedFor(v1alpha1.PauseReasonInconclusiveAnalysis)))
	inconclusiveInBack   = canary(all(atStep(0), pausedFor(v1alpha1.PauseReasonInconclusiveAnalysis)))
	runningAnalysis      = canary(atStep(2))
	atLastStepUnpaused   = canary(atStep(3))
	finishing            = canary(atStep(4))
	abortedCanary        = canary(abortedState)
	abortedPausedByUser  = canary(all(abortedState, pausedByUser))
	abortedPromotingFull = canary(all(abortedState, promotingFully))
	retryPendingCanary   = canary(all(abortedState, func(ro *v1alpha1.Rollout) { ro.Status.Abort = false }))
	healthy              = canary(healthyState)
	promoteFullPending   = canary(all(atStep(1), promotingFully))
	newSpecUnseen        = canary(all(atStep(2), specNotObserved))
	newSpecUnseenPaused  = canary(all(atStep(1), pausedFor(v1alpha1.PauseReasonCanaryPauseStep), specNotObserved))
	blueGreenPaused      = blueGreen(pausedFor(v1alpha1.PauseReasonBlueGreenPause))
	blueGreenRunning     = blueGreen(nil)
	blueGreenHealthy     = blueGreen(func(ro *v1alpha1.Rollout) { ro.Status.StableRS = "new" })
	blueGreenAborted     = blueGreen(abortedState)
)

type decisionCase struct {
	name string
	ro   *v1alpha1.Rollout
	want outcome
}

func runDecisionTable(t *testing.T, d Decision, cases []decisionCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := state(tc.ro)
			if got := decide(t, d, tc.ro); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if state(tc.ro) != before {
				t.Errorf("the decision changed the rollout it was given")
			}
		})
	}
}

const abortedRefusal = `rollout "web" is aborted: promote does not go on with an aborted update; 'kubectl sluice retry web' starts it again from the first step with fresh analysis`

func TestPromote(t *testing.T) {
	runDecisionTable(t, Promote, []decisionCase{
		{"paused at a pause step", atPauseStep, outcome{"step=1 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" promoted past step 2/4 (pause 10m0s); now at step 3/4 (analysis)`}},
		{"paused by the user mid-step: only unpaused", pausedByUserMidStep, outcome{"step=0 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" resumed at step 1/4 (setWeight 25)`}},
		{"paused by the user at a pause step: both pauses end", pausedByUserAtPause, outcome{"step=1 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" promoted past step 2/4 (pause 10m0s); now at step 3/4 (analysis)`}},
		{"inconclusive analysis step", inconclusiveStep, outcome{"step=2 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" promoted past step 3/4 (analysis); now at step 4/4 (pause (until promoted))`}},
		{"inconclusive background analysis", inconclusiveInBack, outcome{"step=0 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" promoted: the inconclusive analysis is accepted; still at step 1/4 (setWeight 25)`}},
		{"running an analysis step: skipped", runningAnalysis, outcome{"step=3 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" promoted past step 3/4 (analysis); now at step 4/4 (pause (until promoted))`}},
		{"at the last step, not paused yet", atLastStepUnpaused, outcome{"step=4 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" promoted past step 4/4 (pause (until promoted)); all 4 steps complete`}},
		{"past the last step", finishing, outcome{"nothing to do",
			`rollout "web" has completed every step and is finishing its promotion: nothing to promote`}},
		{"aborted", abortedCanary, outcome{"refused", abortedRefusal}},
		{"aborted and paused by the user", abortedPausedByUser, outcome{"refused", abortedRefusal}},
		{"retried, not started over yet", retryPendingCanary, outcome{"refused",
			`rollout "web" is being retried and the controller has not started it over yet; promote again in a moment`}},
		{"Healthy", healthy, outcome{"nothing to do", `rollout "web" is fully promoted: nothing to promote`}},
		{"promote-full pending", promoteFullPending, outcome{"nothing to do", `rollout "web" is already being promoted fully: nothing to promote`}},
		{"a spec change not processed yet", newSpecUnseen, outcome{"refused",
			`rollout "web" has a spec change the controller has not processed yet; promote again in a moment`}},
		{"a spec change not processed yet, paused: the pause ends", newSpecUnseenPaused, outcome{"step=1 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" promoted past step 2/4 (pause 10m0s); now at step 3/4 (analysis)`}},
		{"blue-green paused for promotion", blueGreenPaused, outcome{"step=- pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" promoted: the new version goes active`}},
		{"blue-green not paused", blueGreenRunning, outcome{"nothing to do",
			`rollout "web" is not paused: nothing to promote (promote --full makes the new version active now, skipping its analysis)`}},
		{"blue-green Healthy", blueGreenHealthy, outcome{"nothing to do", `rollout "web" is fully promoted: nothing to promote`}},
		{"blue-green aborted", blueGreenAborted, outcome{"refused", abortedRefusal}},
	})
}

func TestPromoteFull(t *testing.T) {
	const done = `rollout "web" promoted fully: the remaining steps and analysis are skipped`
	runDecisionTable(t, PromoteFull, []decisionCase{
		{"paused at a pause step", atPauseStep, outcome{"step=1 pauses=[CanaryPauseStep] paused=false abort=false promoteFull=true", done}},
		{"paused by the user: the manual pause ends too", pausedByUserMidStep, outcome{"step=0 pauses=[] paused=false abort=false promoteFull=true",
			done + "; the manual pause ended"}},
		{"running an analysis step", runningAnalysis, outcome{"step=2 pauses=[] paused=false abort=false promoteFull=true", done}},
		{"past the last step", finishing, outcome{"step=4 pauses=[] paused=false abort=false promoteFull=true", done}},
		{"aborted", abortedCanary, outcome{"refused", abortedRefusal}},
		{"aborted with a promote-full written by someone else", abortedPromotingFull, outcome{"refused", abortedRefusal}},
		{"retried, not started over yet", retryPendingCanary, outcome{"refused",
			`rollout "web" is being retried and the controller has not started it over yet; promote again in a moment`}},
		{"Healthy", healthy, outcome{"nothing to do", `rollout "web" is fully promoted: nothing to promote`}},
		{"promote-full pending", promoteFullPending, outcome{"nothing to do", `rollout "web" is already being promoted fully: nothing to promote`}},
		{"a spec change not processed yet", newSpecUnseen, outcome{"refused",
			`rollout "web" has a spec change the controller has not processed yet; promote again in a moment`}},
		{"blue-green paused for promotion", blueGreenPaused, outcome{"step=- pauses=[BlueGreenPause] paused=false abort=false promoteFull=true", done}},
		{"blue-green Healthy", blueGreenHealthy, outcome{"nothing to do", `rollout "web" is fully promoted: nothing to promote`}},
	})
}

func TestAbort(t *testing.T) {
	runDecisionTable(t, Abort, []decisionCase{
		{"paused at a pause step", atPauseStep, outcome{"step=1 pauses=[CanaryPauseStep] paused=false abort=true promoteFull=false", `rollout "web" aborted`}},
		{"paused by the user", pausedByUserMidStep, outcome{"step=0 pauses=[] paused=true abort=true promoteFull=false", `rollout "web" aborted`}},
		{"promote-full pending", promoteFullPending, outcome{"step=1 pauses=[] paused=false abort=true promoteFull=true", `rollout "web" aborted`}},
		{"retried, not started over yet", retryPendingCanary, outcome{"step=0 pauses=[] paused=false abort=true promoteFull=false", `rollout "web" aborted`}},
		{"aborted", abortedCanary, outcome{"nothing to do", `rollout "web" is already aborted: nothing to abort`}},
		{"Healthy", healthy, outcome{"nothing to do", `rollout "web" has no update in progress: nothing to abort`}},
		{"a spec change not processed yet", newSpecUnseen, outcome{"refused",
			`rollout "web" has a spec change the controller has not processed yet; abort again in a moment`}},
		{"blue-green paused for promotion", blueGreenPaused, outcome{"step=- pauses=[BlueGreenPause] paused=false abort=true promoteFull=false", `rollout "web" aborted`}},
		{"blue-green Healthy", blueGreenHealthy, outcome{"nothing to do", `rollout "web" has no update in progress: nothing to abort`}},
	})
}

func TestRetry(t *testing.T) {
	const canaryDone = `rollout "web" retried: the update starts over at step 1/4 (setWeight 25)`
	runDecisionTable(t, Retry, []decisionCase{
		{"aborted", abortedCanary, outcome{"step=0 pauses=[] paused=false abort=false promoteFull=false", canaryDone}},
		{"aborted with a promote-full written by someone else: cleared too", abortedPromotingFull,
			outcome{"step=0 pauses=[] paused=false abort=false promoteFull=false", canaryDone}},
		{"aborted and paused by the user", abortedPausedByUser, outcome{"step=0 pauses=[] paused=true abort=false promoteFull=false", canaryDone}},
		{"blue-green aborted", blueGreenAborted, outcome{"step=0 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" retried: the update starts over`}},
		{"retried, not started over yet", retryPendingCanary, outcome{"nothing to do", `rollout "web" is already being retried: nothing to retry`}},
		{"paused at a pause step", atPauseStep, outcome{"nothing to do", `rollout "web" is not aborted: nothing to retry`}},
		{"Healthy", healthy, outcome{"nothing to do", `rollout "web" is not aborted: nothing to retry`}},
	})
}

func TestPause(t *testing.T) {
	runDecisionTable(t, Pause, []decisionCase{
		{"running a step", runningAnalysis, outcome{"step=2 pauses=[] paused=true abort=false promoteFull=false", `rollout "web" paused at step 3/4 (analysis)`}},
		{"paused at a pause step", atPauseStep, outcome{"step=1 pauses=[CanaryPauseStep] paused=true abort=false promoteFull=false",
			`rollout "web" paused at step 2/4 (pause 10m0s)`}},
		{"Healthy: holds the next update", healthy, outcome{"step=4 pauses=[] paused=true abort=false promoteFull=false", `rollout "web" paused`}},
		{"aborted", abortedCanary, outcome{"step=0 pauses=[] paused=true abort=true promoteFull=false", `rollout "web" paused`}},
		{"blue-green paused for promotion", blueGreenPaused, outcome{"step=- pauses=[BlueGreenPause] paused=true abort=false promoteFull=false", `rollout "web" paused`}},
		{"paused by the user", pausedByUserMidStep, outcome{"nothing to do", `rollout "web" is already paused: nothing to pause`}},
	})
}

func TestResume(t *testing.T) {
	runDecisionTable(t, Resume, []decisionCase{
		{"paused at a pause step", atPauseStep, outcome{"step=1 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" resumed past step 2/4 (pause 10m0s); now at step 3/4 (analysis)`}},
		{"paused by the user mid-step", pausedByUserMidStep, outcome{"step=0 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" resumed at step 1/4 (setWeight 25)`}},
		{"paused by the user at a pause step", pausedByUserAtPause, outcome{"step=1 pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" resumed past step 2/4 (pause 10m0s); now at step 3/4 (analysis)`}},
		{"aborted and paused by the user", abortedPausedByUser, outcome{"step=0 pauses=[] paused=false abort=true promoteFull=false",
			`rollout "web" resumed; it stays aborted until retried`}},
		{"blue-green paused for promotion", blueGreenPaused, outcome{"step=- pauses=[] paused=false abort=false promoteFull=false",
			`rollout "web" resumed: the new version goes active`}},
		{"running a step", runningAnalysis, outcome{"nothing to do", `rollout "web" is not paused: nothing to resume`}},
		{"Healthy", healthy, outcome{"nothing to do", `rollout "web" is not paused: nothing to resume`}},
		{"aborted", abortedCanary, outcome{"nothing to do", `rollout "web" is not paused: nothing to resume`}},
	})
}
