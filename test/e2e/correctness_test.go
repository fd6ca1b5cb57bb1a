//go:build e2e

package e2e

// Regression tests for defects a user sees: a template change that arrives
// together with a missing reference, a routed canary superseded while it
// carries traffic, an abort during a manual pause, a Rollout at 0 replicas,
// and an abort with dynamicStableScale.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// weightThenIndefinitePause are the steps of most tests here.
const weightThenIndefinitePause = `
      - setWeight: 50
      - pause: {}`

// webRollout is canaryRollout("web", …) with the image, the canary Service
// and the pod template's annotations (a YAML flow map, "" for none) chosen.
func webRollout(replicas int, image, canaryService, steps, canaryExtra, templateAnnotations string) string {
	annotations := ""
	if templateAnnotations != "" {
		annotations = ", annotations: " + templateAnnotations
	}
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}%s}
    spec:
      containers: [{name: web, image: %s}]
  strategy:
    canary:
      stableService: web-stable
      canaryService: %s%s
      steps:%s
`, replicas, annotations, image, canaryService, canaryExtra, steps)
}

// imageOf is the image of a ReplicaSet's first container.
func imageOf(rs *appsv1.ReplicaSet) string {
	if rs == nil || len(rs.Spec.Template.Spec.Containers) == 0 {
		return ""
	}
	return rs.Spec.Template.Spec.Containers[0].Image
}

// hashOfImage is the hash of the Rollout's ReplicaSet running image ("" when none does).
func hashOfImage(f *framework.Framework, rollout, image string) string {
	for hash, rs := range f.ReplicaSets(rollout) {
		if imageOf(rs) == image {
			return hash
		}
	}
	return ""
}

// TestTemplateChangeWithMissingReferenceRollsOutOnceValid: a new image that
// arrives in the same update as a reference to an object that does not exist
// yet is Degraded (InvalidSpec) until the object is created, and then rolls
// out through the steps like any new template: it ends Healthy with the new
// ReplicaSet stable. (The defect: the InvalidSpec status recorded the new
// generation as observed with the old template's hash, so once the object
// existed the controller took the old ReplicaSet for the current template and
// went Healthy on it — the new image was never deployed.)
func TestTemplateChangeWithMissingReferenceRollsOutOnceValid(t *testing.T) {
	const weightThenTimedPause = `
      - setWeight: 50
      - pause: {duration: 2s}`
	for _, tc := range []struct {
		name          string
		canaryService string
		steps         string
		missing       string // the object the update refers to
		message       string // in the InvalidSpec condition
	}{
		{
			name:          "Service",
			canaryService: "web-canary-2",
			steps:         weightThenTimedPause,
			missing: `
apiVersion: v1
kind: Service
metadata: {name: web-canary-2}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
			message: `Service "web-canary-2" not found`,
		},
		{
			name:          "AnalysisTemplate",
			canaryService: "web-canary",
			steps: weightThenTimedPause + `
      - analysis:
          templates: [{templateName: smoke}]`,
			missing: `
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: smoke}
spec:
  metrics:
  - name: always-one
    successCondition: result[0] == 1
    provider:
      prometheus:
        query: vector(1)
`,
			message: `AnalysisTemplate "smoke" not found`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTest(t)
			v1 := deployHealthy(f, webRollout(3, imageV1, "web-canary", weightThenTimedPause, "", "")).Status.StableRS

			// One update: the new image and the reference to the missing object.
			f.Apply(webRollout(3, imageV2, tc.canaryService, tc.steps, "", ""))
			ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 30*time.Second)
			if c := condition(ro, v1alpha1.RolloutInvalidSpec); c == nil || c.Status != corev1.ConditionTrue || !strings.Contains(c.Message, tc.message) {
				t.Fatalf("InvalidSpec condition %+v, want one naming %s", c, tc.message)
			}
			if h := hashOfImage(f, "web", imageV2); h != "" && replicasOf(f.ReplicaSets("web")[h]) > 0 {
				t.Errorf("the invalid Rollout scaled up a ReplicaSet of the new template: %s", h)
			}

			f.Apply(tc.missing)
			sawCanary := false
			ro = f.WaitForRollout("web", "is Healthy again", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
				rss := f.ReplicaSets("web")
				if h := hashOfImage(f, "web", imageV2); h != "" && replicasOf(rss[h]) > 0 && ro.Status.StableRS == v1 && replicasOf(rss[v1]) > 0 {
					sawCanary = true // the new template runs beside the old stable: a step
				}
				return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy
			})
			rss := f.ReplicaSets("web")
			if got := imageOf(rss[ro.Status.StableRS]); got != imageV2 {
				t.Fatalf("Healthy on stable ReplicaSet %s running %s, want %s (the ReplicaSets: %s): %s",
					ro.Status.StableRS, got, imageV2, describeReplicaSets(rss), framework.Describe(ro))
			}
			v2 := hashOfImage(f, "web", imageV2)
			if ro.Status.StableRS != v2 || ro.Status.CurrentPodHash != v2 || rss[v2] == nil || rss[v2].Status.AvailableReplicas != 3 {
				t.Fatalf("status.stableRS %s / currentPodHash %s, want the new template's %s with 3 available: %s",
					ro.Status.StableRS, ro.Status.CurrentPodHash, v2, framework.Describe(ro))
			}
			if !sawCanary {
				t.Errorf("the new template never ran as a canary beside the old stable: the steps were skipped")
			}
			f.WaitForRollout("web", "has both Services on the new template", 30*time.Second, func(*v1alpha1.Rollout) bool {
				return f.ServiceSelects("web-stable") == v2 && f.ServiceSelects(tc.canaryService) == v2
			})
			if tc.name == "AnalysisTemplate" {
				runs := runsOfKind(f, v1alpha1.AnalysisKindStep)
				if len(runs) != 1 || runs[0].Labels[framework.HashLabel] != v2 || runs[0].Status.Phase != v1alpha1.AnalysisPhaseSuccessful {
					t.Errorf("want one Successful step AnalysisRun for %s, got %d: %v", v2, len(runs), runs)
				}
			}
		})
	}
}

func describeReplicaSets(rss map[string]*appsv1.ReplicaSet) string {
	var out []string
	for hash, rs := range rss {
		out = append(out, fmt.Sprintf("%s %s %d/%d", hash, imageOf(rs), rs.Status.AvailableReplicas, replicasOf(rs)))
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// subsetSplit is a DestinationRule with stable and canary subsets and a
// VirtualService splitting between them (TestIstioSubsetSplitKeepsSubsetHashes,
// TestRoutedCanarySupersededKeepsTrafficOnPods).
const subsetSplit = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec:
  host: web
  subsets:
  - {name: stable, labels: {app: web}}
  - {name: canary, labels: {app: web}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: web, subset: stable}
      weight: 100
    - destination: {host: web, subset: canary}
`

// TestRoutedCanarySupersededKeepsTrafficOnPods (SPEC §2.7 rules 1 and 2): a
// routed canary that carries weight 50 is superseded — by a third template,
// or by going back to the stable one. Every destination with a weight must
// lead to pods all along: its subset's (or Service's) ReplicaSet keeps its
// pods until the weight has left it, and a subset is never moved to a
// ReplicaSet without available pods while it carries weight. Every change of
// the VirtualService, DestinationRule, ReplicaSets, pods, Services and
// EndpointSlices is replayed in resourceVersion order and checked (see
// framework.SidesSampler). (The defect: the superseded canary was scaled to 0,
// and the canary subset moved to the new ReplicaSet, before the weight left
// them.)
func TestRoutedCanarySupersededKeepsTrafficOnPods(t *testing.T) {
	t.Parallel()
	for _, split := range []string{"subset", "host"} {
		for _, next := range []string{"new-image", "back-to-stable"} {
			t.Run(split+"/"+next, func(t *testing.T) {
				t.Parallel()
				f := &routingTest{newTest(t)}
				routing, dr := `
        istio: {virtualService: {name: web, routes: [primary]}}`, ""
				canaryKey, stableKey := "web-canary", "web-stable"
				weights := func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) }
				if split == "subset" {
					f.Apply(subsetSplit)
					routing, dr = `
        istio:
          virtualService: {name: web}
          destinationRule: {name: web, stableSubsetName: stable, canarySubsetName: canary}`, "web"
					canaryKey, stableKey = "canary", "stable"
					weights = func() map[string]int64 { return f.routeWeights("web", "http", "", 0) }
				} else {
					f.Apply(hostSplitVS)
				}
				first := deployHealthy(f.Framework, routedRollout(routing, weightThenIndefinitePause)).Status.StableRS
				f.SetImage("web", imageV2)
				second := f.WaitForPausedAtStep("web", 1, 60*time.Second).Status.CurrentPodHash
				f.waitWeights("weight 50 on the second template", weights, map[string]int64{canaryKey: 50, stableKey: 50})

				sides := f.SampleRoutedSides("web", dr)
				if next == "new-image" {
					f.SetImage("web", imageV3)
					ro := f.WaitForRollout("web", "is paused at step 1 on the third template with weight 50 on it", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
						w := ro.Status.Canary.Weights
						return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhasePaused &&
							ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 1 &&
							ro.Status.CurrentPodHash != second && ro.Status.CurrentPodHash != first &&
							w != nil && w.Canary.Weight == 50 && w.Canary.PodTemplateHash == ro.Status.CurrentPodHash
					})
					if ro.Status.StableRS != first {
						t.Fatalf("the stable ReplicaSet changed while superseding: %s", framework.Describe(ro))
					}
					f.waitWeights("weight 50 on the third template", weights, map[string]int64{canaryKey: 50, stableKey: 50})
				} else {
					f.SetImage("web", imageV1)
					ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
					if ro.Status.StableRS != first || ro.Status.CurrentPodHash != first {
						t.Fatalf("going back to the stable template: %s, want %s", framework.Describe(ro), first)
					}
					f.waitWeights("all traffic back on stable", weights, map[string]int64{canaryKey: 0, stableKey: 100})
				}
				f.Eventually("the superseded canary is scaled down", 30*time.Second, func() (bool, string) {
					rs := f.ReplicaSets("web")[second]
					return rs != nil && replicasOf(rs) == 0 && rs.Status.Replicas == 0, describeReplicaSets(f.ReplicaSets("web"))
				})
				if sides.Changes() == 0 {
					t.Fatal("the sides sampler recorded no change: it did not run")
				}
				sides.ExpectNoViolations(f.Framework)
			})
		}
	}
}

// expectAbortedToStable waits (up to timeout) until an aborted canary without
// traffic routing is back on the stable ReplicaSet: the canary scaled to 0,
// the stable side at full size, both Services on stable, phase Degraded with
// the Progressing condition RolloutAborted.
func expectAbortedToStable(f *framework.Framework, canary, stable string, replicas int32, timeout time.Duration) *v1alpha1.Rollout {
	f.T.Helper()
	ro := f.WaitForRollout("web", "is aborted: canary scaled to 0, stable at full size, Services on stable, Degraded", timeout, func(ro *v1alpha1.Rollout) bool {
		rss := f.ReplicaSets("web")
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Abort && ro.Status.Phase == v1alpha1.RolloutPhaseDegraded &&
			replicasOf(rss[canary]) == 0 && rss[stable] != nil && rss[stable].Status.AvailableReplicas == replicas &&
			f.ServiceSelects("web-canary") == stable && f.ServiceSelects("web-stable") == stable
	})
	if c := condition(ro, v1alpha1.RolloutProgressing); c == nil || c.Reason != v1alpha1.ReasonRolloutAborted {
		f.T.Fatalf("Progressing condition after the abort: %+v", c)
	}
	return ro
}

// TestAbortWhileManuallyPaused (SPEC §2.5): spec.paused holds scaling and
// stepping, not an abort. Aborting a manually paused canary — by the user, or
// by a step analysis that fails during the pause — sends the Services back to
// stable and scales the canary down (no traffic routing, so no abort delay).
// (The defect: the manual pause was checked first and held everything, so the
// abort was recorded but nothing moved, and a failed analysis did not abort.)
func TestAbortWhileManuallyPaused(t *testing.T) {
	t.Run("user-abort", func(t *testing.T) {
		t.Parallel()
		f := newTest(t)
		stable := deployHealthy(f, canaryRollout("web", 3, weightThenIndefinitePause, "", "")).Status.StableRS
		f.SetImage("web", imageV2)
		canary := f.WaitForPausedAtStep("web", 1, 60*time.Second).Status.CurrentPodHash
		f.WaitForRollout("web", "runs the canary's pods behind the canary Service", 30*time.Second, func(*v1alpha1.Rollout) bool {
			return f.ReplicaSets("web")[canary].Status.AvailableReplicas == 2 && f.ServiceSelects("web-canary") == canary
		})
		f.PatchSpec("web", map[string]any{"paused": true})
		f.WaitForRollout("web", "shows the manual pause", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
			return ro.Status.ObservedGeneration == ro.Generation && ro.Spec.Paused && ro.Status.Phase == v1alpha1.RolloutPhasePaused
		})
		f.Abort("web")
		expectAbortedToStable(f, canary, stable, 3, 15*time.Second)
	})

	t.Run("failed-analysis", func(t *testing.T) {
		t.Parallel()
		f := newTest(t)
		version := startVersion(f, 0.5)
		// The first measurement (which fails) comes 3 s after the run starts:
		// time for the test to pause the Rollout first.
		f.Apply(errorRateTemplate("error-rate", `
    initialDelay: 3s
    interval: 1s
    count: 2
    successCondition: result[0] < 0.1`))
		stable := deployHealthy(f, canaryRollout("web", 3, analysisStep("error-rate", version), "", "")).Status.StableRS
		f.SetImage("web", imageV2)
		name := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
		// The run is created just before the status that records its step:
		// a pause written between the two would hold the Rollout at step 0,
		// where the run of step 1 is not its own yet.
		f.WaitForRollout("web", "is at its analysis step", 10*time.Second, func(ro *v1alpha1.Rollout) bool {
			return ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 1
		})
		f.PatchSpec("web", map[string]any{"paused": true})
		ro := f.WaitForRollout("web", "shows the manual pause", 10*time.Second, func(ro *v1alpha1.Rollout) bool {
			return ro.Status.ObservedGeneration == ro.Generation && ro.Spec.Paused && ro.Status.Phase == v1alpha1.RolloutPhasePaused
		})
		canary := ro.Status.CurrentPodHash
		run, err := f.Sluice.SluiceV1alpha1().AnalysisRuns(f.Namespace).Get(f.Ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if run.Status.Phase != "" && run.Status.Phase != v1alpha1.AnalysisPhasePending && run.Status.Phase != v1alpha1.AnalysisPhaseRunning {
			t.Fatalf("fixture: the run ended before the Rollout was paused (lengthen its initialDelay): %s", framework.DescribeRun(run))
		}
		f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseFailed, 30*time.Second)
		ro = expectAbortedToStable(f, canary, stable, 3, 15*time.Second)
		if !strings.Contains(ro.Status.Message, "analysis") {
			t.Errorf("the Rollout's message does not say the analysis aborted it: %q", ro.Status.Message)
		}
	})
}

// reconcileCount is the controller's sluice_rollout_reconcile_duration_seconds_count.
func reconcileCount(t *testing.T) float64 {
	t.Helper()
	text, err := controller.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, "sluice_rollout_reconcile_duration_seconds_count "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatal("no sluice_rollout_reconcile_duration_seconds_count in /metrics")
	return 0
}

// expectNoHotLoop watches a Healthy Rollout for a while: the Rollout, its
// ReplicaSets, the Services and the namespace's events change at most a few
// times (a late counts write), and the controller's reconciles stay few. The
// reconcile count is the whole controller's, and Rollouts in namespaces of
// earlier tests that are being deleted add tens of reconciles to it, so its
// bound only catches a Rollout requeued without pause (hundreds to thousands
// in a few seconds); the resourceVersions catch one that keeps writing.
func expectNoHotLoop(f *framework.Framework, name string, d time.Duration) {
	f.T.Helper()
	snapshot := func() string {
		rv := f.ResourceVersions(name)
		rv["rollout"] = f.Rollout(name).ResourceVersion
		return fmt.Sprint(rv)
	}
	before := reconcileCount(f.T)
	last, changes := snapshot(), 0
	f.Consistently("the Healthy Rollout stays idle", d, func() (bool, string) {
		if now := snapshot(); now != last {
			f.T.Logf("changed: %s → %s", last, now)
			last, changes = now, changes+1
		}
		return changes <= 3, fmt.Sprintf("the Rollout, its ReplicaSets, Services or events changed %d times", changes)
	})
	n := reconcileCount(f.T) - before
	f.T.Logf("while idle for %s: %d change(s) of the Rollout, its ReplicaSets, Services or events; %g reconciles by the controller", d, changes, n)
	if n > 250 {
		f.T.Fatalf("%g reconciles in %s while the Rollout was Healthy and idle: a hot loop", n, d)
	}
}

// TestZeroReplicasTemplateBecomesStable: a Rollout at 0 replicas has no pods
// to step through, so a new template becomes stable at once (both Services on
// it, Healthy) without spinning, and scaling up then runs that template.
// (The defect: the new template stepped to the indefinite pause and waited
// there for a promote, with stable still the old template, so scaling up
// started the old image.) A Rollout of 1 replica still goes through its steps
// without its stable Service ever being empty.
func TestZeroReplicasTemplateBecomesStable(t *testing.T) {
	t.Run("0-replicas", func(t *testing.T) {
		f := newTest(t)
		f.Apply(services("web") + "---" + canaryRollout("web", 0, weightThenIndefinitePause, "", ""))
		first := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
		t.Logf("first deploy at 0 replicas: %s; the Services select %q / %q", framework.Describe(first),
			f.ServiceSelects("web-stable"), f.ServiceSelects("web-canary"))

		f.SetImage("web", imageV2)
		ro := f.WaitForRollout("web", "is Healthy with the new template stable and both Services on it", 10*time.Second, func(ro *v1alpha1.Rollout) bool {
			h := ro.Status.CurrentPodHash
			return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
				h != "" && h != first.Status.StableRS && ro.Status.StableRS == h && imageOf(f.ReplicaSets("web")[h]) == imageV2 &&
				f.ServiceSelects("web-stable") == h && f.ServiceSelects("web-canary") == h
		})
		v2 := ro.Status.StableRS
		expectNoHotLoop(f, "web", 5*time.Second)

		f.ScaleRollout("web", 2)
		f.WaitForRollout("web", "runs 2 available pods of the new template and is Healthy", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
			rs := f.ReplicaSets("web")[v2]
			return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
				ro.Status.StableRS == v2 && rs != nil && rs.Status.AvailableReplicas == 2
		})
		if old := f.ReplicaSets("web")[first.Status.StableRS]; replicasOf(old) != 0 {
			t.Errorf("scaling up started pods of the old template: %s", describeReplicaSets(f.ReplicaSets("web")))
		}
		f.Eventually("the stable Service has the 2 new pods as ready endpoints", 30*time.Second, func() (bool, string) {
			n, err := framework.ReadyEndpoints(f, "web-stable")
			return n == 2 && f.ServiceSelects("web-stable") == v2, fmt.Sprint(n, err)
		})
	})

	t.Run("1-replica", func(t *testing.T) {
		f := newTest(t)
		// deployHealthy samples the stable Service: never without a ready endpoint.
		first := deployHealthy(f, canaryRollout("web", 1, `
      - setWeight: 50
      - pause: {duration: 1s}`, "", "")).Status.StableRS
		f.SetImage("web", imageV2)
		sawCanary := false
		ro := f.WaitForRollout("web", "is Healthy on the new template", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
			if ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex >= 1 && ro.Status.StableRS == first && ro.Status.CurrentPodHash != first {
				sawCanary = true
			}
			return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
				ro.Status.StableRS == ro.Status.CurrentPodHash && ro.Status.StableRS != first
		})
		if !sawCanary {
			t.Errorf("the 1-replica Rollout skipped its steps")
		}
		if got := imageOf(f.ReplicaSets("web")[ro.Status.StableRS]); got != imageV2 {
			t.Fatalf("stable runs %s, want %s", got, imageV2)
		}
		f.WaitForRollout("web", "has both Services on the new template and the old one scaled down", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
			return f.ServiceSelects("web-stable") == ro.Status.StableRS && f.ServiceSelects("web-canary") == ro.Status.StableRS &&
				replicasOf(f.ReplicaSets("web")[first]) == 0
		})
	})
}

// holdUnready is the KWOK stage annotation (hack/cluster/kwok-stages.yaml)
// that keeps a pod unready until it is removed.
const holdUnready = "sluice.test/hold-unready"

// releasePods makes up to limit (all when limit < 0) of the held pods matching
// selector Ready, by removing their hold-unready annotation; it returns how
// many it released.
func releasePods(f *framework.Framework, selector string, limit int) int {
	f.T.Helper()
	pods, err := f.Kube.CoreV1().Pods(f.Namespace).List(f.Ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		f.T.Fatal(err)
	}
	patch := []byte(`{"metadata":{"annotations":{"` + holdUnready + `":null}}}`)
	n := 0
	for _, p := range pods.Items {
		if limit >= 0 && n >= limit {
			break
		}
		if p.DeletionTimestamp != nil || p.Annotations[holdUnready] != "true" {
			continue
		}
		if _, err := f.Kube.CoreV1().Pods(f.Namespace).Patch(f.Ctx, p.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			f.T.Logf("release pod %s: %v", p.Name, err)
			continue
		}
		n++
	}
	return n
}

// TestDynamicStableScaleAbortFollowsCapacity (SPEC §2.7 rule 1, §2.2
// dynamicStableScale): at setWeight 90 of 10 replicas the stable side runs 1
// pod. An abort grows it back to 10; its pods are made Ready one at a time,
// and the stable weight must never be more than its pods can carry:
// stable weight ≤ ceil(100 × stable available / 10), checked on every
// recorded state. Finally all traffic is on stable. (The defect: the abort
// sent 100% to the one stable pod at once.)
func TestDynamicStableScaleAbortFollowsCapacity(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	const replicas = 10
	f.Apply(hostSplitVS)
	f.Apply(services("web") + "---" + webRollout(replicas, imageV1, "web-canary", `
      - setWeight: 90
      - pause: {}`, `
      dynamicStableScale: true
      trafficRouting:
        istio: {virtualService: {name: web, routes: [primary]}}`, `{`+holdUnready+`: "true"}`))
	// Every pod starts unready; until the abort the test makes them Ready as
	// they come.
	first := f.WaitForRollout("web", "is Healthy", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		releasePods(f.Framework, "app=web", -1)
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy
	}).Status.StableRS
	weights := func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) }
	f.waitWeights("all traffic on stable", weights, map[string]int64{"web-stable": 100, "web-canary": 0})

	f.SetImage("web", imageV2)
	f.WaitForRollout("web", "is paused at step 1 with the stable side down to 1 pod", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		releasePods(f.Framework, "app=web", -1)
		rs := f.ReplicaSets("web")[first]
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhasePaused &&
			ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 1 &&
			rs != nil && replicasOf(rs) == 1 && rs.Status.Replicas == 1 && rs.Status.AvailableReplicas == 1
	})
	f.waitWeights("canary 90 / stable 10", weights, map[string]int64{"web-canary": 90, "web-stable": 10})

	sides := f.SampleRoutedSides("web", "")
	f.Abort("web")
	// The stable side's new pods become Ready one at a time.
	lastRelease := time.Now()
	f.Eventually("all traffic is back on a full stable side", 60*time.Second, func() (bool, string) {
		if time.Since(lastRelease) >= 500*time.Millisecond {
			if releasePods(f.Framework, framework.HashLabel+"="+first, 1) > 0 {
				lastRelease = time.Now()
			}
		}
		rs, w := f.ReplicaSets("web")[first], weights()
		return rs != nil && rs.Status.AvailableReplicas == replicas && w["web-stable"] == 100 && w["web-canary"] == 0,
			fmt.Sprintf("stable %s, weights %v", describeReplicaSets(map[string]*appsv1.ReplicaSet{first: rs}), w)
	})

	var seen []string
	violations := sides.Check(func(st *framework.SidesState) string {
		w, ok := st.Weight("web-stable")
		if !ok {
			return "the VirtualService has no web-stable destination"
		}
		_, available, _ := st.ReplicaSetCounts(first)
		if s := fmt.Sprintf("%d%%@%d", w, available); len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		var problems []string
		if limit := framework.CeilShare(available, replicas); w > limit {
			problems = append(problems, fmt.Sprintf("stable weight %d with %d of %d stable pods available (at most %d)", w, available, replicas, limit))
		}
		if p := st.RoutedSideProblems(); p != "" {
			problems = append(problems, p)
		}
		return strings.Join(problems, "; ")
	})
	t.Logf("stable weight %%@available pods, as they changed: %s", strings.Join(seen, " "))
	if len(violations) > 0 {
		t.Fatalf("the stable side got more traffic than its available pods can carry, %d time(s):\n  %s", len(violations), strings.Join(violations, "\n  "))
	}
}
