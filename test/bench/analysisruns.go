package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// analysisResult is the punctuality of standalone AnalysisRuns (issue #6).
type analysisResult struct {
	Runs            int     `json:"runs"`
	Count           int     `json:"countPerRun"`
	IntervalSeconds float64 `json:"intervalSeconds"`
	Successful      int     `json:"successful"`
	Completed       int     `json:"completed"`
	// Queries is how many queries reached Prometheus; Measurements what the
	// runs' status counted.
	Queries      int `json:"queries"`
	Measurements int `json:"measurements"`
	// Lateness of measurement k ≥ 1: its query's arrival at Prometheus minus
	// (the answer to query k−1 + interval), in ms. Negative is early.
	Lateness dist `json:"latenessMs"`
	// Early counts measurements more than 50 ms before their schedule.
	Early int `json:"early"`
	// First is the first query's arrival after the run's creation, in ms.
	First dist `json:"firstMeasurementMs"`
	// Query is how long Prometheus took to answer, in ms.
	Query dist `json:"queryMs"`
	// RunSeconds: the first run's creation to the last run's completion;
	// IdealSeconds what a perfectly punctual controller would take.
	RunSeconds   float64 `json:"runSeconds"`
	IdealSeconds float64 `json:"idealSeconds"`
}

// runAnalysisBench creates cfg.analysisRuns AnalysisRuns, each with one
// Prometheus metric measured count times every interval, waits until all have
// completed, and judges every measurement against its schedule from the
// Prometheus proxy's timestamps.
func runAnalysisBench(ctx context.Context, e *env) (*report, error) {
	o, err := e.observe(ctx)
	if err != nil {
		return nil, err
	}
	rep := e.newReport("analysis-runs")
	e.startPhase("runs")
	created := map[string]time.Duration{}
	var mu sync.Mutex
	start := e.since()
	logf("creating %d AnalysisRuns (%d measurements every %s)", e.cfg.analysisRuns, e.cfg.analysisCount, e.cfg.analysisInterval)
	err = parallel(ctx, e.cfg.analysisRuns, func(ctx context.Context, i int) error {
		run := e.analysisRun(i)
		if _, err := e.sluice.SluiceV1alpha1().AnalysisRuns(e.namespace).Create(ctx, run, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create AnalysisRun %s: %w", run.Name, err)
		}
		mu.Lock()
		created[run.Name] = e.since()
		mu.Unlock()
		return nil
	})
	if err != nil {
		return rep, err
	}
	if err := e.waitRunsDone(ctx, o); err != nil {
		return rep, err
	}
	end := e.since()
	if e.cfg.idle > 0 {
		e.startPhase("idle")
		logf("idle for %s", e.cfg.idle)
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(e.cfg.idle):
		}
	}
	e.startPhase("")

	res := punctuality(e.proxy.records(), created, e.cfg.analysisInterval)
	res.Runs, res.Count, res.IntervalSeconds = e.cfg.analysisRuns, e.cfg.analysisCount, e.cfg.analysisInterval.Seconds()
	res.RunSeconds = secs(end - start)
	// Count measurements with interval between them; each takes a query's time.
	res.IdealSeconds = float64(e.cfg.analysisCount-1)*e.cfg.analysisInterval.Seconds() + float64(e.cfg.analysisCount)*res.Query.P50/1000
	runs, _ := o.runs.AnalysisRuns(e.namespace).List(everything)
	for _, r := range runs {
		if r.Status.Phase.Completed() {
			res.Completed++
		}
		if r.Status.Phase == v1alpha1.AnalysisPhaseSuccessful {
			res.Successful++
		}
		for _, m := range r.Status.MetricResults {
			res.Measurements += int(m.Count + m.Error)
		}
	}
	rep.Analysis = &res
	rep.finish(e)
	return rep, nil
}

func (e *env) analysisRun(i int) *v1alpha1.AnalysisRun {
	name := fmt.Sprintf("ar-%04d", i)
	return &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.namespace, Labels: map[string]string{instanceLabel: e.cfg.instanceID}},
		Spec: v1alpha1.AnalysisRunSpec{Metrics: []v1alpha1.Metric{
			errorRateMetric(name, e.cfg.analysisCount, e.cfg.analysisInterval),
		}},
	}
}

func (e *env) waitRunsDone(ctx context.Context, o *observer) error {
	deadline := time.Now().Add(e.cfg.timeout)
	lastLog := time.Now()
	for {
		runs, _ := o.runs.AnalysisRuns(e.namespace).List(everything)
		done := 0
		for _, r := range runs {
			if r.Status.Phase.Completed() {
				done++
			}
		}
		if done == e.cfg.analysisRuns {
			logf("%d AnalysisRuns completed", done)
			return nil
		}
		if time.Since(lastLog) > 5*time.Second {
			logf("%d/%d AnalysisRuns completed", done, e.cfg.analysisRuns)
			lastLog = time.Now()
		}
		if !e.controller.alive() {
			return fmt.Errorf("the controller exited; see %s", e.controller.logPath)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s: %d/%d AnalysisRuns completed", e.cfg.timeout, done, e.cfg.analysisRuns)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// punctuality judges each run's queries against the schedule "interval after
// the previous measurement finished".
func punctuality(records []queryRecord, created map[string]time.Duration, interval time.Duration) analysisResult {
	byRun := map[string][]queryRecord{}
	var queryMs []float64
	for _, q := range records {
		if _, ok := created[q.Key]; !ok {
			continue
		}
		byRun[q.Key] = append(byRun[q.Key], q)
		queryMs = append(queryMs, ms(q.Answered-q.Received))
	}
	var res analysisResult
	var late, first []float64
	for key, qs := range byRun {
		sort.Slice(qs, func(i, j int) bool { return qs[i].Received < qs[j].Received })
		res.Queries += len(qs)
		first = append(first, ms(qs[0].Received-created[key]))
		for k := 1; k < len(qs); k++ {
			d := qs[k].Received - (qs[k-1].Answered + interval)
			late = append(late, ms(d))
			if d < -50*time.Millisecond {
				res.Early++
			}
		}
	}
	res.Lateness, res.First, res.Query = distOf(late), distOf(first), distOf(queryMs)
	return res
}
