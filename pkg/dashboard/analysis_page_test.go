package dashboard

import (
	"net/http"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

const analysisPath = "/namespaces/shop/analysisruns/web-7c9d8f6b5-2-1"

// The analysis page shows one chart per metric with a mark per measurement,
// the counts against the limits, the masked query and the latest error, and
// links back to its Rollout.
func TestAnalysisPage(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, []runtime.Object{analysisRunWithSecrets()})
	w := f.request(http.MethodGet, analysisPath, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s = %d:\n%s", analysisPath, w.Code, w.Body)
	}
	body := w.Body.String()
	if n := strings.Count(body, "<svg "); n != 3 {
		t.Errorf("%d charts, want one per metric (3)", n)
	}
	if n := strings.Count(body, `class="point `); n != 3 {
		t.Errorf("%d marks, want one per measurement of error-rate (3)", n)
	}
	for _, want := range []string{
		`<a href="/namespaces/shop/rollouts/web">web</a> (step analysis)`,
		`token=&#34;*****&#34;`, // the query as the controller masked it
		"Authorization: *****",
		"1, 0 in a row (consecutiveErrorLimit 4)",
		"503 Service Unavailable",
		`hx-get="/parts` + analysisPath + `"`,
		`sse-connect="/events?topic=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, secret := range []string{headerSecret, basicPassword, urlPassword} {
		if strings.Contains(body, secret) {
			t.Errorf("the page shows the secret %q", secret)
		}
	}
	if writes := f.writes(); len(writes) != 0 {
		t.Errorf("showing the page wrote %v", writes)
	}
}

// The live part is the body alone, with the charts, for htmx to swap in.
func TestAnalysisPart(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, []runtime.Object{analysisRunWithSecrets()})
	w := f.request(http.MethodGet, "/parts"+analysisPath, nil)
	body := w.Body.String()
	if w.Code != http.StatusOK || strings.Contains(body, "<html") || strings.Count(body, "<svg ") != 3 {
		t.Fatalf("GET /parts%s = %d, want the body with 3 charts and no layout:\n%s", analysisPath, w.Code, body)
	}
}

// A run that does not exist, or lies outside the namespace the dashboard
// shows, is a 404 with one line.
func TestAnalysisPageNotFound(t *testing.T) {
	cases := []struct {
		namespace, path, want string
	}{
		{"", "/namespaces/shop/analysisruns/nope", `analysisrun &#34;nope&#34; not found in namespace &#34;shop&#34;`},
		{"other", analysisPath, `analysisrun &#34;web-7c9d8f6b5-2-1&#34; not found in namespace &#34;shop&#34;`},
	}
	for _, tc := range cases {
		f := newFixture(t, fixtureOptions{namespace: tc.namespace}, []runtime.Object{analysisRunWithSecrets()})
		for _, path := range []string{tc.path, "/parts" + tc.path} {
			w := f.request(http.MethodGet, path, nil)
			if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("-n %q GET %s = %d, want 404 saying %s:\n%s", tc.namespace, path, w.Code, tc.want, w.Body)
			}
		}
	}
}
