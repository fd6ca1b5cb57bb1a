package analysis

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
)

// fakeProvider answers every measurement with the next value of a script.
type fakeProvider struct {
	mu     sync.Mutex
	values []any
	errs   []error
	calls  int
	seen   []v1alpha1.Metric
	// typeFixed says the values' type follows from the metric (Prometheus).
	typeFixed bool
	// errFor is the error every measurement of a metric gets, by metric name.
	errFor map[string]error
}

func (f *fakeProvider) Type() string { return "web" }

func (f *fakeProvider) Measure(_ context.Context, _ *v1alpha1.AnalysisRun, m v1alpha1.Metric, _ *v1alpha1.Measurement) (provider.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.calls
	f.calls++
	f.seen = append(f.seen, m)
	if err := f.errFor[m.Name]; err != nil {
		return provider.Outcome{}, err
	}
	if i < len(f.errs) && f.errs[i] != nil {
		return provider.Outcome{}, f.errs[i]
	}
	v := f.values[min(i, len(f.values)-1)]
	return provider.Outcome{Value: v, Text: "v", TypeFixed: f.typeFixed}, nil
}

func (f *fakeProvider) Terminate(context.Context, *v1alpha1.AnalysisRun, v1alpha1.Metric, v1alpha1.Measurement) error {
	return nil
}

type harness struct {
	t        *testing.T
	c        *Controller
	client   *fake.Clientset
	indexer  cache.Indexer
	clock    *testingclock.FakeClock
	recorder *record.FakeRecorder
	key      cache.ObjectName
}

func newHarness(t *testing.T, run *v1alpha1.AnalysisRun, p *fakeProvider, kubeObjects ...any) *harness {
	t.Helper()
	run.Namespace, run.UID = "default", "uid-1"
	client := fake.NewSimpleClientset(run)
	var objs []any
	objs = append(objs, kubeObjects...)
	kube := kubefake.NewSimpleClientset()
	for _, o := range objs {
		if s, ok := o.(*corev1.Secret); ok {
			_, _ = kube.CoreV1().Secrets(s.Namespace).Create(context.Background(), s, metav1.CreateOptions{})
		}
	}
	factory := sluiceinformers.NewSharedInformerFactory(client, 0)
	runs := factory.Sluice().V1alpha1().AnalysisRuns()
	clk := testingclock.NewFakeClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	rec := record.NewFakeRecorder(100)
	c, err := NewController(Config{
		Kube: kube, Sluice: client, Runs: runs, Recorder: rec, Clock: clk,
		Providers: map[string]provider.Provider{"web": p, "prometheus": p},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, c: c, client: client, indexer: runs.Informer().GetIndexer(), clock: clk, recorder: rec,
		key: cache.ObjectName{Namespace: "default", Name: run.Name}}
	_ = h.indexer.Add(run)
	return h
}

// sync runs one reconcile, waits for the measurements it started, and moves the
// written object into the cache, as the informer would.
func (h *harness) sync() time.Duration {
	h.t.Helper()
	requeue, err := h.c.sync(context.Background(), h.key)
	if err != nil {
		h.t.Fatalf("sync: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.c.measurer.inFlightCount() > 0 {
		if time.Now().After(deadline) {
			h.t.Fatal("measurements did not finish")
		}
		time.Sleep(time.Millisecond)
	}
	h.refresh()
	return requeue
}

func (h *harness) refresh() {
	got, err := h.client.SluiceV1alpha1().AnalysisRuns("default").Get(context.Background(), h.key.Name, metav1.GetOptions{})
	if err != nil {
		_ = h.indexer.Delete(&v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: h.key.Name}})
		return
	}
	_ = h.indexer.Update(got)
}

func (h *harness) run() *v1alpha1.AnalysisRun {
	obj, exists, _ := h.indexer.GetByKey(h.key.String())
	if !exists {
		return nil
	}
	return obj.(*v1alpha1.AnalysisRun)
}

// runUntilDone syncs, advancing the fake clock to each requested requeue, until
// the run completes.
func (h *harness) runUntilDone() *v1alpha1.AnalysisRun {
	h.t.Helper()
	for range 100 {
		requeue := h.sync()
		if h.run().Status.Phase.Completed() {
			return h.run()
		}
		if requeue == 0 {
			continue // a measurement finished: record it
		}
		h.clock.Step(requeue)
	}
	h.t.Fatalf("run did not complete: %+v", h.run().Status)
	return nil
}

func webMetric(name string) v1alpha1.Metric {
	return v1alpha1.Metric{Name: name, Provider: v1alpha1.MetricProvider{Web: &v1alpha1.WebMetric{URL: "http://x/{{args.service}}"}}}
}

func newRun(metrics ...v1alpha1.Metric) *v1alpha1.AnalysisRun {
	service := "web"
	return &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Name: "r", Generation: 1},
		Spec:       v1alpha1.AnalysisRunSpec{Metrics: metrics, Args: []v1alpha1.Argument{{Name: "service", Value: &service}}},
	}
}

func TestRunMeasuresOnScheduleUntilCount(t *testing.T) {
	m := webMetric("ok")
	m.Count, m.Interval, m.SuccessCondition = ptr(intstr.FromInt32(3)), "30s", "result < 0.05"
	p := &fakeProvider{values: []any{0.01}}
	h := newHarness(t, newRun(m), p)

	startedAt := h.clock.Now()
	if requeue := h.sync(); requeue != startWriteDelay {
		t.Fatalf("first sync requeue = %s, want %s (the measurement wakes the run sooner)", requeue, startWriteDelay)
	}
	if st := h.run().Status; st.StartedAt != nil || st.Phase != "" {
		t.Fatalf("the start was written on its own, before the first result: %+v", st)
	}
	if requeue := h.sync(); requeue != 30*time.Second {
		t.Fatalf("after the first measurement requeue = %s, want the 30s interval", requeue)
	}
	if st := h.run().Status; st.StartedAt == nil || !st.StartedAt.Time.Equal(startedAt) || st.Phase != v1alpha1.AnalysisPhaseRunning {
		t.Fatalf("after the first result: started %v phase %s, want started at the first sync (%v), Running", st.StartedAt, st.Phase, startedAt)
	}
	run := h.runUntilDone()
	if run.Status.Phase != successful || p.calls != 3 {
		t.Fatalf("phase %s after %d calls, want Successful after 3", run.Status.Phase, p.calls)
	}
	r := run.Status.MetricResults[0]
	if r.Count != 3 || r.Successful != 3 || len(r.Measurements) != 3 {
		t.Errorf("metric result = %+v", r)
	}
	first, second := r.Measurements[0].FinishedAt.Time, r.Measurements[1].StartedAt.Time
	if got := second.Sub(first); got != 30*time.Second {
		t.Errorf("second measurement started %s after the first finished, want 30s", got)
	}
	if got := p.seen[0].Provider.Web.URL; got != "http://x/web" {
		t.Errorf("args not substituted: url %q", got)
	}
	expectEvent(t, h.recorder, "AnalysisRunSuccessful")
}

func TestRunFailsAtOnceOnFirstFailedMetric(t *testing.T) {
	bad, slow := webMetric("bad"), webMetric("slow")
	bad.SuccessCondition = "result < 0.05"
	slow.Interval = "1m" // until terminated
	p := &fakeProvider{values: []any{0.5}}
	h := newHarness(t, newRun(bad, slow), p)
	run := h.runUntilDone()
	if run.Status.Phase != failed {
		t.Fatalf("phase = %s, want Failed", run.Status.Phase)
	}
	if !strings.Contains(run.Status.Message, `metric "bad" is Failed`) {
		t.Errorf("message = %q", run.Status.Message)
	}
	if got := resultOf(run, "slow").Phase; !got.Completed() {
		t.Errorf("the other metric is still %s; the run should have ended it", got)
	}
	expectEvent(t, h.recorder, "AnalysisRunFailed")
}

func TestRunErrorsAfterConsecutiveErrorsAndFailsClosed(t *testing.T) {
	m := webMetric("flaky")
	m.SuccessCondition = "result == 1"
	boom := errors.New("connection refused")
	p := &fakeProvider{values: []any{1}, errs: []error{boom, boom, boom, boom, boom}}
	h := newHarness(t, newRun(m), p)
	run := h.runUntilDone()
	if run.Status.Phase != errored {
		t.Fatalf("phase = %s, want Error after 5 consecutive errors", run.Status.Phase)
	}
	r := resultOf(run, "flaky")
	if r.Error != 5 || r.Count != 0 || p.calls != 5 {
		t.Errorf("errors %d, count %d, calls %d; want 5, 0, 5", r.Error, r.Count, p.calls)
	}
	gap := r.Measurements[1].StartedAt.Sub(r.Measurements[0].FinishedAt.Time)
	if gap != errorRetryDelay {
		t.Errorf("retry after an error came after %s, want %s", gap, errorRetryDelay)
	}
}

func TestRunWithMissingArgIsError(t *testing.T) {
	m := webMetric("ok")
	run := newRun(m)
	run.Spec.Args = []v1alpha1.Argument{{Name: "service"}}
	h := newHarness(t, run, &fakeProvider{values: []any{1}})
	h.sync()
	got := h.run().Status
	if got.Phase != errored || got.Message != `argument "service" was not supplied` {
		t.Errorf("status = %s %q", got.Phase, got.Message)
	}
}

func TestRunWithBadConditionNamesMetric(t *testing.T) {
	m := webMetric("error-rate")
	m.SuccessCondition = "result[0] <"
	h := newHarness(t, newRun(m), &fakeProvider{values: []any{1}})
	h.sync()
	got := h.run().Status
	if got.Phase != errored || !strings.Contains(got.Message, `"error-rate"`) || !strings.Contains(got.Message, "result[0] <") {
		t.Errorf("status = %s %q", got.Phase, got.Message)
	}
}

func TestSecretArgNeverInStatus(t *testing.T) {
	m := webMetric("ok")
	m.Provider.Web.Headers = []v1alpha1.WebMetricHeader{{Key: "Authorization", Value: "Bearer {{args.token}}"}}
	run := newRun(m)
	run.Spec.Args = append(run.Spec.Args, v1alpha1.Argument{Name: "token", ValueFrom: &v1alpha1.ValueFrom{
		SecretKeyRef: &v1alpha1.SecretKeyRef{Name: "creds", Key: "token"}}})
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "creds"}, Data: map[string][]byte{"token": []byte("s3cr3t-value")}}
	leak := errors.New("server rejected header Bearer s3cr3t-value")
	p := &fakeProvider{values: []any{1}, errs: []error{leak, leak, leak, leak, leak}}
	h := newHarness(t, run, p, secret)
	got := h.runUntilDone()
	if p.seen[0].Provider.Web.Headers[0].Value != "Bearer s3cr3t-value" {
		t.Fatalf("the provider did not get the secret: %q", p.seen[0].Provider.Web.Headers[0].Value)
	}
	dump := got.Status.Message
	for _, m := range got.Status.MetricResults[0].Measurements {
		dump += m.Message + m.Value
	}
	if strings.Contains(dump, "s3cr3t-value") || !strings.Contains(dump, redactedValue) {
		t.Errorf("status shows the secret or no redaction: %q", dump)
	}
	for len(h.recorder.Events) > 0 {
		if e := <-h.recorder.Events; strings.Contains(e, "s3cr3t-value") {
			t.Errorf("event shows the secret: %q", e)
		}
	}
}

func TestTerminateEndsRunSuccessfully(t *testing.T) {
	m := webMetric("forever")
	m.Interval = "10s"
	h := newHarness(t, newRun(m), &fakeProvider{values: []any{1}})
	h.sync()
	h.sync()
	run := h.run().DeepCopy()
	run.Spec.Terminate = true
	run.Generation = 2
	_, _ = h.client.SluiceV1alpha1().AnalysisRuns("default").Update(context.Background(), run, metav1.UpdateOptions{})
	h.refresh()
	h.sync()
	got := h.run().Status
	if got.Phase != successful || got.Message != "run terminated" {
		t.Errorf("status = %s %q, want Successful \"run terminated\"", got.Phase, got.Message)
	}
}

func TestTTLDeletesCompletedRun(t *testing.T) {
	m := webMetric("once")
	run := newRun(m)
	run.Spec.TTLStrategy = &v1alpha1.TTLStrategy{SecondsAfterSuccess: ptr(int32(60))}
	h := newHarness(t, run, &fakeProvider{values: []any{1}})
	h.runUntilDone()
	if requeue := h.sync(); requeue != 60*time.Second {
		t.Fatalf("completed run requeue = %s, want 60s", requeue)
	}
	h.clock.Step(60 * time.Second)
	h.sync()
	if h.run() != nil {
		t.Error("run still exists after its TTL")
	}
}

func expectEvent(t *testing.T, rec *record.FakeRecorder, reason string) {
	t.Helper()
	for len(rec.Events) > 0 {
		if strings.Contains(<-rec.Events, reason) {
			return
		}
	}
	t.Errorf("no %s event", reason)
}

func ptr[T any](v T) *T { return &v }

// jobLike is a provider whose measurements stay in progress until terminated.
type jobLike struct {
	mu         sync.Mutex
	terminated []string
}

func (j *jobLike) Type() string { return "job" }

func (j *jobLike) Measure(context.Context, *v1alpha1.AnalysisRun, v1alpha1.Metric, *v1alpha1.Measurement) (provider.Outcome, error) {
	return provider.Outcome{Phase: running, ResumeAfter: time.Minute, Metadata: map[string]string{"job-name": "j-1"}}, nil
}

func (j *jobLike) Terminate(_ context.Context, _ *v1alpha1.AnalysisRun, _ v1alpha1.Metric, m v1alpha1.Measurement) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.terminated = append(j.terminated, m.Metadata["job-name"])
	return nil
}

func TestTerminateStopsMeasurementInProgress(t *testing.T) {
	m := v1alpha1.Metric{Name: "smoke", Provider: v1alpha1.MetricProvider{Job: &v1alpha1.JobMetric{}}}
	h := newHarness(t, newRun(m), &fakeProvider{values: []any{1}})
	jobs := &jobLike{}
	h.c.providers["job"] = jobs
	h.sync()
	if requeue := h.sync(); requeue != time.Minute {
		t.Fatalf("requeue with a Job running = %s, want its resume time (1m)", requeue)
	}
	run := h.run().DeepCopy()
	run.Spec.Terminate, run.Generation = true, 2
	_, _ = h.client.SluiceV1alpha1().AnalysisRuns("default").Update(context.Background(), run, metav1.UpdateOptions{})
	h.refresh()
	h.sync()
	got := h.run()
	if len(jobs.terminated) != 1 || jobs.terminated[0] != "j-1" {
		t.Errorf("terminated Jobs = %v, want [j-1]", jobs.terminated)
	}
	last := got.Status.MetricResults[0].Measurements[0]
	if got.Status.Phase != successful || last.Phase != errored || last.FinishedAt == nil {
		t.Errorf("run %s, stopped measurement %+v", got.Status.Phase, last)
	}
}
