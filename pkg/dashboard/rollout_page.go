package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
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
	snap, err := s.snapshotOf(ro, watch)
	if err != nil {
		return rolloutView{}, http.StatusInternalServerError, err
	}
	perms := s.who.permissionsIn(ctx, namespace)
	return buildRolloutView(snap, watch.eventsOf(ro), watch.missing, perms, s.cfg.ReadOnly), http.StatusOK, nil
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

// snapshotOf gathers a Rollout's objects from the caches the way `get
// rollout` does: the ReplicaSets and AnalysisRuns it controls, and the pods
// its selector matches.
func (s *Server) snapshotOf(ro *v1alpha1.Rollout, watch *detailWatch) (view.Snapshot, error) {
	snap := view.Snapshot{Rollout: ro, Now: s.clock.Now()}
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return snap, nil // the page says the selector is invalid (watch.missing)
	}
	if watch.replicaSets != nil {
		rss, err := watch.replicaSets.ReplicaSets(ro.Namespace).List(selector)
		if err != nil {
			return snap, err
		}
		snap.ReplicaSets = controlled(rss, ro)
	}
	if watch.pods != nil {
		pods, err := watch.pods.Pods(ro.Namespace).List(selector)
		if err != nil {
			return snap, err
		}
		snap.Pods = pods
	}
	if snap.AnalysisRuns, err = s.catalog.analysisRunsOf(ro); err != nil {
		return snap, err
	}
	return snap, nil
}

// controlled keeps the ReplicaSets the Rollout controls.
func controlled(rss []*appsv1.ReplicaSet, ro *v1alpha1.Rollout) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if ref := metav1.GetControllerOf(rs); ref != nil && ref.UID == ro.UID {
			out = append(out, rs)
		}
	}
	return out
}
