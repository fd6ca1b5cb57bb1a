//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// TestClusterRunsPodsAndEndpoints: KWOK nodes run pods, the scheduler binds them,
// and kube-controller-manager lists their ready endpoints in EndpointSlices — the
// signal sluice's cutover waits for.
func TestClusterRunsPodsAndEndpoints(t *testing.T) {
	f := newTest(t)
	f.Apply(`
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: smoke}
spec:
  replicas: 3
  selector: {matchLabels: {app: smoke}}
  template:
    metadata: {labels: {app: smoke}}
    spec:
      containers: [{name: app, image: example/app:1}]
---
apiVersion: v1
kind: Service
metadata: {name: smoke}
spec:
  selector: {app: smoke}
  ports: [{port: 80}]
`)
	f.Eventually("3 pods are ready on KWOK nodes", 60*time.Second, func() (bool, string) {
		pods, err := f.Kube.CoreV1().Pods(f.Namespace).List(f.Ctx, metav1.ListOptions{LabelSelector: "app=smoke"})
		if err != nil {
			return false, err.Error()
		}
		ready := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName != "" && p.Status.PodIP != "" && podReady(&p) {
				ready++
			}
		}
		return ready == 3, fmt.Sprintf("%d of %d pods ready", ready, len(pods.Items))
	})
	f.Eventually("the Service's EndpointSlice lists 3 ready endpoints", 60*time.Second, func() (bool, string) {
		n, err := framework.ReadyEndpoints(f, "smoke")
		return n == 3, fmt.Sprintf("%d ready endpoints (%v)", n, err)
	})
}

// TestPodCanBeHeldUnready: the hold-unready annotation keeps a pod running but not
// Ready, and removing it lets the pod become Ready — how tests simulate a bad canary.
func TestPodCanBeHeldUnready(t *testing.T) {
	f := newTest(t)
	f.Apply(`
apiVersion: v1
kind: Pod
metadata:
  name: held
  annotations: {sluice.test/hold-unready: "true"}
spec:
  containers: [{name: app, image: example/app:1}]
`)
	f.Eventually("the held pod runs with an IP", 60*time.Second, func() (bool, string) {
		p, err := f.Kube.CoreV1().Pods(f.Namespace).Get(f.Ctx, "held", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "", string(p.Status.Phase)
	})
	f.Consistently("the held pod stays unready", 3*time.Second, func() (bool, string) {
		p, err := f.Kube.CoreV1().Pods(f.Namespace).Get(f.Ctx, "held", metav1.GetOptions{})
		return err == nil && !podReady(p), "pod became ready"
	})
	patch := []byte(`{"metadata":{"annotations":{"sluice.test/hold-unready":null}}}`)
	if _, err := f.Kube.CoreV1().Pods(f.Namespace).Patch(f.Ctx, "held", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Eventually("the released pod becomes ready", 30*time.Second, func() (bool, string) {
		p, err := f.Kube.CoreV1().Pods(f.Namespace).Get(f.Ctx, "held", metav1.GetOptions{})
		return err == nil && podReady(p), fmt.Sprint(err)
	})
}

// TestPrometheusFollowsExporterErrorRate: Prometheus scrapes the test exporter, and
// a change of the canary's error rate shows in a query within a few scrapes — the
// loop every analysis test relies on.
func TestPrometheusFollowsExporterErrorRate(t *testing.T) {
	f := newTest(t)
	setErrorRate := func(rate float64) {
		body, _ := json.Marshal(map[string]any{"version": "canary", "errorRate": rate, "latencyMs": 20})
		resp, err := http.Post(cluster.Info.ExporterURL+"/control", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("exporter /control: %s", resp.Status)
		}
	}
	// "or vector(0)": with no errors yet there may be no 5xx series at all.
	const errorShare = `(sum(rate(sluice_test_requests_total{version="canary",code=~"5.."}[5s])) or vector(0)) / sum(rate(sluice_test_requests_total{version="canary"}[5s]))`
	t.Cleanup(func() { setErrorRate(0) })

	setErrorRate(0)
	f.Eventually("the canary error share is 0", 60*time.Second, func() (bool, string) {
		v, err := queryScalar(errorShare)
		return err == nil && v == 0, fmt.Sprintf("%v (%v)", v, err)
	})
	setErrorRate(0.5)
	f.Eventually("the canary error share rises to about 0.5", 30*time.Second, func() (bool, string) {
		v, err := queryScalar(errorShare)
		return err == nil && v > 0.3 && v < 0.7, fmt.Sprintf("%v (%v)", v, err)
	})
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// queryScalar runs an instant PromQL query and returns its single value.
func queryScalar(query string) (float64, error) {
	resp, err := http.Get(cluster.Info.PrometheusURL + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	if body.Status != "success" || len(body.Data.Result) != 1 {
		return 0, fmt.Errorf("status %s with %d results", body.Status, len(body.Data.Result))
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}
