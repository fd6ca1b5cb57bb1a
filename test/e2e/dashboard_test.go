//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// The dashboard's tests drive `kubectl sluice dashboard` (a real process,
// with the test's kubeconfig) from headless Chromium, and check what a user
// sees and what the API server then holds. Screenshots go to the artefacts
// directory (framework.Browser.Artifacts).

// manualPauseStep is a canary that stops at its second step, an indefinite
// pause, until promoted.
const manualPauseStep = `
      - setWeight: 50
      - pause: {}`

// liveUpdateLimit is how long after the API server holds a change the list
// may take to show it, without a reload.
const liveUpdateLimit = 2 * time.Second

// rowCheck is a JavaScript check of a Rollout's row in the list: cond is an
// expression over cells (the row's cells' text: name, status, strategy,
// step, weight, paused by, images, age). It returns [done, the row's text].
func rowCheck(namespace, name, cond string) string {
	return fmt.Sprintf(`(() => {
  const row = document.querySelector('tr[data-rollout="%s/%s"]');
  if (!row) return [false, "no row for %[2]s; the page says: " + document.body.innerText.slice(0, 400)];
  const cells = [...row.cells].map(c => c.innerText.trim());
  return [%s, cells.join(" | ")];
})()`, namespace, name, cond)
}

// pausedAtStep2 is the API's view of "paused at the pause step (index 1)".
func pausedAtStep2(ro *v1alpha1.Rollout) bool {
	return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhasePaused &&
		ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 1
}

// TestDashboardLiveListPromoteAndAnalysis: the printed URL opens the list of
// the namespace's Rollouts; an update shows up as paused at its step within
// liveUpdateLimit without a reload; Promote on the Rollout's page moves it
// on; an AnalysisRun's page, opened as the run starts, fills in as it
// measures and ends with one chart per metric and every measured point.
func TestDashboardLiveListPromoteAndAnalysis(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0.02)
	deployHealthy(f, canaryRollout("web", 2, manualPauseStep, "", ""))
	f.Apply(services("api") + "---" + canaryRollout("api", 1, manualPauseStep, "", ""))
	f.WaitForPhase("api", v1alpha1.RolloutPhaseHealthy, 60*time.Second)

	d := f.StartDashboard()
	b := f.NewBrowser()
	b.Run("open the printed URL", chromedp.Navigate(d.URL))
	b.WaitUntil("the list shows web and api as Healthy", 15*time.Second, `(() => {
  const rows = [...document.querySelectorAll("#rollouts tbody tr[data-rollout]")].map(r => r.dataset.rollout + " " + r.cells[1].innerText.trim());
  return [rows.length === 2 && rows.every(r => r.includes("Healthy")), rows.join("; ")];
})()`)
	if loc := framework.Eval[string](b, "read the address", "location.href"); loc != d.Origin+"/" {
		t.Errorf("after the first visit the address is %q, want %q: the token must leave the address bar", loc, d.Origin+"/")
	}
	b.Screenshot("list")

	// Mark the page: a reload would drop the mark.
	framework.Eval[bool](b, "mark the page", "window.sluiceNoReload = true")
	f.SetImage("web", imageV2)
	showsPaused := rowCheck(f.Namespace, "web", `window.sluiceNoReload === true && cells[1].includes("Paused") && cells[3] === "2/2"`)
	var apiAt, pageAt time.Time
	var row string
	f.Eventually("the API server, then the list, has web paused at step 2/2", 90*time.Second, func() (bool, string) {
		if apiAt.IsZero() && pausedAtStep2(f.Rollout("web")) {
			apiAt = time.Now()
		}
		if pageAt.IsZero() {
			result := framework.Eval[[]any](b, "read web's row", showsPaused)
			if row = fmt.Sprint(result[1]); result[0] == true {
				pageAt = time.Now()
			}
		}
		// Once the API server holds it, give the page a while longer than the
		// limit, so a list that never updates fails here, saying so.
		givenUp := !apiAt.IsZero() && time.Since(apiAt) > 5*liveUpdateLimit
		return (!apiAt.IsZero() && !pageAt.IsZero()) || givenUp, "row: " + row
	})
	if pageAt.IsZero() {
		t.Fatalf("the list still did not show web paused %s after the API server held it; its row: %s", 5*liveUpdateLimit, row)
	}
	lag := pageAt.Sub(apiAt)
	t.Logf("the list showed the pause %s after the API server held it", lag.Round(time.Millisecond))
	if lag > liveUpdateLimit {
		t.Errorf("the list showed the pause %s after the API server held it, want within %s", lag.Round(time.Millisecond), liveUpdateLimit)
	}
	if !framework.Eval[bool](b, "check the mark", "window.sluiceNoReload === true") {
		t.Error("the page was reloaded: the list must update in place")
	}
	b.Screenshot("list-paused")

	b.Run("open web's page", chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-rollout="%s/web"] a`, f.Namespace))),
		chromedp.WaitVisible(chromedp.CSS(`form[data-action="promote"] button`)))
	b.WaitUntil("web's page marks the pause step as current", 10*time.Second, `(() => {
  const current = document.querySelector('#steps li[aria-current="step"]');
  return [current !== null && current.innerText.includes("pause"), current ? current.innerText : "no current step"];
})()`)
	b.Screenshot("rollout-paused")
	b.Run("click Promote", chromedp.Click(chromedp.CSS(`form[data-action="promote"] button`)))
	b.WaitUntil("the page says what Promote did", 15*time.Second, `(() => {
  const o = document.querySelector("#outcome .outcome");
  return [o !== null && o.classList.contains("ok") && o.innerText.includes("promoted"), o ? o.className + ": " + o.innerText : "no outcome yet"];
})()`)
	f.WaitForRollout("web", "moved past its pause to Healthy on v2", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
			ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 2
	})
	if !slices.Contains(f.EventReasons("web"), "DashboardAction") {
		t.Errorf("no DashboardAction Event on web after Promote: %v", f.EventReasons("web"))
	}
	b.WaitUntil("web's page shows it Healthy, without a reload", 15*time.Second, `(() => {
  const s = document.querySelector("#status");
  return [s !== null && s.innerText.includes("Healthy"), s ? s.innerText : "no status"];
})()`)
	b.Screenshot("rollout-promoted")

	f.Apply(dashboardAnalysisRun(version))
	checkAnalysisPage(f, b, d, "checks")
}

// dashboardAnalysisRun is a run with two metrics measured a few times each:
// the test version's error share from Prometheus, and the same version's
// error rate read from the exporter as JSON.
func dashboardAnalysisRun(version string) string {
	return standaloneRun("checks", fmt.Sprintf(`
  - name: error-rate
    interval: 1s
    count: 6
    successCondition: result[0] < 0.1
    provider:
      prometheus:
        query: %s
  - name: exporter-error-rate
    interval: 1s
    count: 3
    successCondition: result < 0.05
    provider:
      web:
        url: %s/control
        jsonPath: "{$.%s.errorRate}"`, errorShare(version), cluster.Info.ExporterURL, version))
}

// checkAnalysisPage opens a run's page as the run measures and checks that it
// fills in without a reload until the run is over, each metric then with one
// chart holding a mark for every measurement in status.
func checkAnalysisPage(f *framework.Framework, b *framework.Browser, d *framework.Dashboard, name string) {
	f.T.Helper()
	// Open the page once the run has its first measurement: the dashboard's
	// cache then holds the run (its creation came well before), and the
	// other measurements are still to come.
	f.WaitForRun(name, "has its first measurement", 60*time.Second, func(r *v1alpha1.AnalysisRun) bool {
		return len(r.Status.MetricResults) > 0 && len(r.Status.MetricResults[0].Measurements) > 0
	})
	b.Run("open the run's page", chromedp.Navigate(d.Page("/namespaces/"+url.PathEscape(f.Namespace)+"/analysisruns/"+url.PathEscape(name))))
	const marks = `document.querySelectorAll("section.metric svg .point").length`
	first := framework.Eval[float64](b, "count the marks", "window.sluiceNoReload = true; "+marks)
	run := f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseSuccessful, 60*time.Second)
	measured := 0
	for _, result := range run.Status.MetricResults {
		measured += len(result.Measurements)
	}
	b.WaitUntil("the run's page shows it Successful with every measurement, without a reload", 10*time.Second, fmt.Sprintf(`(() => {
  const s = document.querySelector("#status"), n = %s;
  return [window.sluiceNoReload === true && s !== null && s.innerText.includes("Successful") && n === %d,
          (s ? s.innerText : "no status") + ", " + n + " marks"];
})()`, marks, measured))
	if int(first) >= measured {
		f.T.Errorf("the page opened as the run started already had %d of its %d marks: it was not seen filling in", int(first), measured)
	}
	charts := framework.Eval[[]any](b, "read the charts", `[...document.querySelectorAll("section.metric")].map(s => ({
  name: s.dataset.metric,
  charts: s.querySelectorAll("svg").length,
  titles: [...s.querySelectorAll("svg .point title")].map(t => t.textContent),
}))`)
	if len(charts) != len(run.Status.MetricResults) {
		f.T.Errorf("the page shows %d metrics, want %d: %v", len(charts), len(run.Status.MetricResults), charts)
	}
	for _, result := range run.Status.MetricResults {
		var chart map[string]any
		for _, c := range charts {
			if m, _ := c.(map[string]any); m["name"] == result.Name {
				chart = m
			}
		}
		if chart == nil || chart["charts"] != float64(1) {
			f.T.Errorf("metric %s: chart %v, want one chart", result.Name, chart)
			continue
		}
		titles, _ := chart["titles"].([]any)
		if len(titles) != len(result.Measurements) {
			f.T.Errorf("metric %s: %d marks, want one per measurement (%d): %v", result.Name, len(titles), len(result.Measurements), titles)
		}
		for _, m := range result.Measurements {
			if !anyContains(titles, fmt.Sprintf("%s: %s", m.Phase, m.Value)) {
				f.T.Errorf("metric %s: no mark for the measurement %s %s: %v", result.Name, m.Phase, m.Value, titles)
			}
		}
	}
	b.Screenshot("analysis")
}

// TestDashboardReadOnly: with --read-only no action is offered, and the
// server itself refuses one sent without the page (403), leaving the Rollout
// as it was.
func TestDashboardReadOnly(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	before := deployPausedAtStep2(f)

	d := f.StartDashboard("--read-only")
	b := f.NewBrowser()
	b.Run("open the printed URL", chromedp.Navigate(d.URL))
	b.Run("open web's page", chromedp.Navigate(d.Page(framework.RolloutPath(f.Namespace, "web"))))
	expectNoEnabledAction(f, b)
	b.WaitUntil("the header says read-only", 5*time.Second, `(() => {
  const h = document.querySelector("header");
  return [h !== null && h.innerText.includes("read-only"), h ? h.innerText : "no header"];
})()`)
	b.Screenshot("read-only")

	status, body := d.Post(framework.RolloutPath(f.Namespace, "web")+"/promote", nil)
	if status != 403 {
		t.Errorf("a POST to promote on a --read-only dashboard got %d %q, want 403", status, body)
	}
	expectUnchanged(f, before)
}

// TestDashboardRBACReadOnlyUser: a user bound to a Role that only reads sees
// the Rollouts and no enabled action; an action sent anyway is refused by
// the API server, and the dashboard says so in one line (403).
func TestDashboardRBACReadOnlyUser(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	before := deployPausedAtStep2(f)
	user := "viewer-" + f.Namespace
	f.Apply(fmt.Sprintf(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rollout-viewer}
rules:
- apiGroups: [sluice.dev]
  resources: [rollouts, analysisruns]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [pods, events]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rollout-viewer}
subjects: [{kind: User, name: %s, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: rollout-viewer, apiGroup: rbac.authorization.k8s.io}
`, user))

	d := f.StartDashboard("--as", user)
	b := f.NewBrowser()
	b.Run("open the printed URL", chromedp.Navigate(d.URL))
	b.WaitUntil("the list shows web, paused, to "+user, 15*time.Second,
		rowCheck(f.Namespace, "web", fmt.Sprintf(`cells[1].includes("Paused") && document.querySelector("#user").innerText === %q`, user)))
	b.Run("open web's page", chromedp.Navigate(d.Page(framework.RolloutPath(f.Namespace, "web"))))
	expectNoEnabledAction(f, b)
	b.Screenshot("rbac-viewer")

	status, body := d.Post(framework.RolloutPath(f.Namespace, "web")+"/promote", nil)
	if status != 403 || strings.Count(strings.TrimSpace(body), "\n") != 0 || !strings.Contains(body, "forbidden") || !strings.Contains(body, user) {
		t.Errorf("a POST to promote as %s got %d %q, want 403 with the API server's refusal in one line", user, status, body)
	}
	expectUnchanged(f, before)
}

// deployPausedAtStep2 deploys web and updates it, so that it waits at its
// pause step, and returns it as it then is.
func deployPausedAtStep2(f *framework.Framework) *v1alpha1.Rollout {
	f.T.Helper()
	deployHealthy(f, canaryRollout("web", 2, manualPauseStep, "", ""))
	f.SetImage("web", imageV2)
	return f.WaitForPausedAtStep("web", 1, 60*time.Second)
}

// expectNoEnabledAction checks that the Rollout page lists its actions and
// that every one is disabled.
func expectNoEnabledAction(f *framework.Framework, b *framework.Browser) {
	f.T.Helper()
	b.WaitUntil("the Rollout page lists its actions, none enabled", 15*time.Second, `(() => {
  const buttons = [...document.querySelectorAll("#actions button")];
  const enabled = buttons.filter(x => !x.disabled).map(x => x.innerText);
  return [buttons.length > 0 && enabled.length === 0, buttons.length + " buttons, enabled: " + enabled.join(", ")];
})()`)
}

// expectUnchanged checks that the Rollout is as it was: same generation,
// still paused at the same step.
func expectUnchanged(f *framework.Framework, before *v1alpha1.Rollout) {
	f.T.Helper()
	ro := f.Rollout(before.Name)
	if ro.Generation != before.Generation || !pausedAtStep2(ro) || len(ro.Status.PauseConditions) != len(before.Status.PauseConditions) {
		f.T.Errorf("the refused action changed the Rollout: before %s, now %s", framework.Describe(before), framework.Describe(ro))
	}
}

// anyContains reports whether one of texts contains part.
func anyContains(texts []any, part string) bool {
	for _, t := range texts {
		if s, _ := t.(string); strings.Contains(s, part) {
			return true
		}
	}
	return false
}
