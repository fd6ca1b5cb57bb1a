//go:build faults

package faults

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// The four kinds of release every scenario runs side by side, each in a
// namespace of its own, while it injects its fault.
type releaseKind string

const (
	plainCanary    releaseKind = "canary"    // stable and canary Services, no router
	routedCanary   releaseKind = "istio"     // Istio VirtualService with a DestinationRule subset split
	analysisCanary releaseKind = "analysis"  // a Prometheus step analysis on the test exporter
	blueGreen      releaseKind = "bluegreen" // active and preview Services, pre-promotion analysis
)

var allKinds = []releaseKind{plainCanary, routedCanary, analysisCanary, blueGreen}

const (
	imageV1 = "example/web:1"
	imageV2 = "example/web:2"
)

// outcome is the end state a release's steps and analyses decide.
type outcome string

const (
	promoted           outcome = "Healthy on the new revision"
	aborted            outcome = "aborted back on stable"
	pausedInconclusive outcome = "paused by an inconclusive analysis"
)

// release is one Rollout under test and what the invariants need to know
// about it.
type release struct {
	kind releaseKind
	g    *framework.Framework // its namespace, labelled for the scenario's controller
	name string
	// traffic are the Services users reach the release through: each must
	// have a ready endpoint at every moment.
	traffic []string
	// vs and dr are the routed release's VirtualService and DestinationRule.
	vs, dr string
	// podBound is the most pods (not terminating, outside a scale-down
	// delay) the release may have at once: replicas + maxSurge without a
	// router (a Service floor needs no more than that with maxSurge above 0,
	// docs/concepts.md); 0 for no bound (blue-green runs two full sides by
	// design).
	podBound int
	// query, for an analysis release, is the PromQL its metric asks.
	query string
	want  outcome
	// oldHash is the stable pod-template hash before the release.
	oldHash string
}

// analysisQuery chooses what the analysis release's metric asks Prometheus.
type analysisQuery int

const (
	healthyQuery analysisQuery = iota // the error share of a version serving without errors
	nanQuery                          // 0/0: a version that serves no requests
	emptyQuery                        // a series that does not exist: no data
)

// releaseOptions shape a release beyond its kind.
type releaseOptions struct {
	query analysisQuery
	// errorLimit is the analysis metric's consecutiveErrorLimit.
	errorLimit int
	// pause is each timed pause step of the canaries (default 3s).
	pause time.Duration
	// count is how many measurements the analysis takes (default 3, one a
	// second).
	count int
	// suffix names the release's namespace (default: its kind).
	suffix string
}

// deployRelease creates a release's namespace and objects, waits until its
// first revision is Healthy, and returns it ready for setImage.
func (s *scenario) deployRelease(kind releaseKind, opts releaseOptions) *release {
	s.t.Helper()
	if opts.suffix == "" {
		opts.suffix = string(kind)
	}
	if opts.count == 0 {
		opts.count = 3
	}
	g := s.f.NewNamespace(opts.suffix).WithInstance(s.id)
	r := &release{kind: kind, g: g, want: promoted}
	if opts.pause == 0 {
		opts.pause = 3 * time.Second
	}
	if opts.errorLimit == 0 {
		opts.errorLimit = 1
	}
	pause := fmt.Sprintf("{duration: %ds}", int(opts.pause.Seconds()))
	switch kind {
	case plainCanary:
		r.name, r.traffic, r.podBound = "web", []string{"web-stable"}, 4+1 // replicas + maxSurge (25%)
		g.Apply(services("web") + canaryRollout("web", 4, `
      - setWeight: 25
      - pause: `+pause+`
      - setWeight: 50
      - pause: `+pause+`
      - setWeight: 75
      - pause: `+pause, ""))
	case routedCanary:
		// With a router maxSurge does not apply (SPEC §1, setWeight): the
		// canary gets ceil(replicas × weight) pods and the stable keeps all
		// of its own, so each side is at most its full size.
		r.name, r.traffic, r.vs, r.dr, r.podBound = "web", []string{"web-stable"}, "web", "web", 2*4
		g.Apply(subsetSplit + "---" + services("web") + canaryRollout("web", 4, `
      - setWeight: 25
      - pause: `+pause+`
      - setWeight: 50
      - pause: `+pause, `
      abortScaleDownDelaySeconds: 3
      scaleDownDelaySeconds: 2
      trafficRouting:
        istio:
          virtualService: {name: web}
          destinationRule: {name: web, stableSubsetName: stable, canarySubsetName: canary}`))
	case analysisCanary:
		r.name, r.traffic, r.podBound = "web", []string{"web-stable"}, 2+1
		r.query = s.startVersion(g, opts.query)
		g.Apply(analysisTemplate(r.query, opts.count, opts.errorLimit) + "---" + services("web") + canaryRollout("web", 2, `
      - setWeight: 50
      - analysis: {templates: [{templateName: error-rate}]}`, ""))
	case blueGreen:
		r.name, r.traffic = "bg", []string{"bg-active"}
		r.query = s.startVersion(g, opts.query)
		g.Apply(analysisTemplate(r.query, opts.count, opts.errorLimit) + "---" + blueGreenRollout())
	}
	ro := g.WaitForPhase(r.name, v1alpha1.RolloutPhaseHealthy, 90*time.Second)
	r.oldHash = ro.Status.StableRS
	for _, svc := range r.traffic {
		g.Eventually("Service "+svc+" has a ready endpoint", 60*time.Second, func() (bool, string) {
			n, err := framework.ReadyEndpoints(g, svc)
			return n > 0, fmt.Sprint(n, err)
		})
	}
	return r
}

// startVersion makes the exporter simulate the release's canary version and
// returns the query its analysis asks, once Prometheus has an answer to the
// healthy and NaN queries (the empty one never has).
func (s *scenario) startVersion(g *framework.Framework, q analysisQuery) string {
	s.t.Helper()
	version := g.Version("canary")
	switch q {
	case emptyQuery:
		return fmt.Sprintf(`sum(rate(sluice_fault_no_such_series{version="%s"}[5s]))`, version)
	case nanQuery:
		setExporterRate(g, version, 0)
	default:
		g.SetExporter(version, 0)
	}
	query := errorShare(version)
	g.Eventually("Prometheus has a sample of "+query, 60*time.Second, func() (bool, string) {
		n, err := promSamples(g.Info.PrometheusURL, query)
		return err == nil && n > 0, fmt.Sprint(n, err)
	})
	return query
}

// errorShare is the share of 5xx answers of a simulated version; NaN (0/0)
// when the version serves nothing.
func errorShare(version string) string {
	return fmt.Sprintf(`sum(rate(sluice_test_requests_total{version="%[1]s",code="500"}[5s])) / sum(rate(sluice_test_requests_total{version="%[1]s"}[5s]))`, version)
}

// analysisTemplate measures the query count times, once a second: below 10%
// errors is success, above 40% failure, anything else (NaN included)
// inconclusive.
func analysisTemplate(query string, count, errorLimit int) string {
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: error-rate}
spec:
  metrics:
  - name: error-rate
    interval: 1s
    count: %d
    consecutiveErrorLimit: %d
    successCondition: result[0] < 0.1
    failureCondition: result[0] > 0.4
    provider:
      prometheus:
        timeout: 2
        query: '%s'
`, count, errorLimit, strings.ReplaceAll(query, "'", "''"))
}

func services(name string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: %[1]s-stable}
spec:
  selector: {app: %[1]s}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: %[1]s-canary}
spec:
  selector: {app: %[1]s}
  ports: [{port: 80}]
---`, name)
}

func canaryRollout(name string, replicas int, steps, canaryExtra string) string {
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: %[1]s}
spec:
  replicas: %[2]d
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers: [{name: web, image: %[3]s}]
  strategy:
    canary:
      stableService: %[1]s-stable
      canaryService: %[1]s-canary%[5]s
      steps:%[4]s
`, name, replicas, imageV1, steps, canaryExtra)
}

// subsetSplit is a DestinationRule with stable and canary subsets and a
// VirtualService splitting its one route between them.
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

func blueGreenRollout() string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: bg-active}
spec:
  selector: {app: bg}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: bg-preview}
spec:
  selector: {app: bg}
  ports: [{port: 80}]
---
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: bg}
spec:
  replicas: 2
  selector: {matchLabels: {app: bg}}
  template:
    metadata: {labels: {app: bg}}
    spec:
      containers: [{name: web, image: %s}]
  strategy:
    blueGreen:
      activeService: bg-active
      previewService: bg-preview
      scaleDownDelaySeconds: 2
      abortScaleDownDelaySeconds: 2
      prePromotionAnalysis: {templates: [{templateName: error-rate}]}
`, imageV1)
}

// setImage starts the release: a new template.
func (r *release) start() { r.g.SetImage(r.name, imageV2) }

// settled reports whether the release reached its wanted end state, with a
// description for the failure message.
func (r *release) settled() (bool, string) {
	ro, err := r.g.Sluice.SluiceV1alpha1().Rollouts(r.g.Namespace).Get(r.g.Ctx, r.name, metav1.GetOptions{})
	if err != nil {
		return false, err.Error()
	}
	desc := fmt.Sprintf("%s/%s: %s", r.g.Namespace, r.name, framework.Describe(ro))
	if ro.Status.ObservedGeneration != ro.Generation {
		return false, desc
	}
	switch r.want {
	case promoted:
		return ro.Status.Phase == v1alpha1.RolloutPhaseHealthy && ro.Status.StableRS == ro.Status.CurrentPodHash &&
			ro.Status.StableRS != r.oldHash && !ro.Status.Abort, desc
	case aborted:
		return ro.Status.Abort && ro.Status.Phase == v1alpha1.RolloutPhaseDegraded && ro.Status.StableRS == r.oldHash, desc
	case pausedInconclusive:
		return ro.Status.Phase == v1alpha1.RolloutPhasePaused && !ro.Status.Abort && hasPause(ro, v1alpha1.PauseReasonInconclusiveAnalysis), desc
	}
	return false, "unknown outcome " + string(r.want)
}

func hasPause(ro *v1alpha1.Rollout, reason v1alpha1.PauseReason) bool {
	for _, c := range ro.Status.PauseConditions {
		if c.Reason == reason {
			return true
		}
	}
	return false
}
