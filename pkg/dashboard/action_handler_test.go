package dashboard

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const webPath = "/namespaces/default/rollouts/web"

// Promote on a Rollout paused at its pause step ends the pause through the
// status subresource, answers the sentence the CLI prints, and leaves an
// Event naming the user.
func TestPromoteWritesAndRecordsWho(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, objects(canaryRollout("web")))
	f.t = t
	w := f.request(http.MethodPost, webPath+"/promote", url.Values{})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := `rollout "web" promoted past step 2/3 (pause 10m0s); now at step 3/3 (setWeight 50)`
	if got := strings.TrimSpace(w.Body.String()); got != want {
		t.Errorf("answer %q, want %q", got, want)
	}
	if got := f.rollout("web").Status.PauseConditions; len(got) != 0 {
		t.Errorf("pause conditions %v left after promote", got)
	}
	if !slices.Contains(f.writes(), "patch rollouts/status web") {
		t.Errorf("writes %v, want a patch of rollouts/status web", f.writes())
	}
	events := f.createdEvents()
	if len(events) != 1 {
		t.Fatalf("%d Events written, want 1", len(events))
	}
	e := events[0]
	if e.Reason != actionEventReason || e.InvolvedObject.Kind != "Rollout" || e.InvolvedObject.Name != "web" || e.InvolvedObject.UID != "uid-web" {
		t.Errorf("Event %s about %+v, want DashboardAction about Rollout web", e.Reason, e.InvolvedObject)
	}
	if wantMsg := "promote by alice via dashboard: " + want; e.Message != wantMsg {
		t.Errorf("Event message %q, want %q", e.Message, wantMsg)
	}
}

// An action the Rollout's state makes pointless answers 409 with the
// sentence that says why, and writes nothing (no Event either).
func TestDeclinedActionIs409WithTheReason(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, objects(canaryRollout("web", healthy)))
	f.t = t
	w := f.request(http.MethodPost, webPath+"/abort", url.Values{fieldConfirm: {"web"}})
	if w.Code != http.StatusConflict {
		t.Fatalf("status %d, want 409: %s", w.Code, w.Body)
	}
	if got, want := strings.TrimSpace(w.Body.String()), `rollout "web" has no update in progress: nothing to abort`; got != want {
		t.Errorf("answer %q, want %q", got, want)
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("writes %v, want none", got)
	}
}

// Abort, promote-full and undo need the Rollout's name typed: without it, or
// with another, the server refuses (400) and nothing is written.
func TestConfirmationNeedsTheTypedName(t *testing.T) {
	for _, action := range []string{"abort", "promote-full", "undo"} {
		f := newFixture(t, fixtureOptions{}, objects(canaryRollout("web")))
		f.t = t
		for _, typed := range []string{"", "we", "other", "WEB", "web-2"} {
			form := url.Values{}
			if typed != "" {
				form.Set(fieldConfirm, typed)
			}
			w := f.request(http.MethodPost, webPath+"/"+action, form)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `type "web"`) {
				t.Errorf("%s with %q typed: %d %q, want 400 asking for the name", action, typed, w.Code, w.Body)
			}
		}
		if got := f.writes(); len(got) > 0 {
			t.Errorf("%s: writes %v without the name", action, got)
		}
	}
	f := newFixture(t, fixtureOptions{}, objects(canaryRollout("web")))
	f.t = t
	w := f.request(http.MethodPost, webPath+"/abort", url.Values{fieldConfirm: {"web"}})
	if w.Code != http.StatusOK || !f.rollout("web").Status.Abort {
		t.Errorf("abort with the name typed: %d %q, abort=%v", w.Code, w.Body, f.rollout("web").Status.Abort)
	}
}

// Read-only refuses every action at the server, whatever the page shows, and
// writes nothing.
func TestReadOnlyRefusesEveryAction(t *testing.T) {
	f := newFixture(t, fixtureOptions{readOnly: true}, objects(canaryRollout("web")))
	f.t = t
	for _, k := range actionKinds {
		w := f.request(http.MethodPost, webPath+"/"+k.Name, url.Values{fieldConfirm: {"web"}, fieldContainer: {"app"}, fieldImage: {"x:1"}})
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "read-only") {
			t.Errorf("%s: %d %q, want 403 read-only", k.Name, w.Code, w.Body)
		}
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("writes %v, want none", got)
	}
}

// The API server's refusal (RBAC) is shown as its one line with its status,
// and no Event claims the action happened.
func TestForbiddenByTheAPIServer(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, objects(canaryRollout("web")))
	f.t = t
	f.sluice.PrependReactor("patch", "rollouts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(v1alpha1.Resource("rollouts"), "web",
			errForbiddenText("User \"bob\" cannot patch resource \"rollouts\" in API group \"sluice.dev\" in the namespace \"default\""))
	})
	w := f.request(http.MethodPost, webPath+"/pause", url.Values{})
	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403: %s", w.Code, w.Body)
	}
	body := strings.TrimSpace(w.Body.String())
	if strings.Contains(body, "\n") || !strings.Contains(body, `cannot patch resource "rollouts"`) {
		t.Errorf("answer %q, want the API server's refusal on one line", body)
	}
	if len(f.createdEvents()) != 0 {
		t.Error("an Event was written for an action the API server refused")
	}
}

type errForbiddenText string

func (e errForbiddenText) Error() string { return string(e) }

// Set image writes the image of the container named in the form; bad forms
// are refused before anything is read.
func TestSetImage(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, objects(canaryRollout("web")))
	f.t = t
	w := f.request(http.MethodPost, webPath+"/set-image", url.Values{fieldContainer: {"app"}, fieldImage: {"registry.example/web:3"}})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if got := f.rollout("web").Spec.Template.Spec.Containers[0].Image; got != "registry.example/web:3" {
		t.Errorf("image %q after set image", got)
	}
	for _, tc := range []struct {
		form url.Values
		want int
		text string
	}{
		{url.Values{fieldContainer: {"app"}}, http.StatusBadRequest, "needs a container"},
		{url.Values{fieldContainer: {"app"}, fieldImage: {"a b"}}, http.StatusBadRequest, "has a space"},
		{url.Values{fieldContainer: {"nope"}, fieldImage: {"x:1"}}, http.StatusConflict, `has no container "nope"`},
		{url.Values{fieldContainer: {"app"}, fieldImage: {"registry.example/web:3"}}, http.StatusConflict, "nothing to change"},
	} {
		w := f.request(http.MethodPost, webPath+"/set-image", tc.form)
		if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.text) {
			t.Errorf("form %v: %d %q, want %d with %q", tc.form, w.Code, w.Body, tc.want, tc.text)
		}
	}
}

// Undo goes back to the revision asked for, by the same decision as the CLI.
func TestUndoToARevision(t *testing.T) {
	ro := canaryRollout("web")
	f := newFixture(t, fixtureOptions{}, objects(ro), replicaSet(ro, "old", 1, 4), replicaSet(ro, "new", 2, 1))
	f.t = t
	w := f.request(http.MethodPost, webPath+"/undo", url.Values{fieldConfirm: {"web"}, fieldRevision: {"x"}})
	if w.Code != http.StatusBadRequest {
		t.Errorf("revision x: %d %q, want 400", w.Code, w.Body)
	}
	w = f.request(http.MethodPost, webPath+"/undo", url.Values{fieldConfirm: {"web"}, fieldRevision: {"1"}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "rolled back to revision 1") {
		t.Fatalf("undo: %d %q", w.Code, w.Body)
	}
	if got := f.rollout("web").Spec.Template.Spec.Containers[0].Image; got != "registry.example/web:1" {
		t.Errorf("image %q after undo to revision 1", got)
	}
}

// Unknown actions and namespaces the dashboard does not show are 404.
func TestUnknownActionOrNamespace(t *testing.T) {
	f := newFixture(t, fixtureOptions{namespace: "default"}, objects(canaryRollout("web")))
	f.t = t
	if w := f.request(http.MethodPost, webPath+"/delete", url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("unknown action: %d, want 404", w.Code)
	}
	if w := f.request(http.MethodPost, "/namespaces/other/rollouts/web/pause", url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("namespace not shown: %d, want 404", w.Code)
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("writes %v, want none", got)
	}
}
