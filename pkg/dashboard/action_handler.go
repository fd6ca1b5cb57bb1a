package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/sluice-dev/sluice/pkg/actions"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// fieldManager names the dashboard in the managedFields of what it writes.
const fieldManager = "kubectl-sluice-dashboard"

// maxFormBytes bounds an action's form: a name, a container, an image.
const maxFormBytes = 16 << 10

// outcome is what an action did, for the page: one line, and its kind (ok,
// declined, error) for its colour.
type outcome struct {
	Kind, Text string
}

// act runs an action on a Rollout (POST /namespaces/{ns}/rollouts/{name}/{action})
// with the same code as the CLI's commands (pkg/actions), as the user, and
// records an Event naming the user. It answers the sentence that says what
// the action did (200), why it did nothing (409), what is wrong with the form
// (400), or the API server's refusal in one line (its status: 403 for RBAC).
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("ns"), r.PathValue("name")
	kind, ok := actionNamed(r.PathValue("action"))
	if !ok {
		s.answerAction(w, r, http.StatusNotFound, "error", fmt.Sprintf("no action %q (actions: promote, promote-full, abort, retry, pause, resume, restart, set-image, undo)", r.PathValue("action")))
		return
	}
	if !s.catalog.watches(ns) {
		s.answerAction(w, r, http.StatusNotFound, "error", fmt.Sprintf("namespace %q is not shown: the dashboard runs for namespace %q only", ns, s.cfg.Namespace))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.answerAction(w, r, http.StatusBadRequest, "error", "cannot read the form: "+oneLine(err.Error()))
		return
	}
	req, err := readActionForm(kind, name, r.PostForm, s.clock.Now())
	if err != nil {
		s.answerAction(w, r, http.StatusBadRequest, "error", err.Error())
		return
	}
	ro, done, err := s.runAction(r.Context(), ns, name, req)
	if err != nil {
		status, kindOf := actionFailure(err)
		s.answerAction(w, r, status, kindOf, oneLine(err.Error()))
		return
	}
	user := s.who.userName(r.Context())
	if err := s.recordAction(r.Context(), ro, kind.Name, user, done); err != nil {
		done += fmt.Sprintf(" (the Event recording it could not be written: %s)", oneLine(err.Error()))
	}
	s.answerAction(w, r, http.StatusOK, "ok", done)
}

// runAction reads the Rollout afresh (never acts on a cached copy) and
// applies the action's decision to it.
func (s *Server) runAction(ctx context.Context, ns, name string, req actionRequest) (*v1alpha1.Rollout, string, error) {
	ex := &actions.Executor{Sluice: s.cfg.Sluice, Kube: s.cfg.Kube, Namespace: ns, FieldManager: fieldManager}
	ro, err := ex.Rollout(ctx, name)
	if err != nil {
		return nil, "", err
	}
	decide := req.decide
	if req.kind.Name == "undo" {
		rss, err := ex.OwnedReplicaSets(ctx, ro)
		if err != nil {
			return nil, "", err
		}
		decide = actions.Undo(rss, req.undoRevision)
	}
	done, err := ex.Apply(ctx, ro, decide)
	return ro, done, err
}

// actionFailure is the HTTP status of an action that did not act, and its
// kind: declined (nothing to do, or refused in the Rollout's state: 409), the
// API server's answer (403 Forbidden from RBAC, 404, 409 Conflict, 422 ...),
// the API server out of reach (502), or a decision that refused the request
// against the Rollout as it is (no such container or revision: 409).
func actionFailure(err error) (int, string) {
	if _, declined := actions.IsDeclined(err); declined {
		return http.StatusConflict, "declined"
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Code >= 400 {
		return int(status.Status().Code), "error"
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
		return http.StatusBadGateway, "error"
	}
	return http.StatusConflict, "error"
}

// answerAction writes an action's outcome: a fragment for the page (htmx), a
// line of text for a script.
func (s *Server) answerAction(w http.ResponseWriter, r *http.Request, status int, kind, text string) {
	if r.Header.Get("HX-Request") == "true" {
		s.pages.render(w, status, "rollout", "outcome", outcome{Kind: kind, Text: text})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, text)
}
