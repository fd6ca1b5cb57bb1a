package framework

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// dumpedResources are the kinds written to the log when a test fails.
var dumpedResources = []schema.GroupVersionResource{
	{Group: "sluice.dev", Version: "v1alpha1", Resource: "rollouts"},
	{Group: "sluice.dev", Version: "v1alpha1", Resource: "analysisruns"},
	{Group: "sluice.dev", Version: "v1alpha1", Resource: "analysistemplates"},
	{Group: "batch", Version: "v1", Resource: "jobs"},
	{Group: "apps", Version: "v1", Resource: "replicasets"},
	{Group: "", Version: "v1", Resource: "services"},
	{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices"},
	{Group: "", Version: "v1", Resource: "pods"},
}

// dump writes the namespace's objects, its events in time order, and whatever the
// registered dumpers add (e.g. the controller's log) to the test log.
func (f *Framework) dump() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "==== state of namespace %s after failure ====\n", f.Namespace)
	for _, gvr := range dumpedResources {
		list, err := f.Dynamic.Resource(gvr).Namespace(f.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			fmt.Fprintf(&b, "--- %s: %v\n", gvr.Resource, err)
			continue
		}
		for i := range list.Items {
			obj := &list.Items[i]
			unstructured.RemoveNestedField(obj.Object, "metadata", "managedFields")
			out, _ := yaml.Marshal(obj.Object)
			fmt.Fprintf(&b, "--- %s/%s\n%s", gvr.Resource, obj.GetName(), out)
		}
	}
	events, err := f.Kube.CoreV1().Events(f.Namespace).List(ctx, metav1.ListOptions{})
	if err == nil {
		sort.Slice(events.Items, func(i, j int) bool {
			return events.Items[i].LastTimestamp.Before(&events.Items[j].LastTimestamp)
		})
		fmt.Fprintf(&b, "--- events\n")
		for _, e := range events.Items {
			fmt.Fprintf(&b, "%s %s %s/%s %s: %s\n", e.LastTimestamp.Format(time.TimeOnly), e.Type,
				e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
	f.T.Log(b.String())
	for _, d := range f.dumpers {
		d()
	}
}
