package framework

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// The objects a SidesSampler follows.
var (
	sidesVirtualServices  = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	sidesDestinationRules = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
	sidesReplicaSets      = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	sidesPods             = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	sidesServices         = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	sidesEndpointSlices   = schema.GroupVersionResource{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices"}
)

// SidesSampler records what a routed canary's traffic points at: every change
// of its VirtualService, its DestinationRule (for a subset split), and the
// namespace's ReplicaSets, pods, Services and EndpointSlices.
//
// It samples by watching, not by polling: a poll every 100 ms reads the router
// and the ReplicaSets at different moments and sees a window of a few
// milliseconds (the controller scaling a side down one API call before it
// moves the weight off it) only by luck. Every change carries the
// resourceVersion of the one etcd behind the test cluster, a single counter
// across all kinds, so replaying the changes in resourceVersion order visits
// every state the cluster was in, in order, and a rule checked on each state
// sees every moment it was broken — and no moment that never was.
type SidesSampler struct {
	f      *Framework
	vs, dr string

	mu      sync.Mutex
	initial []sideChange // the listed objects, before any watch event
	changes []sideChange // watch events
	// fromRV is the newest of the initial lists' resourceVersions: from there
	// on the replayed state is whole (each kind's list is caught up).
	fromRV   uint64
	problems []string // watches that broke: the record has a gap

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stopped sync.Once
}

type sideChange struct {
	rv      uint64
	at      time.Time
	gvr     schema.GroupVersionResource
	deleted bool
	obj     *unstructured.Unstructured
}

// SampleRoutedSides starts recording the traffic of the VirtualService vs and,
// for a subset split, the DestinationRule dr ("" for a host split, where the
// destinations are Service hosts). It runs until Stop or the end of the test.
func (f *Framework) SampleRoutedSides(vs, dr string) *SidesSampler {
	f.T.Helper()
	ctx, cancel := context.WithCancel(f.Ctx)
	s := &SidesSampler{f: f, vs: vs, dr: dr, cancel: cancel}
	type source struct {
		gvr  schema.GroupVersionResource
		opts metav1.ListOptions
	}
	sources := []source{
		{sidesVirtualServices, metav1.ListOptions{FieldSelector: "metadata.name=" + vs}},
		{sidesReplicaSets, metav1.ListOptions{LabelSelector: HashLabel}},
		{sidesPods, metav1.ListOptions{LabelSelector: HashLabel}},
		{sidesServices, metav1.ListOptions{}},
		{sidesEndpointSlices, metav1.ListOptions{}},
	}
	if dr != "" {
		sources = append(sources, source{sidesDestinationRules, metav1.ListOptions{FieldSelector: "metadata.name=" + dr}})
	}
	for _, src := range sources {
		res := f.Dynamic.Resource(src.gvr).Namespace(f.Namespace)
		list, err := res.List(ctx, src.opts)
		if err != nil {
			cancel()
			f.T.Fatalf("sides sampler: list %s: %v", src.gvr.Resource, err)
		}
		listRV := parseRV(list.GetResourceVersion())
		now := time.Now()
		for i := range list.Items {
			s.initial = append(s.initial, sideChange{rv: parseRV(list.Items[i].GetResourceVersion()), at: now, gvr: src.gvr, obj: &list.Items[i]})
		}
		s.fromRV = max(s.fromRV, listRV)
		s.wg.Add(1)
		go s.follow(ctx, src.gvr, src.opts, list.GetResourceVersion())
	}
	f.T.Cleanup(s.Stop)
	return s
}

// follow records the watch events of one kind until ctx ends, watching again
// from the last resourceVersion when the API server closes a watch.
func (s *SidesSampler) follow(ctx context.Context, gvr schema.GroupVersionResource, opts metav1.ListOptions, rv string) {
	defer s.wg.Done()
	res := s.f.Dynamic.Resource(gvr).Namespace(s.f.Namespace)
	for ctx.Err() == nil {
		o := opts
		o.ResourceVersion = rv
		w, err := res.Watch(ctx, o)
		if err != nil {
			if ctx.Err() == nil {
				s.problem(fmt.Sprintf("watch %s: %v", gvr.Resource, err))
			}
			return
		}
		for ev := range w.ResultChan() {
			switch ev.Type {
			case watch.Added, watch.Modified, watch.Deleted:
				u, ok := ev.Object.(*unstructured.Unstructured)
				if !ok {
					continue
				}
				rv = u.GetResourceVersion()
				s.mu.Lock()
				s.changes = append(s.changes, sideChange{rv: parseRV(rv), at: time.Now(), gvr: gvr, deleted: ev.Type == watch.Deleted, obj: u})
				s.mu.Unlock()
			case watch.Error:
				w.Stop()
				if ctx.Err() == nil {
					s.problem(fmt.Sprintf("watch %s: %v", gvr.Resource, apierrors.FromObject(ev.Object)))
				}
				return
			}
		}
		w.Stop()
	}
}

func (s *SidesSampler) problem(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, msg)
}

// Stop ends the recording. Call it once the rollout has settled: the changes
// up to then are what the rules are checked on.
func (s *SidesSampler) Stop() {
	s.stopped.Do(func() {
		// Watch events reach the test a few milliseconds after the writes.
		time.Sleep(300 * time.Millisecond)
		s.cancel()
		s.wg.Wait()
	})
}

// Changes is how many changes were recorded so far.
func (s *SidesSampler) Changes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.changes)
}

// Violations stops the recording and checks SPEC §2.7 rules 1, 2 and 4 on
// every recorded state: each destination with a weight above 0 leads to pods
// that exist and serve, and each route's weights sum to 100. See
// SidesState.RoutedSideProblems.
func (s *SidesSampler) Violations() []string {
	return s.Check(func(st *SidesState) string { return st.RoutedSideProblems() })
}

// Check stops the recording, replays it and returns one line per stretch of
// states in which rule returned a problem ("" = fine), with when it began, the
// change that began it and how many changes it lasted. A gap in the record
// (a watch that broke) is a violation too: the rules could not be checked.
func (s *SidesSampler) Check(rule func(*SidesState) string) []string {
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.problems...)
	changes := append([]sideChange(nil), s.changes...)
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].rv < changes[j].rv })

	st := &SidesState{vs: s.vs, dr: s.dr, objs: map[string]map[string]*unstructured.Unstructured{}}
	for _, c := range s.initial {
		st.apply(c)
	}
	open, line, count := "", -1, 0 // the current stretch: its problem, line in out, length
	check := func(c sideChange, cause string) {
		msg := rule(st)
		switch {
		case msg == "":
			if line >= 0 {
				out[line] += fmt.Sprintf(" (for %d change(s), until %s)", count, c.at.Format("15:04:05.000"))
			}
			open, line, count = "", -1, 0
		case msg == open:
			count++
		default:
			if line >= 0 {
				out[line] += fmt.Sprintf(" (for %d change(s))", count)
			}
			out = append(out, fmt.Sprintf("%s rv %d after %s: %s", c.at.Format("15:04:05.000"), c.rv, cause, msg))
			open, line, count = msg, len(out)-1, 1
		}
	}
	started := false
	for _, c := range changes {
		if !started && c.rv > s.fromRV {
			started = true
			st.RV, st.At = s.fromRV, c.at
			check(sideChange{rv: s.fromRV, at: c.at}, "the start of sampling")
		}
		st.apply(c)
		if started {
			st.RV, st.At = c.rv, c.at
			check(c, describeChange(c))
		}
	}
	if !started {
		st.RV, st.At = s.fromRV, time.Now()
		check(sideChange{rv: s.fromRV, at: st.At}, "the start of sampling")
	}
	if line >= 0 {
		out[line] += fmt.Sprintf(" (for %d change(s), until the end of sampling)", count)
	}
	return out
}

// ExpectNoViolations fails the test with every violation Violations finds.
func (s *SidesSampler) ExpectNoViolations(f *Framework) {
	f.T.Helper()
	if v := s.Violations(); len(v) > 0 {
		f.T.Fatalf("traffic pointed at pods that were not there (SPEC §2.7 rules 1, 2, 4), %d time(s):\n  %s", len(v), strings.Join(v, "\n  "))
	}
}

func describeChange(c sideChange) string {
	verb := "change of"
	if c.deleted {
		verb = "deletion of"
	}
	kind := map[string]string{"virtualservices": "VirtualService", "destinationrules": "DestinationRule", "replicasets": "ReplicaSet",
		"pods": "Pod", "services": "Service", "endpointslices": "EndpointSlice"}[c.gvr.Resource]
	return fmt.Sprintf("%s %s %s", verb, kind, c.obj.GetName())
}

func parseRV(rv string) uint64 {
	n, _ := strconv.ParseUint(rv, 10, 64)
	return n
}

// SidesState is the state of a namespace's routing objects, ReplicaSets, pods,
// Services and EndpointSlices at one resourceVersion of a SidesSampler's record.
type SidesState struct {
	// RV is the resourceVersion of the change that made this state, At when the
	// test saw that change.
	RV uint64
	At time.Time

	vs, dr string
	objs   map[string]map[string]*unstructured.Unstructured // by resource, then name
}

func (st *SidesState) apply(c sideChange) {
	m := st.objs[c.gvr.Resource]
	if m == nil {
		m = map[string]*unstructured.Unstructured{}
		st.objs[c.gvr.Resource] = m
	}
	if c.deleted {
		delete(m, c.obj.GetName())
	} else {
		m[c.obj.GetName()] = c.obj
	}
}

// Destination is one weighted destination of a VirtualService route.
type Destination struct {
	// Route names the route: its kind (http, tls, tcp) and name or index.
	Route        string
	Host, Subset string
	Weight       int64
}

// Key is the subset, or the host when the destination has no subset (as in
// routing_test.go's routeWeights).
func (d Destination) Key() string {
	if d.Subset != "" {
		return d.Subset
	}
	return d.Host
}

// Destinations lists the destinations of every route of the VirtualService.
// A route's only destination without a weight carries 100; otherwise a missing
// weight is 0, as in Istio.
func (st *SidesState) Destinations() []Destination {
	vs := st.objs[sidesVirtualServices.Resource][st.vs]
	if vs == nil {
		return nil
	}
	var out []Destination
	for _, kind := range []string{"http", "tls", "tcp"} {
		routes, _, _ := unstructured.NestedSlice(vs.Object, "spec", kind)
		for i, raw := range routes {
			route, _ := raw.(map[string]any)
			name, _ := route["name"].(string)
			if name == "" {
				name = strconv.Itoa(i)
			}
			dests, _ := route["route"].([]any)
			for _, d := range dests {
				dm, _ := d.(map[string]any)
				dest, _ := dm["destination"].(map[string]any)
				host, _ := dest["host"].(string)
				subset, _ := dest["subset"].(string)
				w, ok := asInt64(dm["weight"])
				if !ok && len(dests) == 1 {
					w = 100
				}
				out = append(out, Destination{Route: kind + "/" + name, Host: host, Subset: subset, Weight: w})
			}
		}
	}
	return out
}

// Weight is the weight of the first destination with this key (subset or host)
// in the VirtualService, and whether there is one.
func (st *SidesState) Weight(key string) (int64, bool) {
	for _, d := range st.Destinations() {
		if d.Key() == key {
			return d.Weight, true
		}
	}
	return 0, false
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case int:
		return int64(n), true
	}
	return 0, false
}

// SubsetHash is the pod-template hash a DestinationRule subset selects ("" when
// it selects none, or there is no such subset).
func (st *SidesState) SubsetHash(subset string) string {
	dr := st.objs[sidesDestinationRules.Resource][st.dr]
	if dr == nil {
		return ""
	}
	subsets, _, _ := unstructured.NestedSlice(dr.Object, "spec", "subsets")
	for _, raw := range subsets {
		m, _ := raw.(map[string]any)
		if m["name"] != subset {
			continue
		}
		labels, _ := m["labels"].(map[string]any)
		h, _ := labels[HashLabel].(string)
		return h
	}
	return ""
}

// ReplicaSetCounts is spec.replicas and status.availableReplicas of the
// ReplicaSet with a pod-template hash; ok is false when there is none.
func (st *SidesState) ReplicaSetCounts(hash string) (replicas, available int64, ok bool) {
	for _, rs := range st.objs[sidesReplicaSets.Resource] {
		if rs.GetLabels()[HashLabel] != hash {
			continue
		}
		replicas, found, _ := unstructured.NestedInt64(rs.Object, "spec", "replicas")
		if !found {
			replicas = 1
		}
		available, _, _ = unstructured.NestedInt64(rs.Object, "status", "availableReplicas")
		return replicas, available, true
	}
	return 0, 0, false
}

// ReadyPods counts the pods of a pod-template hash that are Ready and not
// terminating.
func (st *SidesState) ReadyPods(hash string) int {
	n := 0
	for _, pod := range st.objs[sidesPods.Resource] {
		if pod.GetLabels()[HashLabel] != hash || pod.GetDeletionTimestamp() != nil {
			continue
		}
		conds, _, _ := unstructured.NestedSlice(pod.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Ready" && m["status"] == "True" {
				n++
			}
		}
	}
	return n
}

// ServiceHash is the pod-template hash a Service selects; ok is false when the
// Service does not exist.
func (st *SidesState) ServiceHash(name string) (hash string, ok bool) {
	svc := st.objs[sidesServices.Resource][name]
	if svc == nil {
		return "", false
	}
	sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	return sel[HashLabel], true
}

// ReadyEndpoints counts a Service's ready endpoints across its EndpointSlices.
func (st *SidesState) ReadyEndpoints(service string) int {
	n := 0
	for _, slice := range st.objs[sidesEndpointSlices.Resource] {
		if slice.GetLabels()["kubernetes.io/service-name"] != service {
			continue
		}
		eps, _, _ := unstructured.NestedSlice(slice.Object, "endpoints")
		for _, e := range eps {
			ready, found, _ := unstructured.NestedBool(e.(map[string]any), "conditions", "ready")
			if found && ready {
				n++
			}
		}
	}
	return n
}

// sideProblem says what is wrong with the ReplicaSet behind a side that
// carries traffic ("" when nothing is): it must exist, keep its pods
// (spec.replicas > 0: its scale-down starts only after the traffic has left it,
// SPEC §2.7 rule 2), and have available, Ready pods (rule 1).
func (st *SidesState) sideProblem(hash string) string {
	replicas, available, ok := st.ReplicaSetCounts(hash)
	ready := st.ReadyPods(hash)
	switch {
	case !ok:
		return fmt.Sprintf("no ReplicaSet has hash %s", hash)
	case replicas == 0 || available == 0 || ready == 0:
		return fmt.Sprintf("ReplicaSet %s has spec.replicas %d, %d available, %d Ready pods", hash, replicas, available, ready)
	}
	return ""
}

// RoutedSideProblems checks one state against SPEC §2.7 rules 1, 2 and 4 and
// says what is wrong ("" when nothing is). For every destination of the
// VirtualService with a weight above 0:
//   - subset split: the DestinationRule subset's hash names a ReplicaSet that
//     has spec.replicas > 0, available replicas and Ready pods;
//   - host split (a destination that is a Service of the namespace): the
//     Service has ready endpoints, and the ReplicaSet its selector names
//     passes the same check.
//
// Destinations that are neither (another app's host) are not checked. The
// weights of every route must sum to 100 and lie within 0..100.
func (st *SidesState) RoutedSideProblems() string {
	var problems []string
	sums := map[string]int64{}
	var order []string
	for _, d := range st.Destinations() {
		if _, seen := sums[d.Route]; !seen {
			order = append(order, d.Route)
		}
		sums[d.Route] += d.Weight
		if d.Weight < 0 || d.Weight > 100 {
			problems = append(problems, fmt.Sprintf("%s destination %s has weight %d", d.Route, d.Key(), d.Weight))
		}
		if d.Weight <= 0 {
			continue
		}
		if st.dr != "" && d.Subset != "" {
			hash := st.SubsetHash(d.Subset)
			if hash == "" {
				continue // the subset selects the app's pods, whatever their hash
			}
			if p := st.sideProblem(hash); p != "" {
				problems = append(problems, fmt.Sprintf("weight %d on subset %s (hash %s): %s", d.Weight, d.Subset, hash, p))
			}
			continue
		}
		svc := strings.SplitN(d.Host, ".", 2)[0]
		hash, ok := st.ServiceHash(svc)
		if !ok {
			continue
		}
		if n := st.ReadyEndpoints(svc); n == 0 {
			problems = append(problems, fmt.Sprintf("weight %d on host %s: the Service has no ready endpoint", d.Weight, d.Host))
		}
		if hash != "" {
			if p := st.sideProblem(hash); p != "" {
				problems = append(problems, fmt.Sprintf("weight %d on host %s (Service selects %s): %s", d.Weight, d.Host, hash, p))
			}
		}
	}
	for _, r := range order {
		if sums[r] != 100 {
			problems = append(problems, fmt.Sprintf("the weights of %s sum to %d", r, sums[r]))
		}
	}
	return strings.Join(problems, "; ")
}

// CeilShare is ceil(100 × part / whole): the most traffic, in percent, that
// part of whole pods can carry.
func CeilShare(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	return int64(math.Ceil(100 * float64(part) / float64(whole)))
}

// NewSidesState builds the state SidesSampler would replay from objects read
// some other way (a poll that brackets its reads, in test/faults): the
// VirtualService vs, the DestinationRule dr ("" for a host split), and the
// namespace's ReplicaSets, pods, Services and EndpointSlices. Objects of
// other kinds are ignored.
func NewSidesState(vs, dr string, objects []*unstructured.Unstructured) *SidesState {
	st := &SidesState{vs: vs, dr: dr, objs: map[string]map[string]*unstructured.Unstructured{}}
	for _, obj := range objects {
		var gvr schema.GroupVersionResource
		switch obj.GetKind() {
		case "VirtualService":
			gvr = sidesVirtualServices
		case "DestinationRule":
			gvr = sidesDestinationRules
		case "ReplicaSet":
			gvr = sidesReplicaSets
		case "Pod":
			gvr = sidesPods
		case "Service":
			gvr = sidesServices
		case "EndpointSlice":
			gvr = sidesEndpointSlices
		default:
			continue
		}
		st.apply(sideChange{gvr: gvr, obj: obj})
	}
	return st
}
