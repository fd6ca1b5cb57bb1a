package framework

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Labels sluice uses.
const (
	// HashLabel is sluice's pod-template-hash label.
	HashLabel = "sluice.dev/pod-template-hash"
	// InstanceLabel scopes objects to a controller instance.
	InstanceLabel = "sluice.dev/instance-id"
)

// Rollout reads a Rollout.
func (f *Framework) Rollout(name string) *v1alpha1.Rollout {
	f.T.Helper()
	ro, err := f.Sluice.SluiceV1alpha1().Rollouts(f.Namespace).Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		f.T.Fatalf("get rollout %s: %v", name, err)
	}
	return ro
}

// WaitForRollout waits until check holds for the Rollout, with a description of
// its state in the failure message.
func (f *Framework) WaitForRollout(name, what string, timeout time.Duration, check func(*v1alpha1.Rollout) bool) *v1alpha1.Rollout {
	f.T.Helper()
	var last *v1alpha1.Rollout
	f.Eventually(fmt.Sprintf("rollout %s %s", name, what), timeout, func() (bool, string) {
		ro, err := f.Sluice.SluiceV1alpha1().Rollouts(f.Namespace).Get(f.Ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		last = ro
		return check(ro), Describe(ro)
	})
	return last
}

// WaitForPhase waits for a phase that reflects the current generation.
func (f *Framework) WaitForPhase(name string, phase v1alpha1.RolloutPhase, timeout time.Duration) *v1alpha1.Rollout {
	f.T.Helper()
	return f.WaitForRollout(name, "is "+string(phase), timeout, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == phase
	})
}

// WaitForPausedAtStep waits until the rollout is paused with stepIndex steps done.
func (f *Framework) WaitForPausedAtStep(name string, stepIndex int32, timeout time.Duration) *v1alpha1.Rollout {
	f.T.Helper()
	return f.WaitForRollout(name, fmt.Sprintf("is paused at step index %d", stepIndex), timeout, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhasePaused &&
			ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == stepIndex
	})
}

// Describe summarises a Rollout's status in one line for failure messages.
func Describe(ro *v1alpha1.Rollout) string {
	step := "-"
	if ro.Status.CurrentStepIndex != nil {
		step = fmt.Sprint(*ro.Status.CurrentStepIndex)
	}
	return fmt.Sprintf("gen %d/%d phase %s %q step %s current %s stable %s replicas %d/%d/%d abort=%v pauses=%d",
		ro.Status.ObservedGeneration, ro.Generation, ro.Status.Phase, ro.Status.Message, step,
		ro.Status.CurrentPodHash, ro.Status.StableRS, ro.Status.UpdatedReplicas, ro.Status.AvailableReplicas,
		ro.Status.Replicas, ro.Status.Abort, len(ro.Status.PauseConditions))
}

// SetImage changes the image of every container of a Rollout's template.
func (f *Framework) SetImage(name, image string) {
	f.T.Helper()
	ro := f.Rollout(name)
	var patch []map[string]any
	for i := range ro.Spec.Template.Spec.Containers {
		patch = append(patch, map[string]any{"op": "replace", "path": fmt.Sprintf("/spec/template/spec/containers/%d/image", i), "value": image})
	}
	f.patchRollout(name, types.JSONPatchType, patch, "")
}

// PatchSpec merge-patches a Rollout's spec.
func (f *Framework) PatchSpec(name string, spec map[string]any) {
	f.T.Helper()
	f.patchRollout(name, types.MergePatchType, map[string]any{"spec": spec}, "")
}

// Promote is `kubectl sluice promote`: clear the pause conditions, or, when not
// paused at a step, skip the current step.
func (f *Framework) Promote(name string) {
	f.T.Helper()
	ro := f.Rollout(name)
	if len(ro.Status.PauseConditions) > 0 {
		f.patchStatus(name, map[string]any{"pauseConditions": nil})
		return
	}
	next := int32(0)
	if ro.Status.CurrentStepIndex != nil {
		next = *ro.Status.CurrentStepIndex + 1
	}
	f.patchStatus(name, map[string]any{"currentStepIndex": next})
}

// ScaleRollout sets replicas through the scale subresource, as `kubectl scale`
// and a HorizontalPodAutoscaler do.
func (f *Framework) ScaleRollout(name string, replicas int32) {
	f.T.Helper()
	body := fmt.Sprintf(`{"spec":{"replicas":%d}}`, replicas)
	gvr := v1alpha1.SchemeGroupVersion.WithResource("rollouts")
	if _, err := f.Dynamic.Resource(gvr).Namespace(f.Namespace).Patch(f.Ctx, name, types.MergePatchType, []byte(body), metav1.PatchOptions{}, "scale"); err != nil {
		f.T.Fatalf("scale rollout %s: %v", name, err)
	}
}

// AnnotateRollout sets an annotation: a metadata-only change that wakes the
// controller without changing anything it decides on.
func (f *Framework) AnnotateRollout(name, key, value string) {
	f.T.Helper()
	f.patchRollout(name, types.MergePatchType, map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}}, "")
}

// PromoteFull, Abort and Retry are the status writes of SPEC §2.5.
func (f *Framework) PromoteFull(name string) {
	f.patchStatus(name, map[string]any{"promoteFull": true})
}
func (f *Framework) Abort(name string) { f.patchStatus(name, map[string]any{"abort": true}) }
func (f *Framework) Retry(name string) { f.patchStatus(name, map[string]any{"abort": false}) }

func (f *Framework) patchStatus(name string, status map[string]any) {
	f.T.Helper()
	f.patchRollout(name, types.MergePatchType, map[string]any{"status": status}, "status")
}

func (f *Framework) patchRollout(name string, pt types.PatchType, patch any, subresource string) {
	f.T.Helper()
	body, err := json.Marshal(patch)
	if err != nil {
		f.T.Fatal(err)
	}
	var sub []string
	if subresource != "" {
		sub = []string{subresource}
	}
	if _, err := f.Sluice.SluiceV1alpha1().Rollouts(f.Namespace).Patch(f.Ctx, name, pt, body, metav1.PatchOptions{}, sub...); err != nil {
		f.T.Fatalf("patch rollout %s %s: %v", name, subresource, err)
	}
}

// ReplicaSets returns a Rollout's ReplicaSets by pod-template hash.
func (f *Framework) ReplicaSets(rollout string) map[string]*appsv1.ReplicaSet {
	f.T.Helper()
	list, err := f.Kube.AppsV1().ReplicaSets(f.Namespace).List(f.Ctx, metav1.ListOptions{LabelSelector: HashLabel})
	if err != nil {
		f.T.Fatal(err)
	}
	out := map[string]*appsv1.ReplicaSet{}
	for i := range list.Items {
		rs := &list.Items[i]
		if ref := metav1.GetControllerOf(rs); ref != nil && ref.Kind == "Rollout" && ref.Name == rollout {
			out[rs.Labels[HashLabel]] = rs
		}
	}
	return out
}

// ResourceVersions maps a Rollout's ReplicaSets, the Services in the namespace
// and the number of events to their resourceVersions (or count): any write by
// the controller changes one of them.
func (f *Framework) ResourceVersions(rollout string) map[string]string {
	f.T.Helper()
	out := map[string]string{}
	for hash, rs := range f.ReplicaSets(rollout) {
		out["rs/"+hash] = rs.ResourceVersion
	}
	svcs, err := f.Kube.CoreV1().Services(f.Namespace).List(f.Ctx, metav1.ListOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	for _, s := range svcs.Items {
		out["svc/"+s.Name] = s.ResourceVersion
	}
	events, err := f.Kube.CoreV1().Events(f.Namespace).List(f.Ctx, metav1.ListOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	count := 0
	for _, e := range events.Items {
		count += int(e.Count)
	}
	out["events"] = fmt.Sprint(count)
	return out
}

// PodNames lists the names of the live (not terminating) pods matching a selector.
func (f *Framework) PodNames(selector string) []string {
	f.T.Helper()
	pods, err := f.Kube.CoreV1().Pods(f.Namespace).List(f.Ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		f.T.Fatal(err)
	}
	var names []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	return names
}

// ServiceSelects returns the pod-template hash a Service's selector names.
func (f *Framework) ServiceSelects(service string) string {
	f.T.Helper()
	svc, err := f.Kube.CoreV1().Services(f.Namespace).Get(f.Ctx, service, metav1.GetOptions{})
	if err != nil {
		f.T.Fatalf("get service %s: %v", service, err)
	}
	return svc.Spec.Selector[HashLabel]
}

// EventReasons lists the reasons of the events recorded on an object, in order.
func (f *Framework) EventReasons(name string) []string {
	f.T.Helper()
	events, err := f.Kube.CoreV1().Events(f.Namespace).List(f.Ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		f.T.Fatal(err)
	}
	sort.Slice(events.Items, func(i, j int) bool {
		return events.Items[i].FirstTimestamp.Before(&events.Items[j].FirstTimestamp)
	})
	var reasons []string
	for _, e := range events.Items {
		reasons = append(reasons, e.Reason)
	}
	return reasons
}

// EventCount adds up the events of a reason recorded on an object. The API
// server folds repeats of an identical event into one with a count, so
// counting reasons alone would miss them.
func (f *Framework) EventCount(name, reason string) int32 {
	f.T.Helper()
	events, err := f.Kube.CoreV1().Events(f.Namespace).List(f.Ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		f.T.Fatal(err)
	}
	var n int32
	for _, e := range events.Items {
		if e.Reason == reason {
			n += max(e.Count, 1)
		}
	}
	return n
}

// EndpointSampler polls a Service's ready endpoints in the background and records
// every moment it had none after it first had some: the 503s a user would see.
type EndpointSampler struct {
	mu      sync.Mutex
	gaps    []string
	samples int
	// fewest is the smallest number of ready endpoints seen after the first
	// non-empty sample (-1 before that).
	fewest int
	// sample takes one sample.
	sample  func()
	stop    chan struct{}
	done    chan struct{}
	stopped sync.Once
}

// SampleEndpoints starts sampling a Service every 50 ms until the test ends.
func (f *Framework) SampleEndpoints(service string) *EndpointSampler {
	s := &EndpointSampler{stop: make(chan struct{}), done: make(chan struct{}), fewest: -1}
	s.sample = func() {
		n, err := ReadyEndpoints(f, service)
		if err != nil {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.samples++
		if n > 0 && s.fewest < 0 {
			s.fewest = n
		}
		if s.fewest >= 0 && n < s.fewest {
			s.fewest = n
		}
		if n == 0 && s.fewest >= 0 {
			s.gaps = append(s.gaps, time.Now().Format("15:04:05.000"))
		}
	}
	s.sample() // the first sample before this returns, so even a short test has one
	go func() {
		defer close(s.done)
		for {
			select {
			case <-s.stop:
				return
			case <-f.Ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
			s.sample()
		}
	}()
	f.T.Cleanup(s.Stop)
	return s
}

// Stop ends sampling with one last sample, so the end state is always seen.
func (s *EndpointSampler) Stop() {
	s.stopped.Do(func() {
		close(s.stop)
		<-s.done
		s.sample()
	})
}

// ExpectAtLeast fails the test if the Service ever had fewer than n ready endpoints.
func (s *EndpointSampler) ExpectAtLeast(f *Framework, service string, n int) {
	f.T.Helper()
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples < 2 {
		f.T.Fatalf("only %d samples of Service %s: the sampler did not run", s.samples, service)
	}
	if s.fewest < n {
		f.T.Fatalf("Service %s had only %d ready endpoints at one point (want at least %d)", service, s.fewest, n)
	}
}

// ExpectNeverEmpty fails the test if the Service ever had no ready endpoint.
func (s *EndpointSampler) ExpectNeverEmpty(f *Framework, service string) {
	f.T.Helper()
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples < 2 {
		f.T.Fatalf("only %d samples of Service %s: the sampler did not run", s.samples, service)
	}
	if len(s.gaps) > 0 {
		f.T.Fatalf("Service %s had no ready endpoint at %d of %d samples: %s", service, len(s.gaps), s.samples, strings.Join(s.gaps, ", "))
	}
}
