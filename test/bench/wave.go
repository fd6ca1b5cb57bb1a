package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// clientWorkers is how many requests the bench has in flight when it creates
// or patches objects: enough that N=3000 patches go out in seconds.
const clientWorkers = 32

// runRolloutBench is the scale benchmark: deploy N Rollouts, wait until they
// are Healthy, change every image at once, wait until the wave has settled,
// then watch the idle controller.
func runRolloutBench(ctx context.Context, e *env) (*report, error) {
	o, err := e.observe(ctx)
	if err != nil {
		return nil, err
	}
	rep := e.newReport("rollouts")
	e.startPhase("deploy")
	deployStart := time.Now()
	if err := e.createRollouts(ctx); err != nil {
		return rep, err
	}
	if err := e.waitSettled(ctx, o, imageV1); err != nil {
		return rep, fmt.Errorf("first deploy: %w", err)
	}
	rep.DeploySeconds = time.Since(deployStart).Seconds()
	if e.cfg.notifications {
		rep.Notifications = &notifyResult{}
		ledgerStart := time.Now()
		if err := e.configureNotifications(ctx); err != nil {
			return rep, fmt.Errorf("notifications ConfigMap: %w", err)
		}
		if err := e.waitLedgersStarted(ctx, o); err != nil {
			return rep, err
		}
		rep.Notifications.LedgerStartSeconds = time.Since(ledgerStart).Seconds()
	}

	wave := map[string]rolloutWave{}
	for i := range e.cfg.n {
		name := rolloutName(i)
		ro, err := o.rollouts.Rollouts(e.namespace).Get(name)
		if err != nil {
			return rep, err
		}
		wave[name] = rolloutWave{kind: e.cfg.kindOf(i), oldHash: ro.Status.StableRS}
	}

	// Only the wave's observations are analysed; the deploy's would double
	// what the bench holds at N=10,000.
	o.forgetBefore(e.since())
	e.startPhase("update")
	profileDone := e.profileWave()
	waveStart := e.since()
	if err := e.patchImages(ctx, o, wave); err != nil {
		return rep, err
	}
	rep.Wave.PatchSeconds = secs(e.since() - waveStart)
	if err := e.waitSettled(ctx, o, imageV2); err != nil {
		return rep, fmt.Errorf("wave: %w", err)
	}
	rep.Wave.SettledSeconds = secs(e.since() - waveStart)
	if err := e.waitEventsDrained(ctx); err != nil {
		return rep, err
	}
	rep.Wave.EventsDrainedSeconds = secs(e.since() - waveStart)
	if e.cfg.notifications {
		// The deliveries and their ledger writes belong to the update.
		if err := e.waitNotificationsDrained(ctx); err != nil {
			return rep, err
		}
		n := rep.Notifications
		var last time.Duration
		n.Delivered, n.DistinctIDs, n.Repeated, _, last = e.sink.counts()
		n.DrainedSeconds = secs(last - waveStart)
	}
	<-profileDone
	if e.cfg.pprof {
		if err := e.controller.saveProfile("/debug/pprof/heap", filepath.Join(e.cfg.out, "heap-after-wave.pprof")); err != nil {
			logf("heap profile: %v", err)
		}
	}

	e.startPhase("idle")
	logf("idle for %s", e.cfg.idle)
	select {
	case <-ctx.Done():
		return rep, ctx.Err()
	case <-time.After(e.cfg.idle):
	}
	e.startPhase("")
	if !e.controller.alive() {
		return rep, fmt.Errorf("the controller exited during the run; see %s", e.controller.logPath)
	}
	if snap, err := e.controller.scrape(); err != nil {
		logf("events: %v", err)
	} else if rep.Events, err = e.tallyEvents(ctx, snap.events); err != nil {
		logf("events: %v", err)
	}

	timelines := o.timelines() // one sorted copy: at N=10,000 each is ~100 MB
	if e.cfg.dumpTimelines {
		if err := dumpTimelines(filepath.Join(e.cfg.out, "timelines.json"), timelines, wave); err != nil {
			logf("dump timelines: %v", err)
		}
	}
	rep.Wave.Analysis = analyseWave(timelines, wave)
	rep.Wave.Seconds = lastHealthy(timelines, wave) - secs(waveStart)
	rep.finish(e)
	return rep, nil
}

// createRollouts creates the analysis template, the Istio kind's Services and
// VirtualServices, and the Rollouts.
func (e *env) createRollouts(ctx context.Context) error {
	if e.cfg.analysisShare > 0 {
		if err := e.createTemplate(ctx); err != nil {
			return fmt.Errorf("create AnalysisTemplate: %w", err)
		}
	}
	if e.cfg.judgeShare > 0 {
		if err := e.createJudgeTemplate(ctx); err != nil {
			return fmt.Errorf("create the judge's AnalysisTemplate: %w", err)
		}
	}
	logf("creating %d Rollouts, %s", e.cfg.n, rateText(e.cfg.createRate, e.cfg.n, "sent"))
	return parallelPaced(ctx, e.cfg.n, pacing{e.cfg.createRate}, func(ctx context.Context, i int) error {
		ro := e.rollout(i)
		if e.cfg.kindOf(i) == kindIstio {
			svcs, vs := e.routingObjects(ro.Name)
			for _, svc := range svcs {
				if _, err := e.kube.CoreV1().Services(e.namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
					return fmt.Errorf("create Service %s: %w", svc.Name, err)
				}
			}
			if _, err := e.dynamic.Resource(virtualServices).Namespace(e.namespace).Create(ctx, vs, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create VirtualService %s: %w", ro.Name, err)
			}
		}
		if _, err := e.sluice.SluiceV1alpha1().Rollouts(e.namespace).Create(ctx, ro, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create Rollout %s: %w", ro.Name, err)
		}
		return nil
	})
}

// patchImages changes every Rollout's image as fast as the bench can, and
// records when each patch was sent and answered.
func (e *env) patchImages(ctx context.Context, o *observer, wave map[string]rolloutWave) error {
	logf("changing the image of %d Rollouts, %s", len(wave), rateText(e.cfg.updateRate, e.cfg.n, "sent"))
	body := fmt.Appendf(nil, `[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":%q}]`, imageV2)
	var mu sync.Mutex
	return parallelPaced(ctx, e.cfg.n, pacing{e.cfg.updateRate}, func(ctx context.Context, i int) error {
		name := rolloutName(i)
		sent := e.since()
		if _, err := e.sluice.SluiceV1alpha1().Rollouts(e.namespace).Patch(ctx, name, types.JSONPatchType, body, metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("patch Rollout %s: %w", name, err)
		}
		done := e.since()
		mu.Lock()
		w := wave[name]
		w.sent, w.done = sent, done
		wave[name] = w
		mu.Unlock()
		o.addAt(name, obs{At: done, Kind: obsPatch})
		return nil
	})
}

// waitSettled waits until every Rollout is Healthy on image and no other
// ReplicaSet has pods, logging progress every 5 s.
func (e *env) waitSettled(ctx context.Context, o *observer, image string) error {
	deadline := time.Now().Add(e.cfg.timeout)
	lastLog := time.Now()
	for {
		healthy, idle := o.settled(e.namespace, image, e.cfg.n)
		if healthy == e.cfg.n && idle == e.cfg.n {
			logf("%d/%d Healthy on %s, old ReplicaSets scaled down", healthy, e.cfg.n, image)
			return nil
		}
		if time.Since(lastLog) > 5*time.Second {
			logf("%d/%d Healthy on %s, %d settled", healthy, e.cfg.n, image, idle)
			lastLog = time.Now()
		}
		if !e.controller.alive() {
			return fmt.Errorf("the controller exited; see %s", e.controller.logPath)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s: %d/%d Healthy on %s, %d settled", e.cfg.timeout, healthy, e.cfg.n, image, idle)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(settlePoll(e.cfg.n)):
		}
	}
}

// waitEventsDrained waits until the controller has stopped writing Events
// (none for 2 s). The event recorder writes them one at a time through the
// controller's rate-limited client, so they can trail the wave; they belong
// to its cost, not to the idle phase.
func (e *env) waitEventsDrained(ctx context.Context) error {
	deadline := time.Now().Add(e.cfg.timeout)
	every, quietScrapes := drainPoll(e.cfg.n)
	last, quiet := -1.0, 0
	for quiet < quietScrapes {
		snap, err := e.controller.scrape()
		if err != nil {
			return err
		}
		writes := 0.0
		for key, n := range snap.requests {
			if strings.Contains(key, " events") {
				writes += n
			}
		}
		if writes == last {
			quiet++
		} else {
			last, quiet = writes, 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the controller was still writing Events after %s", e.cfg.timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
	return nil
}

// profileWave takes a CPU profile of the first 30 s of the wave (--pprof).
func (e *env) profileWave() <-chan struct{} {
	done := make(chan struct{})
	if !e.cfg.pprof {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		if err := e.controller.saveProfile("/debug/pprof/profile?seconds=30", filepath.Join(e.cfg.out, "cpu-wave.pprof")); err != nil {
			logf("CPU profile: %v", err)
		}
	}()
	return done
}

// dumpTimelines writes each Rollout's observations from its patch on, times
// in milliseconds after the patch was sent.
func dumpTimelines(path string, timelines map[string][]obs, wave map[string]rolloutWave) error {
	type entry struct {
		Ms float64 `json:"ms"`
		obs
	}
	out := map[string][]entry{}
	for name, w := range wave {
		for _, o := range timelines[name] {
			if o.At >= w.sent {
				out[name] = append(out[name], entry{Ms: ms(o.At - w.sent), obs: o})
			}
		}
	}
	data, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// lastHealthy is when the last Rollout of the wave was seen Healthy, in
// seconds on the bench clock.
func lastHealthy(timelines map[string][]obs, wave map[string]rolloutWave) float64 {
	last := time.Duration(0)
	for name, w := range wave {
		if r := newRolloutTimeline(timelines[name], w); r.healthy > last {
			last = r.healthy
		}
	}
	return secs(last)
}

// parallel runs f for 0..n-1 on clientWorkers goroutines and returns the
// first error; conflicts and throttling are retried by client-go, not here.
func parallel(ctx context.Context, n int, f func(context.Context, int) error) error {
	return parallelPaced(ctx, n, pacing{}, f)
}

// parallelPaced is parallel with item i handed to a worker no earlier than
// the pacing schedule says (later when every worker is busy).
func parallelPaced(ctx context.Context, n int, pace pacing, f func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make(chan error, clientWorkers)
	var wg sync.WaitGroup
	for range clientWorkers {
		wg.Go(func() {
			for i := range next {
				if err := f(ctx, i); err != nil && !apierrors.IsAlreadyExists(err) {
					errs <- err
					cancel()
					return
				}
			}
		})
	}
	start := time.Now()
feed:
	for i := range n {
		if !pace.waitTurn(ctx, start, i) {
			break feed
		}
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}
