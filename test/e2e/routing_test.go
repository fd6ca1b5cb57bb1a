//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

var (
	virtualServices  = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	destinationRules = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
	httpRoutes       = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}
)

// routedRollout is a canary Rollout "web" with the given trafficRouting block
// (indented for the canary strategy) and steps.
func routedRollout(routing, steps string) string {
	return canaryRollout("web", 4, steps, `
      abortScaleDownDelaySeconds: 3
      scaleDownDelaySeconds: 2
      trafficRouting:`+routing, "")
}

// hostSplitVS is a VirtualService with the route "primary" split between the
// stable and canary Service hosts, plus an unrelated route sluice must not touch.
const hostSplitVS = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web.example.com]
  http:
  - name: primary
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
      weight: 0
  - name: legacy
    match: [{uri: {prefix: /legacy}}]
    route:
    - destination: {host: legacy-app}
`

func (f *routingTest) object(gvr schema.GroupVersionResource, name string) *unstructured.Unstructured {
	f.T.Helper()
	obj, err := f.Dynamic.Resource(gvr).Namespace(f.Namespace).Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		f.T.Fatalf("get %s %s: %v", gvr.Resource, name, err)
	}
	return obj
}

type routingTest struct{ *framework.Framework }

// routeWeights reads the weights of a VirtualService route's destinations, by
// host (or subset when the destination has one).
func (f *routingTest) routeWeights(vs, field, route string, index int) map[string]int64 {
	obj := f.object(virtualServices, vs)
	routes, _, _ := unstructured.NestedSlice(obj.Object, "spec", field)
	for i, raw := range routes {
		r := raw.(map[string]any)
		if (route != "" && r["name"] != route) || (route == "" && i != index) {
			continue
		}
		out := map[string]int64{}
		for _, d := range r["route"].([]any) {
			dest := d.(map[string]any)["destination"].(map[string]any)
			key, _ := dest["subset"].(string)
			if key == "" {
				key = dest["host"].(string)
			}
			w, _ := d.(map[string]any)["weight"].(int64)
			out[key] = w
		}
		return out
	}
	f.T.Fatalf("VirtualService %s has no %s route %q/%d", vs, field, route, index)
	return nil
}

// waitWeights waits until a route carries the canary weight.
func (f *routingTest) waitWeights(what string, get func() map[string]int64, want map[string]int64) {
	f.T.Helper()
	f.Eventually(what, 60*time.Second, func() (bool, string) {
		got := get()
		for k, v := range want {
			if got[k] != v {
				return false, fmt.Sprint(got)
			}
		}
		return true, ""
	})
}

func httpRouteNames(obj *unstructured.Unstructured) []string {
	routes, _, _ := unstructured.NestedSlice(obj.Object, "spec", "http")
	var names []string
	for _, r := range routes {
		name, _ := r.(map[string]any)["name"].(string)
		names = append(names, name)
	}
	return names
}

func TestIstioHostSplitFollowsStepsAndPromotes(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(hostSplitVS)
	first := deployHealthy(f.Framework, routedRollout(`
        istio: {virtualService: {name: web, routes: [primary]}}`, `
      - setWeight: 20
      - pause: {}
      - setWeight: 50
      - pause: {}
      - setWeight: 100
      - pause: {}`))
	weights := func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) }
	f.waitWeights("weights stable 100 / canary 0 after the first deploy", weights, map[string]int64{"web-stable": 100, "web-canary": 0})
	legacyBefore, _ := json.Marshal(f.object(virtualServices, "web").Object["spec"].(map[string]any)["http"].([]any)[1])

	f.SetImage("web", imageV2)
	for i, w := range []int64{20, 50, 100} {
		ro := f.WaitForPausedAtStep("web", int32(2*i+1), 60*time.Second)
		f.waitWeights(fmt.Sprintf("weight %d", w), weights, map[string]int64{"web-canary": w, "web-stable": 100 - w})
		rss := f.ReplicaSets("web")
		if got, want := replicasOf(rss[ro.Status.CurrentPodHash]), int32((4*w+99)/100); got != want {
			t.Errorf("at weight %d the canary has %d replicas, want ceil(4×%d/100) = %d", w, got, w, want)
		}
		if got := replicasOf(rss[first.Status.StableRS]); got != 4 {
			t.Errorf("at weight %d the stable side has %d replicas, want all 4", w, got)
		}
		if w := ro.Status.Canary.Weights; w == nil || w.Verified == nil || !*w.Verified {
			t.Errorf("status.canary.weights not verified: %+v", w)
		}
		f.Promote("web")
	}
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	f.waitWeights("weights back to stable 100 / canary 0", weights, map[string]int64{"web-stable": 100, "web-canary": 0})
	if got := f.ServiceSelects("web-stable"); got != ro.Status.CurrentPodHash {
		t.Errorf("stable Service selects %q, want the new %q", got, ro.Status.CurrentPodHash)
	}
	f.Eventually("the old stable goes after its scale-down delay", 30*time.Second, func() (bool, string) {
		old := replicasOf(f.ReplicaSets("web")[first.Status.StableRS])
		return old == 0, fmt.Sprint(old)
	})
	vs := f.object(virtualServices, "web")
	if vs.GetAnnotations()["sluice.dev/managed-by"] != "web" {
		t.Errorf("VirtualService not marked managed: %v", vs.GetAnnotations())
	}
	legacyAfter, _ := json.Marshal(vs.Object["spec"].(map[string]any)["http"].([]any)[1])
	if string(legacyBefore) != string(legacyAfter) {
		t.Errorf("the unrelated route changed:\n%s\n%s", legacyBefore, legacyAfter)
	}
	if !slices.Contains(f.EventReasons("web"), "TrafficWeightUpdated") {
		t.Errorf("no TrafficWeightUpdated event: %v", f.EventReasons("web"))
	}
}

func TestIstioAbortSendsTrafficBackAtOnce(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(hostSplitVS)
	first := deployHealthy(f.Framework, routedRollout(`
        istio: {virtualService: {name: web, routes: [primary]}}`, `
      - setWeight: 50
      - pause: {}`))
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	canaryHash := ro.Status.CurrentPodHash
	weights := func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) }
	f.waitWeights("weight 50", weights, map[string]int64{"web-canary": 50})

	f.Abort("web")
	f.waitWeights("weight 0 at once", weights, map[string]int64{"web-canary": 0, "web-stable": 100})
	f.Eventually("the canary goes after the abort delay", 30*time.Second, func() (bool, string) {
		n := replicasOf(f.ReplicaSets("web")[canaryHash])
		return n == 0, fmt.Sprint(n)
	})
	// The delay is measured from the abort the controller recorded (whole
	// seconds, never later than the abort), so a slow observer cannot make
	// it look shorter than it was.
	if aborted := f.Rollout("web").Status.AbortedAt; aborted == nil {
		t.Errorf("no abortedAt on the aborted rollout")
	} else if kept := time.Since(aborted.Time); kept < 3*time.Second {
		t.Errorf("canary scaled down %s after the abort; it keeps its pods for abortScaleDownDelaySeconds (3s)", kept.Round(time.Millisecond))
	}
	if got := f.ServiceSelects("web-stable"); got != first.Status.StableRS {
		t.Errorf("stable Service selects %q after abort", got)
	}
}

func TestIstioSubsetSplitKeepsSubsetHashes(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(subsetSplit)
	first := deployHealthy(f.Framework, routedRollout(`
        istio:
          virtualService: {name: web}
          destinationRule: {name: web, stableSubsetName: stable, canarySubsetName: canary}`, `
      - setWeight: 25
      - pause: {}`))
	subsets := func() map[string]string {
		dr := f.object(destinationRules, "web")
		list, _, _ := unstructured.NestedSlice(dr.Object, "spec", "subsets")
		out := map[string]string{}
		for _, s := range list {
			m := s.(map[string]any)
			labels, _ := m["labels"].(map[string]any)
			out[m["name"].(string)], _ = labels[framework.HashLabel].(string)
		}
		return out
	}
	stableHash := first.Status.StableRS
	f.Eventually("both subsets on the stable hash", 30*time.Second, func() (bool, string) {
		s := subsets()
		return s["stable"] == stableHash && s["canary"] == stableHash, fmt.Sprint(s)
	})
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	if s := subsets(); s["stable"] != stableHash || s["canary"] != ro.Status.CurrentPodHash {
		t.Errorf("during the canary subsets are %v, want stable=%s canary=%s", s, stableHash, ro.Status.CurrentPodHash)
	}
	weights := func() map[string]int64 { return f.routeWeights("web", "http", "", 0) }
	f.waitWeights("weight 25 by subset", weights, map[string]int64{"canary": 25, "stable": 75})

	f.Abort("web")
	f.waitWeights("weight 0 after abort", weights, map[string]int64{"canary": 0, "stable": 100})
	f.Retry("web")
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	f.Promote("web")
	ro = f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	f.Eventually("both subsets on the new stable hash", 30*time.Second, func() (bool, string) {
		s := subsets()
		return s["stable"] == ro.Status.CurrentPodHash && s["canary"] == ro.Status.CurrentPodHash, fmt.Sprint(s)
	})
	f.waitWeights("weight back to 0", weights, map[string]int64{"canary": 0, "stable": 100})
}

func TestIstioTLSAndTCPRoutesInTwoVirtualServices(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web-tls}
spec:
  hosts: [web.example.com]
  tls:
  - match: [{port: 443, sniHosts: [web.example.com]}]
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web-tcp}
spec:
  hosts: [web]
  tcp:
  - match: [{port: 5432}]
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
`)
	deployHealthy(f.Framework, routedRollout(`
        istio:
          virtualServices:
          - {name: web-tls, tlsRoutes: [{port: 443, sniHosts: [web.example.com]}]}
          - {name: web-tcp, tcpRoutes: [{port: 5432}]}`, `
      - setWeight: 30
      - pause: {}`))
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	f.waitWeights("TLS route at 30", func() map[string]int64 { return f.routeWeights("web-tls", "tls", "", 0) }, map[string]int64{"web-canary": 30, "web-stable": 70})
	f.waitWeights("TCP route at 30", func() map[string]int64 { return f.routeWeights("web-tcp", "tcp", "", 0) }, map[string]int64{"web-canary": 30, "web-stable": 70})
}

func TestIstioHeaderAndMirrorRoutesComeAndGo(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(hostSplitVS)
	deployHealthy(f.Framework, canaryRollout("web", 2, `
      - setWeight: 10
      - setHeaderRoute:
          name: beta-users
          match: [{headerName: x-beta, headerValue: {exact: "true"}}]
      - setMirrorRoute:
          name: shadow
          percentage: 20
          match: [{method: {exact: GET}, path: {prefix: /api}}]
      - pause: {}`, `
      trafficRouting:
        managedRoutes: [{name: beta-users}, {name: shadow}]
        istio: {virtualService: {name: web, routes: [primary]}}`, ""))
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 3, 60*time.Second)
	f.Eventually("managed routes ahead of the main route", 30*time.Second, func() (bool, string) {
		names := httpRouteNames(f.object(virtualServices, "web"))
		return slices.Equal(names, []string{"beta-users", "shadow", "primary", "legacy"}), fmt.Sprint(names)
	})
	vs := f.object(virtualServices, "web")
	header := vs.Object["spec"].(map[string]any)["http"].([]any)[0].(map[string]any)
	raw, _ := json.Marshal(header)
	if !strings.Contains(string(raw), `"x-beta":{"exact":"true"}`) || !strings.Contains(string(raw), `"host":"web-canary"`) {
		t.Errorf("header route: %s", raw)
	}
	mirror := vs.Object["spec"].(map[string]any)["http"].([]any)[1].(map[string]any)
	raw, _ = json.Marshal(mirror)
	if !strings.Contains(string(raw), `"mirror":{"host":"web-canary"}`) || !strings.Contains(string(raw), `"mirrorPercentage":{"value":20}`) {
		t.Errorf("mirror route: %s", raw)
	}
	f.Promote("web")
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	f.Eventually("managed routes removed at promotion", 30*time.Second, func() (bool, string) {
		names := httpRouteNames(f.object(virtualServices, "web"))
		return slices.Equal(names, []string{"primary", "legacy"}), fmt.Sprint(names)
	})
}

func TestIstioVirtualServiceDeletedIsInvalidSpecUntilRecreated(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(hostSplitVS)
	deployHealthy(f.Framework, routedRollout(`
        istio: {virtualService: {name: web, routes: [primary]}}`, `
      - setWeight: 20
      - pause: {duration: 2s}
      - setWeight: 60
      - pause: {}`))
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	if err := f.Dynamic.Resource(virtualServices).Namespace(f.Namespace).Delete(f.Ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.WaitForRollout("web", "InvalidSpec naming the VirtualService", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
		for _, c := range ro.Status.Conditions {
			if c.Type == v1alpha1.RolloutConditionType("InvalidSpec") && c.Status == "True" && strings.Contains(c.Message, `VirtualService "web" not found`) {
				return true
			}
		}
		return false
	})
	f.Apply(hostSplitVS)
	f.WaitForPausedAtStep("web", 3, 60*time.Second)
	f.waitWeights("weight 60 after re-creation", func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) }, map[string]int64{"web-canary": 60})
}

func TestIstioUserEditToUnmanagedRouteIsKept(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(hostSplitVS)
	deployHealthy(f.Framework, routedRollout(`
        istio: {virtualService: {name: web, routes: [primary]}}`, `
      - setWeight: 20
      - pause: {}
      - setWeight: 40
      - pause: {}`))
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	vs := f.object(virtualServices, "web")
	routes, _, _ := unstructured.NestedSlice(vs.Object, "spec", "http")
	routes[1].(map[string]any)["timeout"] = "7s"
	_ = unstructured.SetNestedSlice(vs.Object, routes, "spec", "http")
	if _, err := f.Dynamic.Resource(virtualServices).Namespace(f.Namespace).Update(f.Ctx, vs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Promote("web")
	f.WaitForPausedAtStep("web", 3, 60*time.Second)
	f.waitWeights("weight 40", func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) }, map[string]int64{"web-canary": 40})
	routes, _, _ = unstructured.NestedSlice(f.object(virtualServices, "web").Object, "spec", "http")
	if got := routes[1].(map[string]any)["timeout"]; got != "7s" {
		t.Errorf("the user's edit to the legacy route was lost: timeout %v", got)
	}
}

func TestGatewayAPIWeightsHeaderRuleAndUnrelatedRule(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gateway}]
  rules:
  - backendRefs:
    - {name: web-stable, port: 80, weight: 100}
    - {name: web-canary, port: 80, weight: 0}
  - matches: [{path: {type: PathPrefix, value: /static}}]
    backendRefs:
    - {name: static-files, port: 8080}
`)
	unrelated := func() string {
		rules, _, _ := unstructured.NestedSlice(f.object(httpRoutes, "web").Object, "spec", "rules")
		raw, _ := json.Marshal(rules[len(rules)-1])
		return string(raw)
	}
	before := unrelated()
	deployHealthy(f.Framework, canaryRollout("web", 2, `
      - setWeight: 30
      - setHeaderRoute:
          name: beta
          match: [{headerName: x-beta, headerValue: {exact: "yes"}}]
      - pause: {}
      - setWeight: 70
      - pause: {}`, `
      trafficRouting:
        managedRoutes: [{name: beta}]
        gatewayAPI: {httpRoute: web}`, ""))
	weights := func() map[string]int64 {
		rules, _, _ := unstructured.NestedSlice(f.object(httpRoutes, "web").Object, "spec", "rules")
		for _, raw := range rules {
			rule := raw.(map[string]any)
			if rule["name"] == "beta" {
				continue
			}
			out := map[string]int64{}
			for _, ref := range rule["backendRefs"].([]any) {
				m := ref.(map[string]any)
				w, _ := m["weight"].(int64)
				out[m["name"].(string)] = w
			}
			if _, ok := out["web-canary"]; ok {
				return out
			}
		}
		return nil
	}
	ruleNames := func() []string {
		rules, _, _ := unstructured.NestedSlice(f.object(httpRoutes, "web").Object, "spec", "rules")
		var names []string
		for _, r := range rules {
			name, _ := r.(map[string]any)["name"].(string)
			names = append(names, name)
		}
		return names
	}
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 2, 60*time.Second)
	f.waitWeights("HTTPRoute at 30", weights, map[string]int64{"web-canary": 30, "web-stable": 70})
	if names := ruleNames(); len(names) != 3 || names[0] != "beta" {
		t.Errorf("rules %v, want the beta header rule first", names)
	}
	f.Promote("web")
	f.WaitForPausedAtStep("web", 4, 60*time.Second)
	f.waitWeights("HTTPRoute at 70", weights, map[string]int64{"web-canary": 70, "web-stable": 30})
	f.Promote("web")
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	f.waitWeights("HTTPRoute back to stable", weights, map[string]int64{"web-canary": 0, "web-stable": 100})
	if names := ruleNames(); slices.Contains(names, "beta") {
		t.Errorf("header rule not removed at promotion: %v", names)
	}
	if after := unrelated(); after != before {
		t.Errorf("the unrelated rule changed:\n%s\n%s", before, after)
	}
}

// followTraffic has the exporter split an app's simulated requests between
// "<app>-stable" and "<app>-canary" as the Rollout's routing objects say.
func followTraffic(f *framework.Framework, rollout string, rate float64) string {
	f.T.Helper()
	app := f.Namespace
	body, _ := json.Marshal(map[string]any{"name": app, "namespace": f.Namespace, "rollout": rollout, "rate": rate})
	resp, err := http.Post(f.Info.ExporterURL+"/apps", "application/json", bytes.NewReader(body))
	if err != nil {
		f.T.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.T.Fatalf("exporter POST /apps: %s", resp.Status)
	}
	f.T.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, f.Info.ExporterURL+"/apps/"+app, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	return app
}

func TestPrometheusCanaryShareTracksWeights(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	f.Apply(hostSplitVS)
	deployHealthy(f.Framework, routedRollout(`
        istio: {virtualService: {name: web, routes: [primary]}}`, `
      - setWeight: 20
      - pause: {}
      - setWeight: 50
      - pause: {}`))
	app := followTraffic(f.Framework, "web", 200)
	share := fmt.Sprintf(`sum(rate(sluice_test_requests_total{version="%[1]s-canary"}[5s])) / sum(rate(sluice_test_requests_total{version=~"%[1]s-(canary|stable)"}[5s]))`, app)
	expectShare := func(weight float64) {
		t.Helper()
		f.Eventually(fmt.Sprintf("Prometheus sees a canary share of %g%% ± 5", weight), 45*time.Second, func() (bool, string) {
			v, err := queryScalar(share)
			return err == nil && math.Abs(v*100-weight) <= 5, fmt.Sprint(v, err)
		})
	}
	expectShare(0)
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	expectShare(20)
	f.Promote("web")
	f.WaitForPausedAtStep("web", 3, 60*time.Second)
	expectShare(50)
}
