package controller

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
