package dashboard

import (
	"net/http"
)

// listPage is every Rollout watched, filtered by the query, live.
func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.listData(r)
	if err != nil {
		s.renderError(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	s.renderPage(w, r, "list", page{Title: "Rollouts", Topic: listTopic, Data: v})
}

// listPart is the list's table, for the live update and the filter form.
func (s *Server) listPart(w http.ResponseWriter, r *http.Request) {
	v, err := s.listData(r)
	if err != nil {
		s.renderError(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	s.renderPart(w, "list", "list-table", v)
}

func (s *Server) listData(r *http.Request) (listView, error) {
	ros, err := s.catalog.rollouts()
	if err != nil {
		return listView{}, err
	}
	return buildList(ros, filterFromQuery(r.URL.Query()), s.clock.Now(), s.cfg.Namespace == ""), nil
}
