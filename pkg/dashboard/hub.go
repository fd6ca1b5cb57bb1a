package dashboard

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// hub passes changes from the informers to the event streams: notify marks
// topics changed; after the debounce delay every subscription of a topic gets
// one signal.
type hub struct {
	debounce *debouncer

	mu   sync.Mutex
	subs map[string]map[*subscription]struct{}
}

// subscription is one event stream's interest in a topic. C holds at most one
// signal: changes that come while the stream is still writing the last one
// are one change to it.
type subscription struct {
	topic string
	C     chan struct{}
}

func newHub(c clock.WithDelayedExecution, delay time.Duration) *hub {
	h := &hub{subs: map[string]map[*subscription]struct{}{}}
	h.debounce = newDebouncer(c, delay, h.publish)
	return h
}

func (h *hub) subscribe(topic string) *subscription {
	s := &subscription{topic: topic, C: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[topic] == nil {
		h.subs[topic] = map[*subscription]struct{}{}
	}
	h.subs[topic][s] = struct{}{}
	return s
}

func (h *hub) unsubscribe(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[s.topic], s)
	if len(h.subs[s.topic]) == 0 {
		delete(h.subs, s.topic)
	}
}

// notify marks topics changed. A topic no one listens to costs nothing: with
// 1,000 Rollouts most changes concern no open page.
func (h *hub) notify(topics ...string) {
	for _, t := range topics {
		if t == "" {
			continue
		}
		h.mu.Lock()
		listened := len(h.subs[t]) > 0
		h.mu.Unlock()
		if listened {
			h.debounce.notify(t)
		}
	}
}

// publish signals every subscription of a topic, never blocking on one.
func (h *hub) publish(topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[topic] {
		select {
		case s.C <- struct{}{}:
		default:
		}
	}
}
