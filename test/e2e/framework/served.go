package framework

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// SampleServiceSides is SampleRoutedSides for a Rollout without a traffic
// router: it records the namespace's ReplicaSets, pods, Services and
// EndpointSlices (the VirtualService it would follow does not exist), to be
// checked with Check and, for example, ServedEndpointProblems.
func (f *Framework) SampleServiceSides() *SidesSampler {
	f.T.Helper()
	return f.SampleRoutedSides("sluice-e2e-no-virtualservice", "")
}

// ServedEndpointProblems checks what a Service sends traffic to in this state
// (SPEC §2.7 rules 1 and 2) and says what is wrong ("" when nothing is): every
// ready endpoint of its EndpointSlices is a pod that exists, is not
// terminating, and whose ReplicaSet keeps spec.replicas > 0 — a ReplicaSet's
// pods go only once no Service lists them. With mustServe the Service must
// also have at least one ready endpoint.
func (st *SidesState) ServedEndpointProblems(service string, mustServe bool) string {
	var problems []string
	ready := 0
	for _, slice := range st.objs[sidesEndpointSlices.Resource] {
		if slice.GetLabels()["kubernetes.io/service-name"] != service {
			continue
		}
		eps, _, _ := unstructured.NestedSlice(slice.Object, "endpoints")
		for _, raw := range eps {
			e, _ := raw.(map[string]any)
			if ok, found, _ := unstructured.NestedBool(e, "conditions", "ready"); !found || !ok {
				continue
			}
			ready++
			kind, _, _ := unstructured.NestedString(e, "targetRef", "kind")
			name, _, _ := unstructured.NestedString(e, "targetRef", "name")
			if kind != "Pod" {
				continue
			}
			if p := st.podProblem(name); p != "" {
				problems = append(problems, fmt.Sprintf("ready endpoint %s of Service %s: %s", name, service, p))
			}
		}
	}
	if mustServe && ready == 0 {
		problems = append(problems, fmt.Sprintf("Service %s has no ready endpoint", service))
	}
	sort.Strings(problems)
	return strings.Join(problems, "; ")
}

// podProblem says what is wrong with a pod an endpoint names ("" when it is
// there, not terminating, and its ReplicaSet keeps spec.replicas > 0).
func (st *SidesState) podProblem(name string) string {
	pod := st.objs[sidesPods.Resource][name]
	if pod == nil {
		return "the pod is gone"
	}
	if pod.GetDeletionTimestamp() != nil {
		return "the pod is terminating"
	}
	for _, ref := range pod.GetOwnerReferences() {
		if ref.Controller == nil || !*ref.Controller || ref.Kind != "ReplicaSet" {
			continue
		}
		rs := st.objs[sidesReplicaSets.Resource][ref.Name]
		if rs == nil {
			return fmt.Sprintf("its ReplicaSet %s is gone", ref.Name)
		}
		replicas, found, _ := unstructured.NestedInt64(rs.Object, "spec", "replicas")
		if !found {
			replicas = 1
		}
		if replicas == 0 {
			return fmt.Sprintf("its ReplicaSet %s has spec.replicas 0", ref.Name)
		}
	}
	return ""
}
