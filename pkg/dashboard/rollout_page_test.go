package dashboard

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// actionForm is the form of one action on a page.
func actionForm(t *testing.T, body, action string) string {
	t.Helper()
	at := strings.Index(body, `data-action="`+action+`"`)
	if at < 0 {
		t.Fatalf("no %s form on the page", action)
	}
	form := body[at:]
	return form[:strings.Index(form, "</form>")]
}

var buttonTag = regexp.MustCompile(`<button[^>]*>`)

func buttonOf(t *testing.T, body, action string) string {
	t.Helper()
	return buttonTag.FindString(actionForm(t, body, action))
}

func rolloutPageFixture(t *testing.T, opts fixtureOptions) *fixture {
	ro := canaryRollout("web")
	ro.Status.Conditions = []v1alpha1.RolloutCondition{{Type: v1alpha1.RolloutPaused, Status: "True", Reason: "CanaryPauseStep", Message: "paused at step 2/3"}}
	run := &v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{
		Name: "web-new-2-1", Namespace: "default", CreationTimestamp: metav1.NewTime(testNow),
		Labels:          map[string]string{v1alpha1.AnalysisKindLabel: string(v1alpha1.AnalysisKindStep), "sluice.dev/pod-template-hash": "new"},
		OwnerReferences: []metav1.OwnerReference{{Kind: "Rollout", Name: "web", UID: ro.UID, Controller: ptr(true)}},
	}, Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning}}
	event := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web.1", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Rollout", Name: "web", Namespace: "default", UID: ro.UID},
		Reason:         "RolloutPaused", Message: "paused at step 2/3", Type: corev1.EventTypeNormal, Count: 1,
		LastTimestamp: metav1.NewTime(testNow.Add(-30 * 1e9)),
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-new-abcde", Namespace: "default",
		Labels: map[string]string{"app": "web", "sluice.dev/pod-template-hash": "new"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	f := newFixture(t, opts, []runtime.Object{ro, run},
		replicaSet(ro, "old", 1, 3), replicaSet(ro, "new", 2, 1), pod, event)
	f.t = t
	return f
}

// The Rollout page says what `get rollout` says (same facts from pkg/view),
// with the steps, the current one marked, the AnalysisRuns linked to their
// page, conditions and events.
func TestRolloutPage(t *testing.T) {
	f := rolloutPageFixture(t, fixtureOptions{})
	w := f.request(http.MethodGet, webPath, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		`॥ Paused - paused at step 2/3`, // the header's status line
		`<dd id="step">2/3</dd>`,
		"set 25, actual 25",
		"registry.example/web:1 (stable)", "registry.example/web:2 (canary)",
		`<li class="done">step 1/3 (setWeight 25)</li>`,
		`<li class="current" aria-current="step">step 2/3 (pause 10m0s) ← current</li>`,
		`<li class="next">step 3/3 (setWeight 50)</li>`,
		"revision:2", "web-new", "web-new-abcde", "revision:1", "web-old",
		`<a href="/namespaces/default/analysisruns/web-new-2-1">web-new-2-1</a>`,
		"RolloutPaused",
		`sse-connect="/events?topic=rollout%2Fdefault%2Fweb"`,
		`hx-get="/parts/namespaces/default/rollouts/web"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, k := range actionKinds {
		if b := buttonOf(t, body, k.Name); strings.Contains(b, "disabled") {
			t.Errorf("%s is disabled for a user who may patch: %s", k.Name, b)
		}
	}
	if form := actionForm(t, body, "abort"); !strings.Contains(form, `name="confirm"`) {
		t.Error("abort does not ask for the name")
	}
	if form := actionForm(t, body, "pause"); strings.Contains(form, `name="confirm"`) {
		t.Error("pause asks for the name")
	}
	part := f.request(http.MethodGet, "/parts"+webPath, nil)
	if part.Code != http.StatusOK || strings.Contains(part.Body.String(), "<html") || !strings.Contains(part.Body.String(), "web-new-abcde") {
		t.Errorf("the live part: %d, want the body alone", part.Code)
	}
	if w := f.request(http.MethodGet, "/namespaces/default/rollouts/nope", nil); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `rollout &#34;nope&#34; not found`) {
		t.Errorf("a missing Rollout: %d %s", w.Code, w.Body)
	}
}

// Buttons the user may not use are disabled, saying why: RBAC from
// SelfSubjectAccessReview, or the dashboard's --read-only.
func TestButtonsFollowPermissions(t *testing.T) {
	f := rolloutPageFixture(t, fixtureOptions{denied: []string{"status"}})
	body := f.request(http.MethodGet, webPath, nil).Body.String()
	for _, k := range actionKinds {
		b := buttonOf(t, body, k.Name)
		if disabled := strings.Contains(b, "disabled"); disabled != k.Status {
			t.Errorf("%s (writes status: %v): button %s", k.Name, k.Status, b)
		}
		if k.Status && !strings.Contains(b, `you may not patch rollouts/status.sluice.dev in namespace &#34;default&#34;`) {
			t.Errorf("%s: the disabled button does not say why: %s", k.Name, b)
		}
	}

	ro := rolloutPageFixture(t, fixtureOptions{readOnly: true})
	body = ro.request(http.MethodGet, webPath, nil).Body.String()
	for _, k := range actionKinds {
		if b := buttonOf(t, body, k.Name); !strings.Contains(b, "disabled") || !strings.Contains(b, "read-only") {
			t.Errorf("read-only: %s button %s, want disabled saying read-only", k.Name, b)
		}
	}
	if !strings.Contains(body, `class="badge"`) {
		t.Error("a read-only dashboard does not say so")
	}
}

// The ReplicaSets, pods and Events of a Rollout are watched only while its
// page is open: the watch stops once the page and its stream are gone for the
// idle time.
func TestDetailWatchStopsWhenIdle(t *testing.T) {
	f := rolloutPageFixture(t, fixtureOptions{})
	if n := f.srv.details.running(); n != 0 {
		t.Fatalf("%d Rollouts watched before any page opened", n)
	}
	f.request(http.MethodGet, webPath, nil)
	if n := f.srv.details.running(); n != 1 {
		t.Fatalf("%d Rollouts watched after the page was drawn, want 1 until idle", n)
	}
	f.clock.Step(f.srv.cfg.DetailIdle - 1)
	if n := f.srv.details.running(); n != 1 {
		t.Fatal("the watch stopped before the idle time")
	}
	f.clock.Step(1)
	if n := f.srv.details.running(); n != 0 {
		t.Errorf("%d Rollouts still watched after the idle time", n)
	}
	// The list alone starts none.
	f.request(http.MethodGet, "/", nil)
	if n := f.srv.details.running(); n != 0 {
		t.Errorf("the list started %d Rollout watches", n)
	}
}
