package dashboard

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// details watches the ReplicaSets, pods and Events of the Rollouts whose page
// is open, and only those: the list never needs them, and watching every pod
// of 1,000 Rollouts for a page no one looks at would cost the API server and
// the user's machine for nothing. A watch starts when a page or its event
// stream asks for it and stops idle after the last of them let go.
type details struct {
	ctx    context.Context // the dashboard's life
	kube   kubernetes.Interface
	clock  clock.WithDelayedExecution
	idle   time.Duration
	notify func(topics ...string)

	mu      sync.Mutex
	watches map[detailKey]*detailWatch
}

type detailKey struct{ namespace, name string }

// detailWatch is the informers of one Rollout. Its listers are nil for a kind
// the user may not list; missing says which.
type detailWatch struct {
	stop     context.CancelFunc
	ready    chan struct{} // closed once the caches are filled (or given up on)
	refs     int
	idleStop clock.Timer

	replicaSets appslisters.ReplicaSetLister
	pods        corelisters.PodLister
	events      corelisters.EventLister
	missing     []string
}

func newDetails(ctx context.Context, kube kubernetes.Interface, c clock.WithDelayedExecution, idle time.Duration, notify func(...string)) *details {
	return &details{ctx: ctx, kube: kube, clock: c, idle: idle, notify: notify, watches: map[detailKey]*detailWatch{}}
}

// acquire returns the watch of a Rollout, starting it if needed, and the func
// that lets go of it. Wait on it before reading its listers.
func (d *details) acquire(ro *v1alpha1.Rollout) (*detailWatch, func()) {
	key := detailKey{ro.Namespace, ro.Name}
	d.mu.Lock()
	defer d.mu.Unlock()
	w, ok := d.watches[key]
	if !ok {
		ctx, stop := context.WithCancel(d.ctx)
		w = &detailWatch{stop: stop, ready: make(chan struct{})}
		d.watches[key] = w
		go w.start(ctx, d.kube, ro, func() { d.notify(rolloutTopic(key.namespace, key.name)) })
	}
	w.refs++
	if w.idleStop != nil {
		w.idleStop.Stop()
		w.idleStop = nil
	}
	var once sync.Once
	return w, func() { once.Do(func() { d.release(key, w) }) }
}

// release lets go of a watch; the last one out starts the idle countdown.
func (d *details) release(key detailKey, w *detailWatch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w.refs--; w.refs > 0 {
		return
	}
	w.idleStop = d.clock.AfterFunc(d.idle, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if w.refs == 0 && d.watches[key] == w {
			w.stop()
			delete(d.watches, key)
		}
	})
}

// running is how many Rollouts are watched (for tests).
func (d *details) running() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.watches)
}

// wait blocks until the caches are filled or ctx ends.
func (w *detailWatch) wait(ctx context.Context) error {
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start runs the informers of one Rollout's objects: the ReplicaSets and pods
// its selector matches and the Events about it.
func (w *detailWatch) start(ctx context.Context, kube kubernetes.Interface, ro *v1alpha1.Rollout, changed func()) {
	defer close(w.ready)
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		selector = nil // no ReplicaSets or pods to watch; the page says why (snapshotOf)
	}
	ns := ro.Namespace
	bySelector := kubeinformers.NewSharedInformerFactoryWithOptions(kube, 0, kubeinformers.WithNamespace(ns),
		kubeinformers.WithTweakListOptions(func(o *metav1.ListOptions) {
			if selector != nil {
				o.LabelSelector = selector.String()
			}
		}))
	aboutIt := kubeinformers.NewSharedInformerFactoryWithOptions(kube, 0, kubeinformers.WithNamespace(ns),
		kubeinformers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.Set{"involvedObject.kind": "Rollout", "involvedObject.name": ro.Name}.String()
		}))
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { changed() },
		UpdateFunc: func(any, any) { changed() },
		DeleteFunc: func(any) { changed() },
	}
	var synced []cache.InformerSynced
	watch := func(kind string, list func() error, inf cache.SharedIndexInformer) bool {
		if err := list(); err != nil {
			w.missing = append(w.missing, missingText(kind, ns, err))
			return false
		}
		if _, err := inf.AddEventHandler(handler); err != nil {
			w.missing = append(w.missing, missingText(kind, ns, err))
			return false
		}
		synced = append(synced, inf.HasSynced)
		return true
	}
	probe := metav1.ListOptions{Limit: 1}
	if selector != nil {
		rs, pods := bySelector.Apps().V1().ReplicaSets(), bySelector.Core().V1().Pods()
		if watch("ReplicaSets", func() error { _, err := kube.AppsV1().ReplicaSets(ns).List(ctx, probe); return err }, rs.Informer()) {
			w.replicaSets = rs.Lister()
		}
		if watch("pods", func() error { _, err := kube.CoreV1().Pods(ns).List(ctx, probe); return err }, pods.Informer()) {
			w.pods = pods.Lister()
		}
	}
	events := aboutIt.Core().V1().Events()
	if watch("Events", func() error { _, err := kube.CoreV1().Events(ns).List(ctx, probe); return err }, events.Informer()) {
		w.events = events.Lister()
	}
	bySelector.Start(ctx.Done())
	aboutIt.Start(ctx.Done())
	cache.WaitForCacheSync(ctx.Done(), synced...)
}

// missingText says why a kind is not shown.
func missingText(kind, namespace string, err error) string {
	if apierrors.IsForbidden(err) {
		return fmt.Sprintf("you may not list %s in namespace %q: none shown", kind, namespace)
	}
	return fmt.Sprintf("cannot list %s in namespace %q (%s): none shown", kind, namespace, oneLine(err.Error()))
}

// eventsOf is the Events about a Rollout, newest first.
func (w *detailWatch) eventsOf(ro *v1alpha1.Rollout) []*corev1.Event {
	if w.events == nil {
		return nil
	}
	all, err := w.events.Events(ro.Namespace).List(everything)
	if err != nil {
		return nil
	}
	var mine []*corev1.Event
	for _, e := range all {
		if e.InvolvedObject.UID == "" || e.InvolvedObject.UID == ro.UID {
			mine = append(mine, e)
		}
	}
	sortEventsNewestFirst(mine)
	return mine
}
