package main

import (
	"cmp"
	"fmt"
	"slices"
)

// HashTarget is one target as GET /hashes shows it.
type HashTarget struct {
	hashKey
	HashSettings
}

// ApplyHashes changes several targets at once: all are checked first, so a
// bad one changes nothing, and all change under one lock, so targets seeded
// by the same call start in step.
func (s *Simulator) ApplyHashes(reqs []hashRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make([]HashSettings, len(reqs))
	seen := map[hashKey]bool{}
	for i, r := range reqs {
		if err := r.hashKey.validate(); err != nil {
			return err
		}
		if seen[r.hashKey] {
			return fmt.Errorf("target %s is listed twice", r.hashKey)
		}
		seen[r.hashKey] = true
		current := defaultHashSettings(s.defaults)
		if t := s.hashes[r.hashKey]; t != nil {
			current = t.HashSettings
		}
		next[i] = r.merge(current)
		if err := next[i].validate(); err != nil {
			return fmt.Errorf("target %s: %v", r.hashKey, err)
		}
	}
	for i, r := range reqs {
		t := s.hashes[r.hashKey]
		switch {
		case t == nil:
			s.hashes[r.hashKey] = newHashTarget(next[i])
			s.hashMetrics.create(r.hashKey)
		case r.Seed != nil:
			t.HashSettings = next[i]
			t.restart()
		default:
			if next[i].ErrorRate != t.ErrorRate {
				t.errDebt = 0
			}
			t.HashSettings = next[i]
		}
	}
	return nil
}

// HashTargets lists the targets, ordered by namespace, service and hash.
func (s *Simulator) HashTargets() []HashTarget {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]HashTarget, 0, len(s.hashes))
	for k, t := range s.hashes {
		out = append(out, HashTarget{hashKey: k, HashSettings: t.HashSettings})
	}
	slices.SortFunc(out, func(a, b HashTarget) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Service, b.Service), cmp.Compare(a.Hash, b.Hash))
	})
	return out
}

// DeleteHashes stops the targets that match every non-empty field of filter
// and drops their series, so Prometheus sees them end. It returns how many.
func (s *Simulator) DeleteHashes(filter hashKey) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteHashesLocked(filter)
}

func (s *Simulator) deleteHashesLocked(filter hashKey) int {
	matches := func(k hashKey) bool {
		return (filter.Namespace == "" || k.Namespace == filter.Namespace) &&
			(filter.Service == "" || k.Service == filter.Service) &&
			(filter.Hash == "" || k.Hash == filter.Hash)
	}
	var gone []hashKey
	for k := range s.hashes {
		if matches(k) {
			gone = append(gone, k)
		}
	}
	for _, k := range gone {
		delete(s.hashes, k)
	}
	for _, k := range gone {
		s.hashMetrics.remove(k, s.clusterInUseLocked(envoyCluster(k)))
	}
	return len(gone)
}

func (s *Simulator) clusterInUseLocked(cluster string) bool {
	for k := range s.hashes {
		if envoyCluster(k) == cluster {
			return true
		}
	}
	return false
}

// stepHashesLocked adds dt seconds of every target's traffic.
func (s *Simulator) stepHashesLocked(dt float64) {
	for k, t := range s.hashes {
		s.hashMetrics.record(k, t.advance(dt))
	}
}
