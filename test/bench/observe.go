package main

import (
	"context"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic/dynamicinformer"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
	sluicelisters "github.com/sluice-dev/sluice/pkg/client/listers/rollouts/v1alpha1"
)

// The bench watches everything in its namespace and stamps each change with
// the time it arrived. Latencies are differences of two such stamps: the
// trigger (a ReplicaSet's pods became available, an AnalysisRun finished, a
// pause's time ran out) and the controller's reaction (its next write). Both
// travel the same way — a write to the API server, then a watch event to the
// bench — so that path's delay largely cancels out, and what remains is how
// long the controller took to notice and act. The one exception is the end of
// a pause, which no object announces: its trigger is the arrival of the status
// that began the pause plus the pause's duration.

// Observation kinds.
const (
	obsPatch   = "patch" // the bench changed the image
	obsRollout = "rollout"
	obsRS      = "replicaset"
	obsRun     = "analysisrun"
	obsService = "service"
	obsVS      = "virtualservice"
)

// obs is one observed change of an object that belongs to a Rollout.
type obs struct {
	At   time.Duration
	Kind string
	// Write is true for a change the controller made (as opposed to the
	// bench's patch or kube-controller-manager's ReplicaSet status).
	Write bool

	// Rollout fields.
	Gen, ObsGen int64
	Phase       string
	Step        int // -1 without a step index
	PodHash     string
	Stable      string
	Paused      bool

	// ReplicaSet fields: spec.replicas, and whether all of them are available
	// for the current generation.
	Hash     string
	Replicas int32
	Full     bool
	Created  bool

	// AnalysisRun fields.
	Name     string
	RunPhase string
}

// observer keeps a timeline per Rollout (or per standalone AnalysisRun).
type observer struct {
	t0       time.Time
	mu       sync.Mutex
	timeline map[string][]obs

	rollouts sluicelisters.RolloutLister
	runs     sluicelisters.AnalysisRunLister
	rsStore  cache.Store
	synced   []cache.InformerSynced
}

// observe starts the informers of the bench namespace.
func (e *env) observe(ctx context.Context) (*observer, error) {
	o := &observer{t0: e.t0, timeline: map[string][]obs{}}
	sf := sluiceinformers.NewSharedInformerFactoryWithOptions(e.sluice, 0, sluiceinformers.WithNamespace(e.namespace))
	kf := kubeinformers.NewSharedInformerFactoryWithOptions(e.kube, 0, kubeinformers.WithNamespace(e.namespace))
	df := dynamicinformer.NewFilteredDynamicSharedInformerFactory(e.dynamic, 0, e.namespace, nil)

	ro := sf.Sluice().V1alpha1().Rollouts()
	runs := sf.Sluice().V1alpha1().AnalysisRuns()
	rs := kf.Apps().V1().ReplicaSets()
	o.rollouts, o.runs, o.rsStore = ro.Lister(), runs.Lister(), rs.Informer().GetStore()
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandlerFuncs
	}{
		{ro.Informer(), cache.ResourceEventHandlerFuncs{UpdateFunc: o.rolloutUpdated}},
		{rs.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: o.rsAdded, UpdateFunc: o.rsUpdated}},
		{runs.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: o.runAdded, UpdateFunc: o.runUpdated}},
		{kf.Core().V1().Services().Informer(), cache.ResourceEventHandlerFuncs{UpdateFunc: o.serviceUpdated}},
		{df.ForResource(virtualServices).Informer(), cache.ResourceEventHandlerFuncs{UpdateFunc: o.vsUpdated}},
		{kf.Discovery().V1().EndpointSlices().Informer(), cache.ResourceEventHandlerFuncs{AddFunc: o.sliceChanged, UpdateFunc: func(_, cur any) { o.sliceChanged(cur) }}},
	}
	for _, h := range handlers {
		if _, err := h.inf.AddEventHandler(h.h); err != nil {
			return nil, err
		}
		o.synced = append(o.synced, h.inf.HasSynced)
	}
	sf.Start(ctx.Done())
	kf.Start(ctx.Done())
	df.Start(ctx.Done())
	cache.WaitForCacheSync(ctx.Done(), o.synced...)
	return o, nil
}

func (o *observer) add(key string, ob obs) {
	ob.At = time.Since(o.t0)
	o.mu.Lock()
	o.timeline[key] = append(o.timeline[key], ob)
	o.mu.Unlock()
}

// addAt records an observation with a given time (the bench's own patches).
func (o *observer) addAt(key string, ob obs) {
	o.mu.Lock()
	o.timeline[key] = append(o.timeline[key], ob)
	o.mu.Unlock()
}

// timelines returns every timeline, sorted by time.
func (o *observer) timelines() map[string][]obs {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[string][]obs, len(o.timeline))
	for k, tl := range o.timeline {
		tl = append([]obs(nil), tl...)
		sort.SliceStable(tl, func(i, j int) bool { return tl[i].At < tl[j].At })
		out[k] = tl
	}
	return out
}

// rolloutUpdated: a change with the same generation is a status (or
// metadata) write by the controller; a new generation is the bench's patch.
func (o *observer) rolloutUpdated(oldObj, newObj any) {
	prev, cur := oldObj.(*v1alpha1.Rollout), newObj.(*v1alpha1.Rollout)
	if prev.ResourceVersion == cur.ResourceVersion {
		return // a resync
	}
	ob := obs{Kind: obsRollout, Write: prev.Generation == cur.Generation,
		Gen: cur.Generation, ObsGen: cur.Status.ObservedGeneration, Phase: string(cur.Status.Phase),
		Step: -1, PodHash: cur.Status.CurrentPodHash, Stable: cur.Status.StableRS,
		Paused: len(cur.Status.PauseConditions) > 0}
	if cur.Status.CurrentStepIndex != nil {
		ob.Step = int(*cur.Status.CurrentStepIndex)
	}
	o.add(cur.Name, ob)
}

func rsObs(rs *appsv1.ReplicaSet) obs {
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	return obs{Kind: obsRS, Hash: rs.Labels[hashLabel], Replicas: want,
		Full: rs.Status.ObservedGeneration == rs.Generation && rs.Status.AvailableReplicas == want && rs.Status.Replicas == want}
}

func (o *observer) rsAdded(obj any) {
	rs := obj.(*appsv1.ReplicaSet)
	if owner := ownerName(rs.OwnerReferences); owner != "" {
		ob := rsObs(rs)
		ob.Write, ob.Created = true, true
		o.add(owner, ob)
	}
}

// rsUpdated: spec or metadata changes are the controller's; status-only
// changes are kube-controller-manager's.
func (o *observer) rsUpdated(oldObj, newObj any) {
	prev, cur := oldObj.(*appsv1.ReplicaSet), newObj.(*appsv1.ReplicaSet)
	owner := ownerName(cur.OwnerReferences)
	if owner == "" || prev.ResourceVersion == cur.ResourceVersion {
		return
	}
	ob := rsObs(cur)
	ob.Write = prev.Generation != cur.Generation || !maps.Equal(prev.Labels, cur.Labels) || !maps.Equal(prev.Annotations, cur.Annotations)
	o.add(owner, ob)
}

// Runs a Rollout created are keyed by the Rollout; standalone runs by their
// own name.
func runKeyOf(run *v1alpha1.AnalysisRun) (string, bool) {
	if owner := ownerName(run.OwnerReferences); owner != "" {
		return owner, true
	}
	return run.Name, false
}

func (o *observer) runAdded(obj any) {
	run := obj.(*v1alpha1.AnalysisRun)
	key, owned := runKeyOf(run)
	o.add(key, obs{Kind: obsRun, Write: owned, Created: true, Name: run.Name, RunPhase: string(run.Status.Phase)})
}

// runUpdated: every change of a run after its creation is the AnalysisRun
// controller's (status) or the Rollout controller's (terminate).
func (o *observer) runUpdated(oldObj, newObj any) {
	prev, cur := oldObj.(*v1alpha1.AnalysisRun), newObj.(*v1alpha1.AnalysisRun)
	if prev.ResourceVersion == cur.ResourceVersion {
		return
	}
	key, _ := runKeyOf(cur)
	o.add(key, obs{Kind: obsRun, Write: true, Name: cur.Name, RunPhase: string(cur.Status.Phase)})
}

// serviceUpdated: the bench never changes its Services after creating them.
func (o *observer) serviceUpdated(oldObj, newObj any) {
	prev, cur := oldObj.(*corev1.Service), newObj.(*corev1.Service)
	if prev.ResourceVersion == cur.ResourceVersion {
		return
	}
	name := strings.TrimSuffix(strings.TrimSuffix(cur.Name, "-stable"), "-canary")
	o.add(name, obs{Kind: obsService, Write: true})
}

func (o *observer) vsUpdated(oldObj, newObj any) {
	prev, cur := oldObj.(metav1.Object), newObj.(metav1.Object)
	if prev.GetResourceVersion() == cur.GetResourceVersion() {
		return
	}
	o.add(cur.GetName(), obs{Kind: obsVS, Write: true})
}

func ownerName(refs []metav1.OwnerReference) string {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			return r.Name
		}
	}
	return ""
}

// healthyOn reports whether a Rollout is Healthy on a given image: its status
// reflects the current spec, and the ReplicaSet of that spec is stable.
func healthyOn(ro *v1alpha1.Rollout, image string) bool {
	st := ro.Status
	return ro.Spec.Template.Spec.Containers[0].Image == image &&
		st.ObservedGeneration == ro.Generation && st.Phase == v1alpha1.RolloutPhaseHealthy &&
		st.StableRS != "" && st.StableRS == st.CurrentPodHash
}

// settled reports whether nothing is left to do after a wave: every Rollout is
// Healthy on image and only its stable ReplicaSet has pods.
func (o *observer) settled(namespace, image string, n int) (healthy, idle int) {
	stable := map[string]string{}
	ros, _ := o.rollouts.Rollouts(namespace).List(everything)
	for _, ro := range ros {
		if healthyOn(ro, image) {
			healthy++
			stable[ro.Name] = ro.Status.StableRS
		}
	}
	busy := map[string]bool{}
	for _, item := range o.rsStore.List() {
		rs := item.(*appsv1.ReplicaSet)
		owner := ownerName(rs.OwnerReferences)
		if rs.Labels[hashLabel] != stable[owner] && (rs.Status.Replicas > 0 || (rs.Spec.Replicas != nil && *rs.Spec.Replicas > 0)) {
			busy[owner] = true
		}
	}
	for name := range stable {
		if !busy[name] {
			idle++
		}
	}
	return healthy, idle
}
