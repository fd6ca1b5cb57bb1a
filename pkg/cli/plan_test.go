package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPlanFromFiles(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("plan", "-f", "../../manifests/examples/canary.yaml", "-f", "../../manifests/examples/analysistemplate.yaml")
	wantExit(t, r, 0)
	golden(t, "plan-canary.txt", r.stdout)
}

// TestPlanBlueGreen: a blue-green plan reads as what happens, stage by stage:
// the preview, the pre-promotion analysis, the manual promotion, the switch of
// the active Service, the post-promotion analysis, the promotion and the old
// side's scale-down.
func TestPlanBlueGreen(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("plan", "-f", "testdata/plan/bluegreen.yaml", "--pod-ready", "20s")
	wantExit(t, r, 0)
	golden(t, "plan-bluegreen.txt", r.stdout)
}

// TestPlanBlueGreenAutoPromotionWithMissingTemplate: autoPromotionSeconds is a
// pause that ends by itself, and a template not in the input counts as 0.
func TestPlanBlueGreenAutoPromotionWithMissingTemplate(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("plan", "-f", "testdata/plan/bluegreen-auto.yaml")
	wantExit(t, r, 0)
	golden(t, "plan-bluegreen-auto.txt", r.stdout)
}

// TestPlanRoutedCanary: the Istio example, where each setWeight row shows the
// weight the router takes at that step and the routed old side's scale-down
// after the promotion has its own row.
func TestPlanRoutedCanary(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("plan", "-f", "../../manifests/examples/istio-canary.yaml")
	wantExit(t, r, 0)
	golden(t, "plan-istio.txt", r.stdout)
}

// TestPlanRouteWithoutCanaryPods: a header route step that comes while the
// canary has no pods carries a note.
func TestPlanRouteWithoutCanaryPods(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("plan", "-f", "../lint/testdata/route-pods/header-before-pods.yaml")
	wantExit(t, r, 0)
	golden(t, "plan-route-without-pods.txt", r.stdout)
}

func TestPlanFromCluster(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("plan", "web")
	wantExit(t, r, 0)
	golden(t, "plan-cluster.txt", r.stdout)
}

func TestPlanNeedsNameOrFile(t *testing.T) {
	c := newFakeCluster(t)
	wantExit(t, c.run("plan"), ExitUsage)
	wantExit(t, c.run("plan", "web", "-f", "x.yaml"), ExitUsage)
	r := c.run("plan", "-f", "../../manifests/examples/analysistemplate.yaml")
	wantOneErrorLine(t, r, "error: no sluice.dev/v1alpha1 Rollout in the input")
}

// planTenReplicas is a 10-replica canary: setWeight 10, a 1m pause, setWeight 50
// and an analysis of 5 measurements 30s apart (4 × 30s = 2m when all pass).
// surge is added under strategy.canary.
func planTenReplicas(surge string) string {
	return `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 10
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: example/web:1}]}
  strategy:
    canary:
      stableService: web-stable
      canaryService: web-canary` + surge + `
      steps:
      - setWeight: 10
      - pause: {duration: 1m}
      - setWeight: 50
      - analysis: {templates: [{templateName: error-rate}]}
---
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: error-rate}
spec:
  metrics:
  - name: error-rate
    count: 5
    interval: 30s
    successCondition: result[0] < 0.01
    provider: {prometheus: {query: up}}
`
}

// planRow is one row of plan's table: the pods of the new and old ReplicaSets.
type planRow struct{ newPods, oldPods int }

// TestPlanTenReplicaCanary checks plan's replica counts per step and its shortest
// time to full promotion against times worked out by hand from the surge rules.
// The simulation reconciles every 250ms and DONE AT is rounded up to the second,
// so each wave of new pods may finish a little late: the total may exceed the
// hand-made figure by a few seconds, never fall short of it.
func TestPlanTenReplicaCanary(t *testing.T) {
	// The counts are the same in every case: setWeight 10 of 10 is 1 canary pod,
	// setWeight 50 is 5, a pause or an analysis holds the counts, and promotion
	// ends at 10 new and 0 old.
	wantRows := []planRow{{1, 9}, {1, 9}, {5, 5}, {5, 5}, {10, 0}}
	cases := []struct {
		name, surge, podReady string
		// shortest is the hand-made time to full promotion.
		shortest time.Duration
	}{{
		// Surge 3, unavailable 2 (25% of 10): every setWeight and the promotion
		// need one wave of new pods: 10s + 1m + 10s + 2m + 10s.
		name: "default surge", podReady: "10s",
		shortest: 10*time.Second + time.Minute + 10*time.Second + 2*time.Minute + 10*time.Second,
	}, {
		// Same waves, each 30s long.
		name: "slow pods", podReady: "30s",
		shortest: 30*time.Second + time.Minute + 30*time.Second + 2*time.Minute + 30*time.Second,
	}, {
		// Surge 1, unavailable 0: one new pod at a time: 1 pod, the pause, 4 more
		// pods to reach 5, the analysis, then the last 5 pods.
		name: "one pod at a time", podReady: "10s",
		surge:    "\n      maxSurge: 1\n      maxUnavailable: 0",
		shortest: 1*10*time.Second + time.Minute + 4*10*time.Second + 2*time.Minute + 5*10*time.Second,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "rollout.yaml")
			if err := os.WriteFile(file, []byte(planTenReplicas(tc.surge)), 0o644); err != nil {
				t.Fatal(err)
			}
			r := newFakeCluster(t).run("plan", "-f", file, "--pod-ready", tc.podReady)
			wantExit(t, r, 0)
			if got := planRows(t, r.stdout); !slices.Equal(got, wantRows) {
				t.Errorf("new/old pods per step %v, want %v\n%s", got, wantRows, r.stdout)
			}
			got := planShortest(t, r.stdout)
			if got < tc.shortest || got > tc.shortest+5*time.Second {
				t.Errorf("shortest time to full promotion %s, want %s (+ up to 5s of simulation ticks)\n%s", got, tc.shortest, r.stdout)
			}
		})
	}
}

// planRows reads the NEW PODS and OLD PODS columns of plan's table. The ACTION
// column has spaces, so the columns are counted from the end of the row.
func planRows(t *testing.T, out string) []planRow {
	t.Helper()
	var rows []planRow
	inTable := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "STEP "):
			inTable = true
			continue
		case strings.TrimSpace(line) == "":
			inTable = false
		}
		if !inTable {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 7 {
			t.Fatalf("short table row %q", line)
		}
		n := len(f)
		newPods, err1 := strconv.Atoi(f[n-5])
		oldPods, err2 := strconv.Atoi(f[n-4])
		if err1 != nil || err2 != nil {
			t.Fatalf("table row %q: pods are not numbers", line)
		}
		rows = append(rows, planRow{newPods, oldPods})
	}
	return rows
}

// planShortest reads "Shortest time to full promotion: 3m32s ..." from plan's output.
func planShortest(t *testing.T, out string) time.Duration {
	t.Helper()
	const prefix = "Shortest time to full promotion:"
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			d, err := time.ParseDuration(strings.Fields(rest)[0])
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return d
		}
	}
	t.Fatalf("no %q line in:\n%s", prefix, out)
	return 0
}
