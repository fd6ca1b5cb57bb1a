package main

import "time"

// forgetBefore drops the observations stamped before at. The deploy's
// changes (about as many as the wave's) are never analysed: every derivation
// starts at a Rollout's own image patch. Each timeline gets a fresh slice, so
// the memory of what was dropped is freed rather than kept as capacity.
func (o *observer) forgetBefore(at time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for key, tl := range o.timeline {
		n := 0
		for _, ob := range tl {
			if ob.At >= at {
				n++
			}
		}
		if n == 0 {
			delete(o.timeline, key)
			continue
		}
		kept := make([]obs, 0, n)
		for _, ob := range tl {
			if ob.At >= at {
				kept = append(kept, ob)
			}
		}
		o.timeline[key] = kept
	}
}
