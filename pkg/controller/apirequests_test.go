package controller

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func TestDescribeRequest(t *testing.T) {
	tests := []struct {
		method, url, verb, resource string
	}{
		{"GET", "/apis/sluice.dev/v1alpha1/rollouts?labelSelector=a&limit=500", "list", "rollouts.sluice.dev"},
		{"GET", "/apis/sluice.dev/v1alpha1/rollouts?watch=true&resourceVersion=5", "watch", "rollouts.sluice.dev"},
		{"GET", "/apis/sluice.dev/v1alpha1/namespaces/shop/rollouts/web", "get", "rollouts.sluice.dev"},
		{"PUT", "/apis/sluice.dev/v1alpha1/namespaces/shop/rollouts/web/status", "update", "rollouts.sluice.dev/status"},
		{"PATCH", "/apis/apps/v1/namespaces/shop/replicasets/web-abc", "patch", "replicasets.apps"},
		{"POST", "/apis/apps/v1/namespaces/shop/replicasets", "create", "replicasets.apps"},
		{"POST", "/apis/apps/v1/namespaces/shop/replicasets?dryRun=All", "dryrun-create", "replicasets.apps"},
		{"GET", "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector=x", "list", "endpointslices.discovery.k8s.io"},
		{"POST", "/api/v1/namespaces/shop/events", "create", "events"},
		{"PATCH", "/api/v1/namespaces/shop/events/web.1", "patch", "events"},
		{"GET", "/api/v1/watch/namespaces/shop/pods", "watch", "pods"},
		{"GET", "/api/v1/namespaces", "list", "namespaces"},
		{"GET", "/api/v1/namespaces/shop", "get", "namespaces"},
		{"PUT", "/api/v1/namespaces/shop/status", "update", "namespaces/status"},
		{"DELETE", "/apis/sluice.dev/v1alpha1/namespaces/shop/analysisruns/r1", "delete", "analysisruns.sluice.dev"},
		{"DELETE", "/apis/batch/v1/namespaces/shop/jobs", "deletecollection", "jobs.batch"},
		{"GET", "/apis", "get", "discovery"},
		{"GET", "/apis/networking.istio.io/v1", "get", "discovery"},
		{"GET", "/api", "get", "discovery"},
		{"GET", "/version", "get", "nonresource"},
		{"GET", "/openapi/v3", "get", "nonresource"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.url, nil)
		verb, resource := describeRequest(req)
		if verb != tt.verb || resource != tt.resource {
			t.Errorf("%s %s = %s %s, want %s %s", tt.method, tt.url, verb, resource, tt.verb, tt.resource)
		}
	}
}

// TestClientsCountRequests checks the wrapper end to end: a typed client built
// the way newClients builds it counts its requests by verb and resource.
func TestClientsCountRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/replicasets") {
			_, _ = w.Write([]byte(`{"kind":"ReplicaSetList","apiVersion":"apps/v1","items":[]}`))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
	}))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL}
	cfg.Wrap(countAPIRequests)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	list := apiRequests.WithLabelValues("list", "replicasets.apps", "200")
	get := apiRequests.WithLabelValues("get", "services", "404")
	listBefore, getBefore := testutil.ToFloat64(list), testutil.ToFloat64(get)

	if _, err := cs.AppsV1().ReplicaSets("shop").List(t.Context(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _ = cs.CoreV1().Services("shop").Get(t.Context(), "web", metav1.GetOptions{})

	if d := testutil.ToFloat64(list) - listBefore; d != 1 {
		t.Errorf("list replicasets counted %v times, want 1", d)
	}
	if d := testutil.ToFloat64(get) - getBefore; d != 1 {
		t.Errorf("get services (404) counted %v times, want 1", d)
	}
}

// TestClientsTimeRequestsByVerbAndResource: a slow answer to one kind of write
// is timed under that write's verb and resource, not under the others'.
func TestClientsTimeRequestsByVerbAndResource(t *testing.T) {
	const delay = 40 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPatch {
			time.Sleep(delay) // the API server is slow to answer the scale
			_, _ = w.Write([]byte(`{"kind":"ReplicaSet","apiVersion":"apps/v1","metadata":{"name":"web-abc","namespace":"shop"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"kind":"ServiceList","apiVersion":"v1","items":[]}`))
	}))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL}
	cfg.Wrap(countAPIRequests)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	patch, list := durationOf(t, "patch", "replicasets.apps"), durationOf(t, "list", "services")

	if _, err := cs.AppsV1().ReplicaSets("shop").Patch(t.Context(), "web-abc", types.MergePatchType, []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services("shop").List(t.Context(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}

	patchAfter, listAfter := durationOf(t, "patch", "replicasets.apps"), durationOf(t, "list", "services")
	if n := patchAfter.GetSampleCount() - patch.GetSampleCount(); n != 1 {
		t.Fatalf("patch replicasets timed %d times, want 1", n)
	}
	if took := patchAfter.GetSampleSum() - patch.GetSampleSum(); took < delay.Seconds() {
		t.Errorf("patch replicasets took %.3f s by the histogram, but the server held it %.3f s", took, delay.Seconds())
	}
	if fast := bucketCount(patchAfter, 0.03) - bucketCount(patch, 0.03); fast != 0 {
		t.Errorf("the %s patch landed in the ≤ 30 ms bucket", delay)
	}
	if n := listAfter.GetSampleCount() - list.GetSampleCount(); n != 1 {
		t.Errorf("list services timed %d times, want 1", n)
	}
}

// durationOf reads one series of sluice_api_request_duration_seconds.
func durationOf(t *testing.T, verb, resource string) *dto.Histogram {
	t.Helper()
	var m dto.Metric
	if err := apiRequestDuration.WithLabelValues(verb, resource).(prometheus.Histogram).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram()
}

// bucketCount is the cumulative count of a histogram's bucket with upper bound le.
func bucketCount(h *dto.Histogram, le float64) uint64 {
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() == le {
			return b.GetCumulativeCount()
		}
	}
	return 0
}
