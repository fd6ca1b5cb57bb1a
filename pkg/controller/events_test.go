package controller

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestDecisiveEventsRecordedAfterManyRoutineOnes: a Rollout that has had more
// routine events than client-go's spam filter lets through (25 per object and
// type) still gets its RolloutCompleted and RolloutAborted written, while the
// routine events stay limited.
func TestDecisiveEventsRecordedAfterManyRoutineOnes(t *testing.T) {
	kube := kubefake.NewClientset()
	lanes := newEventLanes()
	lanes.startRecording(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events("")}, 4)
	defer lanes.shutdown()
	recorder := lanes.newRecorder(eventScheme(), corev1.EventSource{Component: component})

	ro := &v1alpha1.Rollout{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: "0b5e"}}
	const routineNormal, routineWarning = 40, 30
	for i := range routineNormal {
		switch i % 4 {
		case 0:
			recorder.Eventf(ro, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up ReplicaSet web-%d from %d to %d", i/8, i, i+1)
		case 1:
			recorder.Eventf(ro, corev1.EventTypeNormal, "SwitchService", "Switched selector of Service web-canary from %q to %q", "a", fmt.Sprint(i))
		case 2:
			recorder.Eventf(ro, corev1.EventTypeNormal, "RolloutStepCompleted", "Rollout step %d/6 completed", i%6+1)
		case 3:
			recorder.Eventf(ro, corev1.EventTypeNormal, "TrafficWeightUpdated", "Weight %d to canary", i)
		}
	}
	// Warnings have a spam bucket of their own: fill it too, so the abort
	// below comes after a full one.
	for i := range routineWarning {
		recorder.Eventf(ro, corev1.EventTypeWarning, "TrafficRoutingError", "VirtualService web: attempt %d refused", i)
	}
	recorder.Event(ro, corev1.EventTypeNormal, "RolloutCompleted", "ReplicaSet web-4 is now stable")
	recorder.Event(ro, corev1.EventTypeWarning, "RolloutAborted", "Rollout aborted: traffic and Services back to stable ReplicaSet web-4")

	ctx := context.Background()
	list := func() []corev1.Event {
		l, err := kube.CoreV1().Events("shop").List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list Events: %v", err)
		}
		return l.Items
	}
	byReason := func(events []corev1.Event) map[string]int32 {
		n := map[string]int32{}
		for _, ev := range events {
			n[ev.Reason] += max(ev.Count, 1)
		}
		return n
	}

	// The broadcaster writes asynchronously: wait for the decisive events.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := byReason(list())
		if got["RolloutCompleted"] == 1 && got["RolloutAborted"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d routine events, Events by reason = %v; want RolloutCompleted and RolloutAborted recorded once each", routineNormal+routineWarning, got)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The routine lane may still be writing: wait until the fake sees no new
	// request for a while, then count.
	for last, quietSince := -1, time.Now(); time.Since(quietSince) < 300*time.Millisecond; time.Sleep(20 * time.Millisecond) {
		if n := len(kube.Actions()); n != last {
			last, quietSince = n, time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatal("the recorder kept writing Events")
		}
	}
	var normal, warning int32
	for _, ev := range list() {
		if isDecisive(ev.Reason) {
			continue
		}
		if ev.Type == corev1.EventTypeWarning {
			warning += max(ev.Count, 1)
		} else {
			normal += max(ev.Count, 1)
		}
	}
	// client-go's default: 25 per object and type, then one per 5 minutes.
	if normal == 0 || normal > 25 {
		t.Errorf("routine Normal occurrences recorded = %d of %d emitted; want 1..25 (throttled per object)", normal, routineNormal)
	}
	if warning == 0 || warning > 25 {
		t.Errorf("routine Warning occurrences recorded = %d of %d emitted; want 1..25 (throttled per object)", warning, routineWarning)
	}
}

// TestDecisiveEventsKeepTheirMessages: the decisive lane counts exact repeats
// into one Event but never combines different messages into one, however many
// there are.
func TestDecisiveEventsKeepTheirMessages(t *testing.T) {
	kube := kubefake.NewClientset()
	lanes := newEventLanes()
	lanes.startRecording(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events("")}, 4)
	defer lanes.shutdown()
	recorder := lanes.newRecorder(eventScheme(), corev1.EventSource{Component: component})

	ro := &v1alpha1.Rollout{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: "0b5e"}}
	const pauses = 15 // more than the aggregator's 10 similar messages
	for i := range pauses {
		recorder.Eventf(ro, corev1.EventTypeNormal, "RolloutPaused", "Rollout paused at step %d", i)
	}
	for range 3 {
		recorder.Event(ro, corev1.EventTypeNormal, "RolloutResumed", "Rollout resumed")
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := kube.CoreV1().Events("shop").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list Events: %v", err)
		}
		paused, combined, resumed := 0, 0, int32(0)
		for _, ev := range l.Items {
			switch {
			case strings.HasPrefix(ev.Message, "(combined"):
				combined++
			case ev.Reason == "RolloutPaused":
				paused++
			case ev.Reason == "RolloutResumed":
				resumed = ev.Count
			}
		}
		if combined > 0 {
			t.Fatalf("%d decisive Events were combined with others", combined)
		}
		if paused == pauses && resumed == 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("RolloutPaused Events = %d, want %d; RolloutResumed count = %d, want 3", paused, pauses, resumed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIsDecisive(t *testing.T) {
	for _, reason := range []string{
		"RolloutCompleted", "RolloutAborted", "RolloutPaused", "RolloutResumed", "InvalidSpec",
		"AnalysisRunSuccessful", "AnalysisRunFailed", "AnalysisRunError", "AnalysisRunInconclusive",
	} {
		if !isDecisive(reason) {
			t.Errorf("isDecisive(%q) = false, want true", reason)
		}
	}
	for _, reason := range []string{
		"ScalingReplicaSet", "NewReplicaSetCreated", "SwitchService", "TrafficWeightUpdated",
		"RolloutStepCompleted", "AnalysisRunCreated", "AnalysisRunRunning", "AnalysisRunPending",
		"ReconciliationError", "TrafficRoutingError", "",
	} {
		if isDecisive(reason) {
			t.Errorf("isDecisive(%q) = true, want false", reason)
		}
	}
}

// TestDecisiveReasonsAreEmitted guards the list against a renamed reason: each
// one (AnalysisRun<Phase> apart, built from the phase) is a string literal in
// the Rollout controller's sources.
func TestDecisiveReasonsAreEmitted(t *testing.T) {
	var src strings.Builder
	err := filepath.WalkDir(filepath.Join("..", "..", "rollout"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		data, err := os.ReadFile(path)
		src.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for reason := range decisiveReasons {
		if strings.HasPrefix(reason, "AnalysisRun") {
			continue
		}
		if !strings.Contains(src.String(), `"`+reason+`"`) {
			t.Errorf("decisive reason %q appears nowhere in rollout/", reason)
		}
	}
}

// TestDecisiveEventsSurviveABurst: a burst of events larger than client-go's
// broadcaster queue (1000), into a sink that needs a round trip per write,
// loses routine events but no decisive one.
func TestDecisiveEventsSurviveABurst(t *testing.T) {
	sink := &fakeSink{delay: 500 * time.Microsecond} // an API round trip
	lanes := newEventLanes()
	lanes.startRecording(sink, 4)
	defer lanes.shutdown()
	recorder := lanes.newRecorder(eventScheme(), corev1.EventSource{Component: component})

	const rollouts = 1500
	for i := range rollouts {
		ro := &v1alpha1.Rollout{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "shop", UID: types.UID(fmt.Sprint(i))}}
		recorder.Eventf(ro, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled down ReplicaSet web-%d-old from 2 to 0", i)
		recorder.Eventf(ro, corev1.EventTypeNormal, "RolloutCompleted", "ReplicaSet web-%d-new is now stable", i)
		if i%20 == 0 {
			time.Sleep(time.Millisecond) // a wave, not one tight loop
		}
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		n := sink.created()
		if n["RolloutCompleted"] == rollouts {
			t.Logf("written: %v of %d each", n, rollouts)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Events written by reason = %v; want all %d RolloutCompleted", n, rollouts)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fakeSink records what reaches it, taking delay for each write; Patch of an
// Event it does not hold fails with NotFound, as the API server's does.
type fakeSink struct {
	delay time.Duration
	mu    sync.Mutex
	calls []string
	held  map[string]*corev1.Event
}

func (s *fakeSink) Create(ev *corev1.Event) (*corev1.Event, error) {
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "create "+ev.Name)
	if s.held == nil {
		s.held = map[string]*corev1.Event{}
	}
	s.held[ev.Name] = ev
	return ev, nil
}

func (s *fakeSink) Patch(ev *corev1.Event, _ []byte) (*corev1.Event, error) {
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "patch "+ev.Name)
	if s.held[ev.Name] == nil {
		return nil, apierrors.NewNotFound(corev1.Resource("events"), ev.Name)
	}
	return ev, nil
}

func (s *fakeSink) Update(ev *corev1.Event) (*corev1.Event, error) { return ev, nil }

// created counts the Events created, by reason.
func (s *fakeSink) created() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[string]int{}
	for _, ev := range s.held {
		n[ev.Reason]++
	}
	return n
}

func TestQueuedSink(t *testing.T) {
	sink := &fakeSink{}
	q := newQueuedSink(sink, 3)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q.start(ctx, &wg)

	event := func(name string) *corev1.Event {
		return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}}
	}
	// Create then patch of one Event keep their order; a patch of an Event
	// the server does not have becomes a create.
	for i := range 20 {
		name := fmt.Sprintf("web.%d", i)
		if _, err := q.Create(event(name)); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Patch(event(name), []byte(`{"count":2}`)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Patch(event("gone"), []byte(`{"count":2}`)); err != nil {
		t.Fatal(err)
	}
	q.close()
	wg.Wait() // close lets the writers finish the queue

	sink.mu.Lock()
	defer sink.mu.Unlock()
	order := map[string][]string{}
	for _, c := range sink.calls {
		verb, name, _ := strings.Cut(c, " ")
		order[name] = append(order[name], verb)
	}
	for i := range 20 {
		name := fmt.Sprintf("web.%d", i)
		if got := strings.Join(order[name], ","); got != "create,patch" {
			t.Errorf("writes of %s = %s, want create,patch", name, got)
		}
	}
	if got := strings.Join(order["gone"], ","); got != "patch,create" {
		t.Errorf("writes of a patched Event the server lacks = %s, want patch,create", got)
	}
}
