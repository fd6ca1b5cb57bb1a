package dashboard

import (
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// analysisPage is one AnalysisRun: per metric its chart, its counts against
// the limits that end it, where its numbers come from and its latest
// messages (analysis_page_view.go). It listens to the run's topic, so every
// new measurement redraws the body.
func (s *Server) analysisPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.analysisData(w, r)
	if !ok {
		return
	}
	s.renderPage(w, r, "analysis", page{Title: v.Name, Topic: analysisRunTopic(v.Namespace, v.Name), Data: v})
}

// analysisPart is the analysis page's live body.
func (s *Server) analysisPart(w http.ResponseWriter, r *http.Request) {
	v, ok := s.analysisData(w, r)
	if !ok {
		return
	}
	s.renderPart(w, "analysis", "analysis-body", v)
}

// analysisData reads the run from the cache and builds its page, or answers
// 404 with one line when the run is not there (or not in the namespaces the
// dashboard shows, or not readable by the user).
func (s *Server) analysisData(w http.ResponseWriter, r *http.Request) (analysisView, bool) {
	ns, name := r.PathValue("ns"), r.PathValue("name")
	run, err := s.catalog.analysisRun(ns, name)
	switch {
	case apierrors.IsNotFound(err) || !s.catalog.watches(ns):
		s.renderError(w, r, http.StatusNotFound, fmt.Sprintf("analysisrun %q not found in namespace %q", name, ns))
		return analysisView{}, false
	case err != nil:
		s.renderError(w, r, http.StatusInternalServerError, oneLine(err.Error()))
		return analysisView{}, false
	}
	return buildAnalysisView(run, s.clock.Now()), true
}
