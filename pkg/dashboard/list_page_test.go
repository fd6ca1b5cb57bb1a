package dashboard

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

var rowPattern = regexp.MustCompile(`data-rollout="([^"]+)"`)

// listedRollouts are the Rollouts a list page or part shows, in order.
func listedRollouts(body string) []string {
	var out []string
	for _, m := range rowPattern.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func listFixture(t *testing.T, opts fixtureOptions) *fixture {
	invalid := func(ro *v1alpha1.Rollout) {
		degraded(ro)
		ro.Status.Abort, ro.Status.Message = false, "InvalidSpec: steps[1]: more than one field"
		ro.Status.Conditions = []v1alpha1.RolloutCondition{{Type: v1alpha1.RolloutInvalidSpec, Status: "True", Reason: "InvalidSpec"}}
	}
	inconclusive := func(ro *v1alpha1.Rollout) {
		ro.Status.PauseConditions = []v1alpha1.PauseCondition{{Reason: v1alpha1.PauseReasonInconclusiveAnalysis, StartTime: metav1.NewTime(testNow)}}
	}
	f := newFixture(t, opts, objects(
		canaryRollout("web"),                            // paused at its pause step
		canaryRollout("api", healthy),                   // healthy
		canaryRollout("cart", degraded),                 // aborted
		canaryRollout("search", invalid),                // invalid spec
		canaryRollout("checkout", inconclusive),         // paused on an inconclusive analysis
		canaryRollout("web", healthy, inNamespace("b")), // same name, other namespace
	))
	f.t = t
	return f
}

// The list shows every Rollout watched, sorted by namespace and name, each
// with the facts of `list rollouts`; the filters keep what they say.
func TestListFilters(t *testing.T) {
	f := listFixture(t, fixtureOptions{})
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"/", []string{"b/web", "default/api", "default/cart", "default/checkout", "default/search", "default/web"}},
		{"/?name=WEB", []string{"b/web", "default/web"}},
		{"/?name=default/c", []string{"default/cart", "default/checkout"}},
		{"/?status=Healthy", []string{"b/web", "default/api"}},
		{"/?status=Paused", []string{"default/checkout", "default/web"}},
		{"/?attention=1", []string{"default/cart", "default/checkout", "default/search"}},
		{"/?attention=1&name=ca", []string{"default/cart"}},
		{"/?status=Progressing", nil},
		{"/parts/list?status=Degraded", []string{"default/cart", "default/search"}},
	} {
		w := f.request(http.MethodGet, tc.query, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", tc.query, w.Code, w.Body)
		}
		if got := listedRollouts(w.Body.String()); !slices.Equal(got, tc.want) {
			t.Errorf("GET %s lists %v, want %v", tc.query, got, tc.want)
		}
	}
}

// A row says what `list rollouts` and `get rollout` say of the Rollout.
func TestListRow(t *testing.T) {
	f := listFixture(t, fixtureOptions{})
	body := f.request(http.MethodGet, "/?name=default/web", nil).Body.String()
	row := body[strings.Index(body, `data-rollout="default/web"`):]
	row = row[:strings.Index(row, "</tr>")]
	for _, want := range []string{
		`href="/namespaces/default/rollouts/web"`,
		"॥ Paused", "paused at step 2/3", "Canary", "2/3", "25 / -", "CanaryPauseStep",
		"registry.example/web:2", "<td>60m</td>",
	} {
		if !strings.Contains(row, want) {
			t.Errorf("row lacks %q:\n%s", want, row)
		}
	}
	if !strings.Contains(body, "signed in as <strong id=\"user\">alice</strong>") {
		t.Error("the page does not say who is signed in")
	}
	if !strings.Contains(body, `sse-connect="/events?topic=list"`) {
		t.Error("the list does not listen to its event stream")
	}
	attention := f.request(http.MethodGet, "/?name=search", nil).Body.String()
	if !strings.Contains(attention, `class="attention" title="needs attention: InvalidSpec"`) {
		t.Error("an InvalidSpec Rollout is not marked as needing attention")
	}
}

// With -n the list holds that namespace only; other namespaces are not found.
func TestListOneNamespace(t *testing.T) {
	f := listFixture(t, fixtureOptions{namespace: "b"})
	if got := listedRollouts(f.request(http.MethodGet, "/", nil).Body.String()); !slices.Equal(got, []string{"b/web"}) {
		t.Errorf("lists %v, want only b/web", got)
	}
	if w := f.request(http.MethodGet, "/namespaces/default/rollouts/web", nil); w.Code != http.StatusNotFound {
		t.Errorf("a Rollout page of another namespace: %d, want 404", w.Code)
	}
}

// BenchmarkListPage1000 draws the list page of 1,000 Rollouts from the
// cache, as the browser asks for it on every change.
func BenchmarkListPage1000(b *testing.B) {
	var ros []runtime.Object
	for i := range 1000 {
		ro := canaryRollout(fmt.Sprintf("app-%04d", i), inNamespace(fmt.Sprintf("team-%02d", i%20)))
		if i%3 == 0 {
			healthy(ro)
		}
		ros = append(ros, ro)
	}
	f := newFixture(b, fixtureOptions{}, ros)
	f.t = &testing.T{}
	if w := f.request(http.MethodGet, "/", nil); w.Code != http.StatusOK || len(listedRollouts(w.Body.String())) != 1000 {
		b.Fatalf("status %d, %d rows", w.Code, len(listedRollouts(w.Body.String())))
	}
	for b.Loop() {
		if w := f.request(http.MethodGet, "/", nil); w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
