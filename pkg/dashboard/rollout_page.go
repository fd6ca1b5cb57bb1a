package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/sluice-dev/sluice/pkg/actions"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/pkg/view/source"
)

// detailWait is how long a Rollout page waits for its ReplicaSets and pods to
// be read the first time.
const detailWait = 10 * time.Second

// rolloutPage is one Rollout: what `get rollout` shows, its steps,
// conditions, Events and the actions.
func (s *Server) rolloutPage(w http.ResponseWriter, r *http.Request) {
	v, status, err := s.rolloutData(r.Context(), r.PathValue("ns"), r.PathValue("name"))
	if err != nil {
		s.renderError(w, r, status, err.Error())
		return
	}
	s.renderPage(w, r, "rollout", page{Title: v.Name, Topic: rolloutTopic(v.Namespace, v.Name), Data: v})
}

// rolloutPart is the Rollout page's live body.
func (s *Server) rolloutPart(w http.ResponseWriter, r *http.Request) {
	v, status, err := s.rolloutData(r.Context(), r.PathValue("ns"), r.PathValue("name"))
	if err != nil {
		s.renderError(w, r, status, err.Error())
		return
	}
	s.renderPart(w, "rollout", "rollout-body", v)
}

// rolloutData reads a Rollout page's data from the caches, starting the
// watch of its ReplicaSets, pods and Events if no page has it open.
func (s *Server) rolloutData(ctx context.Context, namespace, name string) (rolloutView, int, error) {
	ro, status, err := s.cachedRollout(namespace, name)
	if err != nil {
		return rolloutView{}, status, err
	}
	watch, release := s.details.acquire(ro)
	defer release()
	waitCtx, cancel := context.WithTimeout(ctx, detailWait)
	defer cancel()
	if err := watch.wait(waitCtx); err != nil {
		return rolloutView{}, http.StatusGatewayTimeout, fmt.Errorf("the ReplicaSets and pods of rollout %q are still being read; reload in a moment", name)
	}
	snap, unread := s.snapshotOf(ctx, ro, watch)
	perms := s.who.permissionsIn(ctx, namespace)
	return buildRolloutView(snap, watch.eventsOf(ro), append(unread, watch.missing...), perms, s.cfg.ReadOnly), http.StatusOK, nil
}

// cachedRollout is a Rollout from the cache, or why there is none (with its
// HTTP status).
func (s *Server) cachedRollout(namespace, name string) (*v1alpha1.Rollout, int, error) {
	if !s.catalog.watches(namespace) {
		return nil, http.StatusNotFound, fmt.Errorf("namespace %q is not shown: the dashboard runs for namespace %q only", namespace, s.cfg.Namespace)
	}
	ro, err := s.catalog.rollout(namespace, name)
	if apierrors.IsNotFound(err) {
		return nil, http.StatusNotFound, fmt.Errorf("rollout %q not found in namespace %q", name, namespace)
	}
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	return ro, http.StatusOK, nil
}

// snapshotOf reads a Rollout's objects from the caches with the code `get
// rollout` reads them with (source.Load): the ReplicaSets and AnalysisRuns it
// controls and the pods its selector matches. When that fails (an invalid
// selector) the page shows the Rollout alone and says why.
func (s *Server) snapshotOf(ctx context.Context, ro *v1alpha1.Rollout, watch *detailWatch) (view.Snapshot, []string) {
	snap, err := source.Load(ctx, cachedObjects{s.catalog, watch, ro.Namespace}, ro.Name, s.clock.Now())
	if err != nil {
		return view.Snapshot{Rollout: ro, Now: s.clock.Now()}, []string{oneLine(err.Error())}
	}
	return snap, nil
}

// cachedObjects is a source.Source on the dashboard's caches: the catalog's
// Rollouts and AnalysisRuns, and the open Rollout's ReplicaSets and pods.
// A kind the user may not list reads as none (the page says so).
type cachedObjects struct {
	catalog   *catalog
	watch     *detailWatch
	namespace string
}

var _ source.Source = cachedObjects{}

func (c cachedObjects) Rollout(_ context.Context, name string) (*v1alpha1.Rollout, error) {
	ro, err := c.catalog.rollout(c.namespace, name)
	if err != nil {
		return nil, actions.RolloutError(c.namespace, name, err)
	}
	return ro, nil
}

func (c cachedObjects) ReplicaSets(_ context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*appsv1.ReplicaSet, error) {
	if c.watch.replicaSets == nil {
		return nil, nil
	}
	return c.watch.replicaSets.ReplicaSets(ro.Namespace).List(selector)
}

func (c cachedObjects) Pods(_ context.Context, ro *v1alpha1.Rollout, selector labels.Selector) ([]*corev1.Pod, error) {
	if c.watch.pods == nil {
		return nil, nil
	}
	return c.watch.pods.Pods(ro.Namespace).List(selector)
}

func (c cachedObjects) AnalysisRuns(_ context.Context, ro *v1alpha1.Rollout) ([]*v1alpha1.AnalysisRun, error) {
	return c.catalog.analysisRunsOf(ro)
}
