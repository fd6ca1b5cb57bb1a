package lint

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// baselineServices are the Services of the baseline tests' Rollout.
const baselineServices = `
apiVersion: v1
kind: Service
metadata: {name: api-stable}
spec: {selector: {app: api}}
---
apiVersion: v1
kind: Service
metadata: {name: api-canary}
spec: {selector: {app: api}}
---
apiVersion: v1
kind: Service
metadata: {name: api-baseline}
spec: {selector: {app: api}}
`

// baselineRollout is a Rollout routed by ROUTING with a baselineService. The
// routing checks need only the baselineService, so "baseline: {}" is set in
// one case only.
const baselineRollout = `
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: api}
spec:
  replicas: 4
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "ghcr.io/example/api:3.1.0"}]
  strategy:
    canary:
      stableService: api-stable
      canaryService: api-canary
      baselineService: api-baseline
      trafficRouting: ROUTING
      steps: [{setWeight: 10}, {pause: {}}]
`

const hostRouting = `{istio: {virtualService: {name: api, routes: [primary]}}}`
const subsetRouting = `{istio: {virtualService: {name: api, routes: [primary]}, destinationRule: {name: api, stableSubsetName: stable, canarySubsetName: canary}}}`
const gatewayRouting = `{gatewayAPI: {httpRoute: api}}`

const subsetRule = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api}
spec:
  host: api
  subsets: [{name: stable, labels: {app: api}}, {name: canary, labels: {app: api}}]
`

// virtualService is a VirtualService whose route "primary" has DESTINATIONS.
func virtualService(destinations string) string {
	return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  http:
  - name: primary
    route: ` + destinations + "\n"
}

func httpRoute(backendRefs string) string {
	return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api}
spec:
  parentRefs: [{name: gateway}]
  rules:
  - backendRefs: ` + backendRefs + "\n"
}

func documents(docs ...string) string {
	return strings.Join(docs, "---\n")
}

// TestLintRoutingWithABaseline: routing objects that carry the baseline's
// share, as sluice leaves them mid-release or as a user writes them ahead,
// are valid; what the router could not weight is an error naming it; and the
// baselineService must exist like the other Services.
func TestLintRoutingWithABaseline(t *testing.T) {
	rolloutWith := func(routing string) string { return strings.Replace(baselineRollout, "ROUTING", routing, 1) }
	withBaseline := func(routing string) string {
		return strings.Replace(rolloutWith(routing), "baselineService: api-baseline\n", "baselineService: api-baseline\n      baseline: {}\n", 1)
	}
	const at = "error: <stdin>: document %d (Rollout/api): "
	tests := []struct {
		name     string
		input    string
		findings []string
	}{
		{"host split carrying the baseline", documents(baselineServices,
			virtualService(`[{destination: {host: api-stable}, weight: 80}, {destination: {host: api-canary}, weight: 10}, {destination: {host: api-baseline.default.svc.cluster.local}, weight: 10}]`),
			withBaseline(hostRouting)), nil},
		{"host split before the baseline's first share", documents(baselineServices,
			virtualService(`[{destination: {host: api-stable}, weight: 100}, {destination: {host: api-canary}, weight: 0}]`),
			rolloutWith(hostRouting)), nil},
		{"subset split carrying the baseline by its Service", documents(baselineServices, subsetRule,
			virtualService(`[{destination: {host: api, subset: stable}, weight: 80}, {destination: {host: api, subset: canary}, weight: 10}, {destination: {host: api-baseline}, weight: 10}]`),
			rolloutWith(subsetRouting)), nil},
		{"HTTPRoute carrying the baseline", documents(baselineServices,
			httpRoute(`[{name: api-stable, port: 80, weight: 80}, {name: api-canary, port: 80, weight: 10}, {name: api-baseline, port: 80, weight: 10}]`),
			rolloutWith(gatewayRouting)), nil},
		{"two baseline destinations", documents(baselineServices,
			virtualService(`[{destination: {host: api-stable}}, {destination: {host: api-canary}}, {destination: {host: api-baseline}}, {destination: {host: api-baseline.default.svc.cluster.local}}]`),
			rolloutWith(hostRouting)), []string{
			`spec.strategy.canary.trafficRouting.istio.virtualService.routes[0]: HTTP route "primary" of VirtualService "api" has 2 destinations to the baselineService "api-baseline", where it weights at most one; sluice weights exactly two destinations, host "api-stable" (stable) and "api-canary" (canary), and while a baseline runs one more to the baselineService "api-baseline"`}},
		{"a subset on the baselineService's host", documents(baselineServices, subsetRule,
			virtualService(`[{destination: {host: api, subset: stable}}, {destination: {host: api-baseline, subset: canary}}]`),
			rolloutWith(subsetRouting)), []string{
			`spec.strategy.canary.trafficRouting.istio.virtualService.routes[0]: HTTP route "primary" of VirtualService "api" has the subset "canary" on the baselineService's host "api-baseline" (the baseline's share goes to that host without a subset; give the subsets a host of their own); sluice weights exactly two destinations, subset "stable" (stable) and "canary" (canary), and while a baseline runs one more to the baselineService "api-baseline"`}},
		{"a third destination that is not the baseline", documents(baselineServices,
			virtualService(`[{destination: {host: api-stable}}, {destination: {host: api-canary}}, {destination: {host: other}}]`),
			rolloutWith(hostRouting)), []string{
			`spec.strategy.canary.trafficRouting.istio.virtualService.routes[0]: HTTP route "primary" of VirtualService "api" has 3 destinations; sluice weights exactly two destinations, host "api-stable" (stable) and "api-canary" (canary), and while a baseline runs one more to the baselineService "api-baseline"`}},
		{"two baseline backendRefs", documents(baselineServices,
			httpRoute(`[{name: api-stable, port: 80}, {name: api-canary, port: 80}, {name: api-baseline, port: 80}, {name: api-baseline, port: 81}]`),
			rolloutWith(gatewayRouting)), []string{
			`spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute: HTTPRoute "api" rule 0 has 2 backendRefs to the baselineService "api-baseline"; sluice weights at most one beside the stable and canary Services`}},
		{"a missing baselineService", documents(strings.Replace(baselineServices, "api-baseline", "api-other", 1),
			virtualService(`[{destination: {host: api-stable}}, {destination: {host: api-canary}}]`),
			rolloutWith(hostRouting)), []string{
			`spec.strategy.canary.baselineService: Service "api-baseline" not found in the files (their Services: api-canary, api-other, api-stable)`}},
		{"a baselineService selecting other pods", documents(strings.Replace(baselineServices, "name: api-baseline}\nspec: {selector: {app: api}}", "name: api-baseline}\nspec: {selector: {app: web}}", 1),
			virtualService(`[{destination: {host: api-stable}}, {destination: {host: api-canary}}]`),
			rolloutWith(hostRouting)), []string{
			`spec.strategy.canary.baselineService: Service "api-baseline" selects app=web (the pods have app=api): it would never select the Rollout's pods`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runLint(t, tt.input, "-f", "-")
			findings, summary := lintLines(t, r.stdout)
			var want []string
			for _, f := range tt.findings {
				want = append(want, strings.Replace(at, "%d", docNumber(tt.input), 1)+f)
			}
			if diff := cmp.Diff(want, findings, cmpEmptyAsNil); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%s", diff, summary)
			}
			if code := map[bool]int{true: 0, false: exitFailure}[len(want) == 0]; r.code != code {
				t.Errorf("exit code %d, want %d", r.code, code)
			}
		})
	}
}

// docNumber is the 1-based number of the Rollout's document in a stream: the
// last one.
func docNumber(stream string) string {
	return strconv.Itoa(strings.Count(stream, "---\n") + 1)
}
