package dashboard

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// debouncer turns a burst of notifications of one topic into one call of fire,
// delay after the first of them. A Rollout that changes ten times while the
// controller works one step is redrawn once, yet never later than delay after
// it first changed, however long the burst goes on.
type debouncer struct {
	clock clock.WithDelayedExecution
	delay time.Duration
	fire  func(topic string)

	mu      sync.Mutex
	pending map[string]bool
}

func newDebouncer(c clock.WithDelayedExecution, delay time.Duration, fire func(topic string)) *debouncer {
	return &debouncer{clock: c, delay: delay, fire: fire, pending: map[string]bool{}}
}

// notify schedules fire(topic) unless it is already scheduled.
func (d *debouncer) notify(topic string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending[topic] {
		return
	}
	d.pending[topic] = true
	d.clock.AfterFunc(d.delay, func() {
		d.mu.Lock()
		delete(d.pending, topic)
		d.mu.Unlock()
		d.fire(topic)
	})
}
