package dashboard

import (
	"fmt"
	"net/http"
)

// events is a page's Server-Sent Events stream (GET /events?topic=T): one
// "changed" event each time, debounced, something the page shows changed; the
// page then fetches its live part again. A Rollout page's stream also keeps
// the watch of that Rollout's ReplicaSets, pods and Events running.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	topic := r.URL.Query().Get("topic")
	if !validTopic(topic) {
		http.Error(w, fmt.Sprintf("no topic %q: a page listens to \"list\", \"rollout/NS/NAME\" or \"analysisrun/NS/NAME\"", topic), http.StatusBadRequest)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "this connection cannot stream events", http.StatusInternalServerError)
		return
	}
	if ns, name, ok := parseRolloutTopic(topic); ok {
		ro, status, err := s.cachedRollout(ns, name)
		if err != nil {
			http.Error(w, err.Error(), status)
			return
		}
		_, release := s.details.acquire(ro)
		defer release()
	}
	sub := s.hub.subscribe(topic)
	defer s.hub.unsubscribe(sub)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	// retry: how soon the browser reconnects after the stream broke.
	fmt.Fprint(w, "retry: 2000\n: listening to "+topic+"\n\n")
	flusher.Flush()

	heartbeat := s.clock.NewTicker(s.cfg.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sub.C:
			fmt.Fprint(w, "event: changed\ndata: "+topic+"\n\n")
		case <-heartbeat.C():
			fmt.Fprint(w, ": still here\n\n")
		}
		flusher.Flush()
	}
}
