//go:build faults

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// The invariants every release keeps whatever fault hits the cluster
// (SPEC §2.7), checked on a sample of the cluster every ~200 ms while the
// fault runs, and once more at the end:
//
//   - a Service that carries traffic always has a ready endpoint;
//   - every route of a VirtualService sums to 100, each weight within 0..100,
//     and a subset with weight above 0 leads to a ReplicaSet with pods that
//     are available and Ready;
//   - never more than one ReplicaSet per pod-template hash, nor per template;
//   - no AnalysisRun created twice for the same kind, step and revision;
//   - never more pods than replicas + maxSurge (+1 for a routed canary's
//     Service floor), not counting pods on their way out (terminating, or of
//     a ReplicaSet inside its scale-down delay).
//
// A poll reads objects one after the other, so a rule that relates two kinds
// could see a state that never was. The routed rule is the only one that
// does: it reads the VirtualService and DestinationRule before and after the
// ReplicaSets and pods, and is checked only when neither changed in between
// (the controller moves weight before it removes pods, and adds pods before
// it moves weight to them). Every other rule looks at one list.
//
// While the API server cannot answer (stopped, frozen) a sample fails and is
// counted as missed: no one can observe the cluster then, and nothing in it
// changes.

var (
	gvrReplicaSets      = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	gvrPods             = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	gvrEndpointSlices   = schema.GroupVersionResource{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices"}
	gvrVirtualServices  = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	gvrDestinationRules = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
	gvrAnalysisRuns     = v1alpha1.SchemeGroupVersion.WithResource("analysisruns")
)

const sampleEvery = 200 * time.Millisecond

// scaleDownDeadline marks an old ReplicaSet whose pods wait out their delay.
const scaleDownDeadline = "sluice.dev/scale-down-deadline"

type invariantChecker struct {
	releases []*release
	client   dynamic.Interface

	cancel context.CancelFunc
	done   chan struct{}

	mu         sync.Mutex
	samples    int
	missed     int
	lastMissed string
	// violations are stretches of samples with the same problem.
	violations []*stretch
	open       map[string]*stretch // problem → its current stretch
	// runs maps a run's identity (namespace, kind, step, hash) to the UID
	// first seen for it.
	runs map[string]string
}

type stretch struct {
	problem     string
	first, last time.Time
	count       int
}

// startChecker samples the releases every ~200 ms until stop.
func startChecker(c *framework.Cluster, releases []*release) *invariantChecker {
	cfg := rest.CopyConfig(c.Config)
	// A frozen API server accepts connections and never answers: bound
	// every sample, so the checker notices it missed one and carries on.
	cfg.Timeout = 3 * time.Second
	cfg.UserAgent = "sluice-faults-checker"
	client := dynamic.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	ch := &invariantChecker{releases: releases, client: client, cancel: cancel, done: make(chan struct{}),
		open: map[string]*stretch{}, runs: map[string]string{}}
	go func() {
		defer close(ch.done)
		for {
			ch.sample(ctx)
			select {
			case <-ctx.Done():
				return
			case <-time.After(sampleEvery):
			}
		}
	}()
	return ch
}

// stop ends sampling and takes one last sample of the end state.
func (ch *invariantChecker) stop() {
	ch.cancel()
	<-ch.done
	ch.sample(context.Background())
}

// report is one line per stretch of violations, and how many samples there
// were.
func (ch *invariantChecker) report() (violations []string, samples, missed int, lastMissed string) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	for _, s := range ch.violations {
		violations = append(violations, fmt.Sprintf("%s..%s (%d samples): %s",
			s.first.Format("15:04:05.000"), s.last.Format("15:04:05.000"), s.count, s.problem))
	}
	return violations, ch.samples, ch.missed, ch.lastMissed
}

func (ch *invariantChecker) sample(ctx context.Context) {
	now := time.Now()
	problems, err := ch.read(ctx)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			ch.missed++
			ch.lastMissed = err.Error()
		}
		return
	}
	ch.samples++
	seen := map[string]bool{}
	for _, p := range problems {
		seen[p] = true
		if s := ch.open[p]; s != nil {
			s.last, s.count = now, s.count+1
			continue
		}
		s := &stretch{problem: p, first: now, last: now, count: 1}
		ch.open[p] = s
		ch.violations = append(ch.violations, s)
	}
	for p := range ch.open {
		if !seen[p] {
			delete(ch.open, p)
		}
	}
}

// clusterRead is one sample: the lists, by namespace.
type clusterRead struct {
	replicaSets, pods, slices, runs map[string][]unstructured.Unstructured
}

func (ch *invariantChecker) read(ctx context.Context) ([]string, error) {
	before, err := ch.readRouters(ctx)
	if err != nil {
		return nil, err
	}
	var rd clusterRead
	for _, l := range []struct {
		gvr schema.GroupVersionResource
		out *map[string][]unstructured.Unstructured
	}{
		{gvrReplicaSets, &rd.replicaSets}, {gvrPods, &rd.pods}, {gvrEndpointSlices, &rd.slices}, {gvrAnalysisRuns, &rd.runs},
	} {
		list, err := ch.client.Resource(l.gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		*l.out = map[string][]unstructured.Unstructured{}
		for _, item := range list.Items {
			(*l.out)[item.GetNamespace()] = append((*l.out)[item.GetNamespace()], item)
		}
	}
	after, err := ch.readRouters(ctx)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, r := range ch.releases {
		for _, p := range ch.check(r, &rd, before[r.g.Namespace], after[r.g.Namespace]) {
			problems = append(problems, fmt.Sprintf("%s/%s: %s", r.g.Namespace, r.name, p))
		}
	}
	return problems, nil
}

// readRouters reads each routed release's VirtualService and DestinationRule.
func (ch *invariantChecker) readRouters(ctx context.Context) (map[string][]*unstructured.Unstructured, error) {
	out := map[string][]*unstructured.Unstructured{}
	for _, r := range ch.releases {
		if r.vs == "" {
			continue
		}
		vs, err := ch.client.Resource(gvrVirtualServices).Namespace(r.g.Namespace).Get(ctx, r.vs, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		dr, err := ch.client.Resource(gvrDestinationRules).Namespace(r.g.Namespace).Get(ctx, r.dr, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		out[r.g.Namespace] = []*unstructured.Unstructured{vs, dr}
	}
	return out, nil
}

func (ch *invariantChecker) check(r *release, rd *clusterRead, routerBefore, routerAfter []*unstructured.Unstructured) []string {
	ns := r.g.Namespace
	var problems []string
	owned := ownedReplicaSets(rd.replicaSets[ns], r.name)

	// Traffic Services have a ready endpoint.
	for _, svc := range r.traffic {
		if n := readyEndpoints(rd.slices[ns], svc); n == 0 {
			problems = append(problems, fmt.Sprintf("Service %s carries traffic and has no ready endpoint", svc))
		}
	}

	// Weights, and what a weighted subset leads to.
	if r.vs != "" {
		unchanged := len(routerBefore) == 2 && len(routerAfter) == 2 &&
			routerBefore[0].GetResourceVersion() == routerAfter[0].GetResourceVersion() &&
			routerBefore[1].GetResourceVersion() == routerAfter[1].GetResourceVersion()
		var st *framework.SidesState
		if unchanged {
			objs := append([]*unstructured.Unstructured{}, routerBefore...)
			for i := range owned {
				objs = append(objs, owned[i])
			}
			for i := range rd.pods[ns] {
				objs = append(objs, &rd.pods[ns][i])
			}
			st = framework.NewSidesState(r.vs, r.dr, objs)
		} else {
			// Only the weights, from the newer read: the sides cannot be
			// related to a router that changed during the sample.
			st = framework.NewSidesState(r.vs, "", routerAfter[:1])
		}
		if p := st.RoutedSideProblems(); p != "" {
			problems = append(problems, p)
		}
	}

	// One ReplicaSet per hash and per template.
	byHash, byTemplate := map[string][]string{}, map[string][]string{}
	for _, rs := range owned {
		byHash[rs.GetLabels()[framework.HashLabel]] = append(byHash[rs.GetLabels()[framework.HashLabel]], rs.GetName())
		byTemplate[templateKey(rs)] = append(byTemplate[templateKey(rs)], rs.GetName())
	}
	for hash, names := range byHash {
		if len(names) > 1 {
			problems = append(problems, fmt.Sprintf("%d ReplicaSets with hash %s: %s", len(names), hash, strings.Join(names, ", ")))
		}
	}
	for _, names := range byTemplate {
		if len(names) > 1 {
			sort.Strings(names)
			problems = append(problems, fmt.Sprintf("%d ReplicaSets with one template: %s", len(names), strings.Join(names, ", ")))
		}
	}

	// No AnalysisRun created twice.
	for _, run := range rd.runs[ns] {
		l := run.GetLabels()
		key := strings.Join([]string{ns, l[v1alpha1.AnalysisKindLabel], l[v1alpha1.StepIndexLabel], l[framework.HashLabel]}, "|")
		if uid, seen := ch.runs[key]; seen && uid != string(run.GetUID()) {
			problems = append(problems, fmt.Sprintf("AnalysisRun %s (%s, step %q, hash %s) created twice (uid %s, then %s)",
				run.GetName(), l[v1alpha1.AnalysisKindLabel], l[v1alpha1.StepIndexLabel], l[framework.HashLabel], uid, run.GetUID()))
		} else if !seen {
			ch.runs[key] = string(run.GetUID())
		}
	}

	// The pod bound.
	if r.podBound > 0 {
		leaving := map[string]bool{}
		for _, rs := range owned {
			if rs.GetAnnotations()[scaleDownDeadline] != "" {
				leaving[rs.GetName()] = true
			}
		}
		n := 0
		for _, pod := range rd.pods[ns] {
			ref := metav1.GetControllerOf(&pod)
			if pod.GetDeletionTimestamp() != nil || ref == nil || leaving[ref.Name] || pod.GetLabels()["app"] != r.name {
				continue
			}
			n++
		}
		if n > r.podBound {
			problems = append(problems, fmt.Sprintf("%d pods, more than %d (replicas + maxSurge)", n, r.podBound))
		}
	}
	return problems
}

func ownedReplicaSets(all []unstructured.Unstructured, rollout string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for i := range all {
		if ref := metav1.GetControllerOf(&all[i]); ref != nil && ref.Kind == "Rollout" && ref.Name == rollout {
			out = append(out, &all[i])
		}
	}
	return out
}

// templateKey is a ReplicaSet's pod template without sluice's hash label:
// two ReplicaSets with the same key run the same template.
func templateKey(rs *unstructured.Unstructured) string {
	tmpl, _, _ := unstructured.NestedMap(rs.Object, "spec", "template")
	tmpl = runtimeDeepCopy(tmpl)
	unstructured.RemoveNestedField(tmpl, "metadata", "labels", framework.HashLabel)
	raw, _ := json.Marshal(tmpl) // map keys are sorted: equal templates give equal keys
	return string(raw)
}

func runtimeDeepCopy(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return (&unstructured.Unstructured{Object: m}).DeepCopy().Object
}

func readyEndpoints(slices []unstructured.Unstructured, service string) int {
	n := 0
	for _, s := range slices {
		if s.GetLabels()["kubernetes.io/service-name"] != service {
			continue
		}
		eps, _, _ := unstructured.NestedSlice(s.Object, "endpoints")
		for _, e := range eps {
			m, _ := e.(map[string]any)
			if ready, found, _ := unstructured.NestedBool(m, "conditions", "ready"); found && ready {
				n++
			}
		}
	}
	return n
}
