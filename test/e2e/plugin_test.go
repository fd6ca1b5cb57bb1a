//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// These tests drive the real kubectl-sluice binary against the cluster and check
// what a user would: the one line it prints, its exit code, and what the
// controller then does to ReplicaSets, Services and the Rollout's phase.

// pluginSteps stop at an indefinite pause after each weight, so the test decides
// when the update goes on.
const pluginSteps = `
      - setWeight: 25
      - pause: {}
      - setWeight: 50
      - pause: {}`

// pausedOnce stops once, at half the pods; a promote finishes the update.
const pausedOnce = `
      - setWeight: 50
      - pause: {}`

// noSteps goes straight to 100% on every new template.
const noSteps = " []"

// plugin runs kubectl-sluice, checks its exit code (and, on success, that stderr
// is empty) and returns stdout.
func plugin(f *framework.Framework, wantCode int, args ...string) string {
	f.T.Helper()
	stdout, stderr, code := f.Plugin(args...)
	if code != wantCode {
		f.T.Fatalf("kubectl sluice %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, stdout, stderr)
	}
	if code == 0 && stderr != "" {
		f.T.Fatalf("kubectl sluice %s: stderr on success: %q", strings.Join(args, " "), stderr)
	}
	return stdout
}

// wantOutput fails the test unless out is exactly the one line want.
func wantOutput(t *testing.T, what, out, want string) {
	t.Helper()
	if out != want+"\n" {
		t.Fatalf("%s printed %q, want the one line %q", what, out, want)
	}
}

// phaseLine is a rollout's phase and message as `status` prints them.
func phaseLine(ro *v1alpha1.Rollout) string {
	if ro.Status.Message == "" {
		return string(ro.Status.Phase)
	}
	return string(ro.Status.Phase) + " - " + ro.Status.Message
}

// lastLine is the last non-empty line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// waitHealthy waits for Healthy on the current generation and returns the stable hash.
func waitHealthy(f *framework.Framework, name string) string {
	f.T.Helper()
	return f.WaitForPhase(name, v1alpha1.RolloutPhaseHealthy, 60*time.Second).Status.StableRS
}

// expectServices fails the test unless the stable and canary Services select the
// given hashes.
func expectServices(t *testing.T, f *framework.Framework, stable, canary string) {
	t.Helper()
	if got := f.ServiceSelects("web-stable"); got != stable {
		t.Fatalf("stable Service selects %q, want %q", got, stable)
	}
	if got := f.ServiceSelects("web-canary"); got != canary {
		t.Fatalf("canary Service selects %q, want %q", got, canary)
	}
}

// expectReplicas fails the test unless the ReplicaSets of the two hashes want the
// given numbers of pods.
func expectReplicas(t *testing.T, f *framework.Framework, canaryHash string, canary int32, stableHash string, stable int32) {
	t.Helper()
	rss := f.ReplicaSets("web")
	if got, gotStable := replicasOf(rss[canaryHash]), replicasOf(rss[stableHash]); got != canary || gotStable != stable {
		t.Fatalf("canary / stable ReplicaSets have %d / %d pods, want %d / %d", got, gotStable, canary, stable)
	}
}

func TestPluginPromotePastIndefinitePauses(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	stable := deployHealthy(f, canaryRollout("web", 4, pluginSteps, "", "")).Status.StableRS
	f.SetImage("web", imageV2)
	canary := f.WaitForPausedAtStep("web", 1, 60*time.Second).Status.CurrentPodHash
	expectReplicas(t, f, canary, 1, stable, 3)

	wantOutput(t, "promote", plugin(f, 0, "promote", "web"), `rollout "web" promoted past step 2/4 (pause (until promoted)); now at step 3/4 (setWeight 50)`)
	f.WaitForPausedAtStep("web", 3, 60*time.Second)
	f.WaitForRollout("web", "runs 2 canary and 2 stable pods", 60*time.Second, func(*v1alpha1.Rollout) bool {
		rss := f.ReplicaSets("web")
		return replicasOf(rss[canary]) == 2 && replicasOf(rss[stable]) == 2
	})
	expectServices(t, f, stable, canary)

	wantOutput(t, "promote", plugin(f, 0, "promote", "web"), `rollout "web" promoted past step 4/4 (pause (until promoted)); all 4 steps complete`)
	if got := waitHealthy(f, "web"); got != canary {
		t.Fatalf("stable after the last promote is %q, want the canary %q", got, canary)
	}
	f.WaitForRollout("web", "has scaled the old ReplicaSet to 0", 60*time.Second, func(*v1alpha1.Rollout) bool {
		return replicasOf(f.ReplicaSets("web")[stable]) == 0
	})
	expectServices(t, f, canary, canary)
}

func TestPluginPromoteBlueGreen(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	blue := deployBlueGreen(f, blueGreenRollout(2, `
      autoPromotionEnabled: false`))
	f.SetImage("bg", imageV2)
	green := f.WaitForPhase("bg", v1alpha1.RolloutPhasePaused, 60*time.Second).Status.CurrentPodHash
	if a, p := f.ServiceSelects("bg-active"), f.ServiceSelects("bg-preview"); a != blue || p != green {
		t.Fatalf("before promote: active %q preview %q, want %q / %q", a, p, blue, green)
	}

	wantOutput(t, "promote", plugin(f, 0, "promote", "bg"), `rollout "bg" promoted: the new version goes active`)
	if got := waitHealthy(f, "bg"); got != green {
		t.Fatalf("stable after promote is %q, want the preview %q", got, green)
	}
	if a := f.ServiceSelects("bg-active"); a != green {
		t.Fatalf("active Service selects %q after promote, want %q", a, green)
	}
}

func TestPluginPromoteFullFromFirstPause(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	deployHealthy(f, canaryRollout("web", 4, pluginSteps, "", ""))
	f.SetImage("web", imageV2)
	canary := f.WaitForPausedAtStep("web", 1, 60*time.Second).Status.CurrentPodHash

	wantOutput(t, "promote --full", plugin(f, 0, "promote", "web", "--full"), `rollout "web" promoted fully: the remaining steps and analysis are skipped`)
	ro := f.WaitForRollout("web", "is Healthy with promoteFull cleared", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy && !ro.Status.PromoteFull
	})
	if ro.Status.StableRS != canary || ro.Status.AvailableReplicas != 4 {
		t.Fatalf("after promote --full: %s", framework.Describe(ro))
	}
	expectServices(t, f, canary, canary)
	// The second pause was skipped, not waited at.
	if n := f.EventCount("web", "RolloutPaused"); n != 1 {
		t.Fatalf("the rollout paused %d times, want once (at the first pause only): %v", n, f.EventReasons("web"))
	}
}

func TestPluginAbortThenRetry(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	stable := deployHealthy(f, canaryRollout("web", 4, pluginSteps, "", "")).Status.StableRS
	f.SetImage("web", imageV2)
	canary := f.WaitForPausedAtStep("web", 1, 60*time.Second).Status.CurrentPodHash
	expectServices(t, f, stable, canary)

	wantOutput(t, "abort", plugin(f, 0, "abort", "web"), `rollout "web" aborted`)
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 60*time.Second)
	if c := condition(ro, v1alpha1.RolloutProgressing); c == nil || c.Reason != v1alpha1.ReasonRolloutAborted {
		t.Fatalf("Progressing condition after abort: %+v", c)
	}
	f.WaitForRollout("web", "is back on the stable ReplicaSet with the canary at 0", 60*time.Second, func(*v1alpha1.Rollout) bool {
		rss := f.ReplicaSets("web")
		return replicasOf(rss[canary]) == 0 && rss[canary].Status.Replicas == 0 &&
			rss[stable].Status.AvailableReplicas == 4 && f.ServiceSelects("web-canary") == stable
	})
	expectServices(t, f, stable, stable)

	wantOutput(t, "retry", plugin(f, 0, "retry", "web"), `rollout "web" retried: the update starts over at step 1/4 (setWeight 25)`)
	ro = f.WaitForPausedAtStep("web", 1, 60*time.Second)
	if ro.Status.CurrentPodHash != canary || ro.Status.Abort {
		t.Fatalf("retry did not resume the same canary: %s", framework.Describe(ro))
	}
	f.WaitForRollout("web", "runs the canary again", 60*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ReplicaSets("web")[canary].Status.AvailableReplicas == 1 && f.ServiceSelects("web-canary") == canary
	})
	expectReplicas(t, f, canary, 1, stable, 3)
}

func TestPluginSetImageStartsNewRevision(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	first := deployHealthy(f, canaryRollout("web", 2, noSteps, "", "")).Status.StableRS

	out := plugin(f, 0, "set", "image", "web", "*="+imageV3)
	wantOutput(t, "set image", out, `rollout "web" image updated: web=`+imageV3)
	second := waitHealthy(f, "web")
	if second == first {
		t.Fatalf("set image did not create a new ReplicaSet (stable still %q)", first)
	}
	rss := f.ReplicaSets("web")
	rs := rss[second]
	if len(rss) != 2 || rs.Annotations["sluice.dev/revision"] != "2" || rs.Spec.Template.Spec.Containers[0].Image != imageV3 {
		t.Fatalf("want a second ReplicaSet, revision 2, running %s; got %d ReplicaSets, revision %q, image %s",
			imageV3, len(rss), rs.Annotations["sluice.dev/revision"], rs.Spec.Template.Spec.Containers[0].Image)
	}
	if rs.Status.AvailableReplicas != 2 {
		t.Fatalf("the new revision has %d available pods, want 2", rs.Status.AvailableReplicas)
	}
}

func TestPluginUndo(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	rev1 := deployHealthy(f, canaryRollout("web", 2, noSteps, "", "")).Status.StableRS
	f.SetImage("web", imageV2)
	rev2 := waitHealthy(f, "web")
	f.SetImage("web", imageV3)
	waitHealthy(f, "web")

	wantOutput(t, "undo", plugin(f, 0, "undo", "web"), `rollout "web" rolled back to revision 2`)
	expectBackOn(t, f, rev2, imageV2)

	wantOutput(t, "undo --to-revision 1", plugin(f, 0, "undo", "web", "--to-revision", "1"), `rollout "web" rolled back to revision 1`)
	expectBackOn(t, f, rev1, imageV1)
}

// expectBackOn waits for the rollout to be Healthy on an earlier ReplicaSet,
// reused rather than recreated, with the Rollout's template back on its image.
func expectBackOn(t *testing.T, f *framework.Framework, hash, image string) {
	t.Helper()
	if got := waitHealthy(f, "web"); got != hash {
		t.Fatalf("after undo the stable ReplicaSet is %q, want the earlier %q", got, hash)
	}
	if got := f.Rollout("web").Spec.Template.Spec.Containers[0].Image; got != image {
		t.Fatalf("after undo the template runs %s, want %s", got, image)
	}
	if n := len(f.ReplicaSets("web")); n != 3 {
		t.Fatalf("undo left %d ReplicaSets, want the 3 revisions (no new one)", n)
	}
}

var restartLine = regexp.MustCompile(`^rollout "web" restarts at (\S+)\n$`)

func TestPluginRestartReplacesPods(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	deployHealthy(f, canaryRollout("web", 3, pluginSteps, "", ""))
	oldPods := f.PodNames("app=web")
	if len(oldPods) != 3 {
		t.Fatalf("want 3 pods before the restart, got %v", oldPods)
	}

	out := plugin(f, 0, "restart", "web")
	m := restartLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("restart printed %q", out)
	}
	at, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		t.Fatalf("restart time %q: %v", m[1], err)
	}
	if got := f.Rollout("web").Spec.RestartAt; got == nil || !got.Time.Equal(at) {
		t.Fatalf("spec.restartAt is %v, want the printed %s", got, m[1])
	}
	f.WaitForRollout("web", "has restarted every pod", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.RestartedAt != nil && !ro.Status.RestartedAt.Time.Before(at)
	})
	waitHealthy(f, "web")
	f.Eventually("3 pods run, none of them from before the restart", 60*time.Second, func() (bool, string) {
		pods := f.PodNames("app=web")
		fresh := slices.DeleteFunc(slices.Clone(pods), func(p string) bool { return slices.Contains(oldPods, p) })
		return len(pods) == 3 && len(fresh) == 3, fmt.Sprintf("pods %v, before the restart %v", pods, oldPods)
	})
}

// startStatusWatch starts `status web -w -t 60s` and waits until it has printed
// its first line, so what follows is a change it sees, not its starting state.
func startStatusWatch(f *framework.Framework, first string) *framework.PluginRun {
	f.T.Helper()
	run := f.StartPlugin("status", "web", "-w", "-t", "60s")
	f.Eventually("status -w prints the current phase", 30*time.Second, func() (bool, string) {
		return strings.HasPrefix(run.Stdout(), first+"\n"), run.Stdout()
	})
	return run
}

func TestPluginStatusExitCodes(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	deployHealthy(f, canaryRollout("web", 2, pausedOnce, "", ""))
	f.SetImage("web", imageV2)
	paused := phaseLine(f.WaitForPausedAtStep("web", 1, 60*time.Second))

	// Without -w: the phase once, exit 0 for any phase but Degraded.
	wantOutput(t, "status", plugin(f, 0, "status", "web"), paused)

	// A pause that needs a promote never settles: -t gives up with exit 2.
	stdout, stderr, code := f.Plugin("status", "web", "-w", "-t", "2s")
	if code != 2 {
		t.Fatalf("status -t 2s while paused: exit %d, want 2\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	wantOutput(t, "status -t 2s", stdout, paused)
	wantOutput(t, "status -t 2s on stderr", stderr, fmt.Sprintf(`error: timed out after 2s waiting for rollout "web" (last: %s)`, paused))

	// Degraded (an abort) ends the watch with exit 1.
	run := startStatusWatch(f, paused)
	plugin(f, 0, "abort", "web")
	stdout, stderr, code = run.Wait(90 * time.Second)
	if code != 1 || !strings.HasPrefix(lastLine(stdout), "Degraded") || stderr != "" {
		t.Fatalf("status -w through an abort: exit %d (want 1), stdout:\n%s\nstderr: %q", code, stdout, stderr)
	}
	if out := plugin(f, 1, "status", "web"); !strings.HasPrefix(out, "Degraded") {
		t.Fatalf("status of an aborted rollout printed %q", out)
	}

	// Healthy (a retry, then a promote) ends it with exit 0.
	plugin(f, 0, "retry", "web")
	paused = phaseLine(f.WaitForPausedAtStep("web", 1, 60*time.Second))
	run = startStatusWatch(f, paused)
	plugin(f, 0, "promote", "web")
	stdout, stderr, code = run.Wait(90 * time.Second)
	if code != 0 || lastLine(stdout) != "Healthy" || stderr != "" {
		t.Fatalf("status -w through a promote: exit %d (want 0), stdout:\n%s\nstderr: %q", code, stdout, stderr)
	}
}

func TestPluginGetRolloutWatchExitsWhenHealthy(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	deployHealthy(f, canaryRollout("web", 2, pausedOnce, "", ""))
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)

	run := f.StartPlugin("get", "rollout", "web", "-w")
	f.Eventually("get rollout -w shows the paused rollout", 30*time.Second, func() (bool, string) {
		return strings.Contains(run.Stdout(), "Status:          ॥ Paused"), run.Stdout()
	})
	plugin(f, 0, "promote", "web")
	stdout, stderr, code := run.Wait(90 * time.Second)
	if code != 0 || stderr != "" {
		t.Fatalf("get rollout -w: exit %d (want 0) once Healthy\nstdout:\n%s\nstderr: %q", code, stdout, stderr)
	}
	// Its output is a pipe: plain frames, no colour and no cursor movement.
	if strings.Contains(stdout, "\x1b") {
		t.Fatalf("get rollout -w wrote escape sequences to a pipe:\n%q", stdout)
	}
	last := stdout[strings.LastIndex(stdout, "Name:"):]
	for _, want := range []string{"Name:            web\n", "Namespace:       " + f.Namespace + "\n", "Status:          ✔ Healthy\n", "(stable)"} {
		if !strings.Contains(last, want) {
			t.Fatalf("the last frame lacks %q:\n%s", want, last)
		}
	}
}

func TestPluginUnknownRolloutIsOneLine(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	stdout, stderr, code := f.Plugin("promote", "nope")
	if code != 1 || stdout != "" {
		t.Fatalf("promote nope: exit %d (want 1), stdout %q", code, stdout)
	}
	wantOutput(t, "promote nope on stderr", stderr, fmt.Sprintf(`error: rollout "nope" not found in namespace %q`, f.Namespace))

	// A command line mistake is exit 2, one line too.
	stdout, stderr, code = f.Plugin("promote")
	if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "error: promote needs NAME") {
		t.Fatalf("promote without NAME: exit %d (want 2), stdout %q, stderr %q", code, stdout, stderr)
	}
}

// argoExample reads one of Argo Rollouts' documented examples, kept in sluice's
// API group for the decoding tests, back in Argo's group: the input a user who
// migrates has.
func argoExample(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile("../../pkg/apis/rollouts/v1alpha1/testdata/argo/" + name)
	if err != nil {
		t.Fatal(err)
	}
	argo := strings.ReplaceAll(string(raw), "apiVersion: sluice.dev/v1alpha1", "apiVersion: argoproj.io/v1alpha1")
	if argo == string(raw) {
		t.Fatalf("%s has no sluice.dev/v1alpha1 object to turn back into Argo's", name)
	}
	return argo
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile("../../pkg/convert/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

var topLevelKind = regexp.MustCompile(`(?m)^kind: (\S+)$`)

// kinds lists the kinds of a manifest's documents, in order.
func kinds(manifest string) []string {
	var out []string
	for _, m := range topLevelKind.FindAllStringSubmatch(manifest, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestPluginConvertOutputIsAccepted(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	cases := []struct {
		name, input string
		wantKinds   []string
		// wantWarnings are fields the conversion must name as dropped on stderr.
		wantWarnings []string
	}{
		{name: "Argo canary", input: argoExample(t, "canary.yaml"), wantKinds: []string{"Rollout"}},
		{name: "Argo blue-green", input: argoExample(t, "bluegreen.yaml"), wantKinds: []string{"Rollout"}},
		{name: "Argo analysis template", input: argoExample(t, "analysistemplate.yaml"), wantKinds: []string{"AnalysisTemplate"}},
		{name: "Argo with unsupported fields", input: readTestdata(t, "argo-canary.in.yaml"),
			wantKinds:    []string{"Rollout", "AnalysisTemplate"},
			wantWarnings: []string{"spec.strategy.canary.scaleDownDelayRevisionLimit", "spec.strategy.canary.trafficRouting.nginx"}},
		{name: "Deployment", input: readTestdata(t, "deployment.in.yaml"), wantKinds: []string{"Rollout", "Service", "Service"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := f.PluginWithInput(tc.input, "convert", "-f", "-")
			if code != 0 {
				t.Fatalf("convert: exit %d\nstderr: %s", code, stderr)
			}
			if got := kinds(stdout); !slices.Equal(got, tc.wantKinds) {
				t.Fatalf("convert wrote kinds %v, want %v:\n%s", got, tc.wantKinds, stdout)
			}
			if strings.Contains(stdout, "argoproj.io") || !strings.Contains(stdout, "apiVersion: sluice.dev/v1alpha1") {
				t.Fatalf("convert left an Argo object or wrote no sluice object:\n%s", stdout)
			}
			for _, field := range tc.wantWarnings {
				if !strings.Contains(stderr, "field "+field+" is not supported by sluice") {
					t.Errorf("stderr does not name the dropped %s:\n%s", field, stderr)
				}
			}
			if len(tc.wantWarnings) == 0 && stderr != "" {
				t.Errorf("unexpected warnings:\n%s", stderr)
			}
			if err := f.TryCreate(stdout); err != nil {
				t.Fatalf("the API server rejects convert's output: %v\n%s", err, stdout)
			}
		})
	}
}
