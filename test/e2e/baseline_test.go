//go:build e2e

package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// The baseline (canary.baseline): a ReplicaSet of the stable template with its
// own hash, as many pods as the canary at every step, the canary's weight with
// a router, removed at promotion and at abort (SPEC §9).

const baselineRoleLabel = "sluice.dev/role"

// baselineService is the Service the baseline's share goes to.
const baselineService = `
apiVersion: v1
kind: Service
metadata: {name: web-baseline}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`

// baselinesOf lists a Rollout's baseline ReplicaSets (not being deleted).
func baselinesOf(rss map[string]*appsv1.ReplicaSet) (baselines []*appsv1.ReplicaSet) {
	for _, rs := range rss {
		if rs.Labels[baselineRoleLabel] == "baseline" && rs.DeletionTimestamp == nil {
			baselines = append(baselines, rs)
		}
	}
	return baselines
}

// expectBaselineBesideCanary checks, at a step, one baseline running the
// stable image with its own hash and as many available pods as the canary.
func expectBaselineBesideCanary(f *framework.Framework, ro *v1alpha1.Rollout, at string) *appsv1.ReplicaSet {
	f.T.Helper()
	var b *appsv1.ReplicaSet
	f.Eventually("one baseline with the canary's available pods "+at, 30*time.Second, func() (bool, string) {
		rss := f.ReplicaSets("web")
		baselines := baselinesOf(rss)
		canary := rss[ro.Status.CurrentPodHash]
		if len(baselines) != 1 || canary == nil {
			return false, fmt.Sprintf("%d baselines", len(baselines))
		}
		b = baselines[0]
		return b.Status.AvailableReplicas == canary.Status.AvailableReplicas && replicasOf(b) == replicasOf(canary),
			fmt.Sprintf("baseline %d/%d, canary %d/%d", b.Status.AvailableReplicas, replicasOf(b), canary.Status.AvailableReplicas, replicasOf(canary))
	})
	hash := b.Labels[framework.HashLabel]
	if hash == ro.Status.StableRS || hash == ro.Status.CurrentPodHash {
		f.T.Errorf("%s: the baseline shares hash %q with stable or canary", at, hash)
	}
	if img := b.Spec.Template.Spec.Containers[0].Image; img != imageV1 {
		f.T.Errorf("%s: the baseline runs %q, want the stable image %q", at, img, imageV1)
	}
	return b
}

func expectNoBaseline(f *framework.Framework, when string) {
	f.T.Helper()
	f.Eventually("no baseline "+when, 30*time.Second, func() (bool, string) {
		list, err := f.Kube.AppsV1().ReplicaSets(f.Namespace).List(f.Ctx, metav1.ListOptions{LabelSelector: baselineRoleLabel + "=baseline"})
		if err != nil {
			return false, err.Error()
		}
		pods, err := f.Kube.CoreV1().Pods(f.Namespace).List(f.Ctx, metav1.ListOptions{LabelSelector: baselineRoleLabel + "=baseline"})
		if err != nil {
			return false, err.Error()
		}
		return len(list.Items) == 0 && len(pods.Items) == 0, fmt.Sprintf("%d ReplicaSets, %d pods", len(list.Items), len(pods.Items))
	})
}

func TestBaselineWithIstioTakesTheCanaryWeightAndGoesAtPromotion(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(hostSplitVS + "---" + baselineService)
	first := deployHealthy(f.Framework, canaryRollout("web", 4, `
      - setWeight: 25
      - pause: {}
      - setWeight: 50
      - pause: {}
      - setWeight: 75
      - pause: {}`, `
      baselineService: web-baseline
      baseline: {replicas: matchCanary}
      scaleDownDelaySeconds: 2
      trafficRouting:
        istio: {virtualService: {name: web, routes: [primary]}}`, ""))
	weights := func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) }
	expectNoBaseline(f.Framework, "while the Rollout is Healthy")

	f.SetImage("web", imageV2)
	for i, w := range []int64{25, 50} {
		ro := f.WaitForPausedAtStep("web", int32(2*i+1), 60*time.Second)
		at := fmt.Sprintf("at weight %d", w)
		b := expectBaselineBesideCanary(f.Framework, ro, at)
		f.waitWeights(at+": canary w, baseline w, stable 100-2w", weights,
			map[string]int64{"web-canary": w, "web-baseline": w, "web-stable": 100 - 2*w})
		if got := f.ServiceSelects("web-baseline"); got != b.Labels[framework.HashLabel] {
			t.Errorf("%s: the baselineService selects %q, want the baseline %q", at, got, b.Labels[framework.HashLabel])
		}
		bw := f.Rollout("web").Status.Canary.Weights
		if bw == nil || bw.Baseline == nil || int64(bw.Baseline.Weight) != w {
			t.Errorf("%s: status.canary.weights.baseline = %+v", at, bw)
		}
		f.Promote("web")
	}
	// Above 50% there is no room for a baseline of the canary's size: its
	// share goes back in the same router write and it is removed.
	f.WaitForPausedAtStep("web", 5, 60*time.Second)
	f.waitWeights("at weight 75 the baseline's share is gone", weights, map[string]int64{"web-canary": 75, "web-stable": 25})
	if _, ok := weights()["web-baseline"]; ok {
		t.Errorf("the baseline's destination is still in the route at 75%%: %v", weights())
	}
	expectNoBaseline(f.Framework, "above 50%")
	if got := f.ServiceSelects("web-baseline"); got != first.Status.StableRS {
		t.Errorf("with no baseline the baselineService selects %q, want stable %q", got, first.Status.StableRS)
	}
	f.Promote("web")
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	expectNoBaseline(f.Framework, "after promotion")
	for _, reason := range []string{"BaselineCreated", "BaselineRemoved"} {
		if !slices.Contains(f.EventReasons("web"), reason) {
			t.Errorf("no %s event: %v", reason, f.EventReasons("web"))
		}
	}
}

func TestBaselineWithoutRouterMatchesCanaryAndGoesAtAbort(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	f.Apply(baselineService)
	first := deployHealthy(f, canaryRollout("web", 4, `
      - setWeight: 25
      - pause: {}
      - setWeight: 50
      - pause: {}`, `
      baselineService: web-baseline
      baseline: {replicas: matchCanary}`, ""))
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	expectBaselineBesideCanary(f, ro, "at 25%")
	f.Promote("web")
	ro = f.WaitForPausedAtStep("web", 3, 60*time.Second)
	b := expectBaselineBesideCanary(f, ro, "at 50%")
	if got := replicasOf(b); got != 2 {
		t.Errorf("at 50%% of 4 the baseline has %d pods, want 2", got)
	}

	f.Abort("web")
	f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 60*time.Second)
	expectNoBaseline(f, "after the abort")
	if got := f.ServiceSelects("web-baseline"); got != first.Status.StableRS {
		t.Errorf("after the abort the baselineService selects %q, want stable %q", got, first.Status.StableRS)
	}
	if got := f.ServiceSelects("web-stable"); got != first.Status.StableRS {
		t.Errorf("after the abort the stable Service selects %q", got)
	}
}
