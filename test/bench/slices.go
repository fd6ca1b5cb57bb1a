package main

import (
	"sort"
	"strings"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// obsSlice is a change of an EndpointSlice of a Rollout's stable or canary
// Service (EndpointSlice controller's write). A routed promotion waits for the
// stable Service's slices to list only the new pods (SPEC §2.7 rule 2): that,
// not the controller's own last step, is the event its next write reacts to.
const obsSlice = "endpointslice"

// sliceObs describes a slice by its Service's role and the pod-template
// hashes of its ready endpoints, read from the pods' names
// (<rollout>-<hash>-<suffix>).
func sliceObs(s *discoveryv1.EndpointSlice) (rollout string, ob obs, ok bool) {
	svc := s.Labels[discoveryv1.LabelServiceName]
	role := ""
	switch {
	case strings.HasSuffix(svc, "-stable"):
		role = "stable"
	case strings.HasSuffix(svc, "-canary"):
		role = "canary"
	default:
		return "", obs{}, false
	}
	rollout = strings.TrimSuffix(svc, "-"+role)
	seen := map[string]bool{}
	for _, ep := range s.Endpoints {
		if ep.TargetRef == nil || ep.Conditions.Ready == nil || !*ep.Conditions.Ready {
			continue
		}
		if hash, _, found := strings.Cut(strings.TrimPrefix(ep.TargetRef.Name, rollout+"-"), "-"); found {
			seen[hash] = true
		}
	}
	hashes := make([]string, 0, len(seen))
	for h := range seen {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	return rollout, obs{Kind: obsSlice, Name: role, Hash: strings.Join(hashes, ",")}, true
}

func (o *observer) sliceChanged(obj any) {
	s, isSlice := obj.(*discoveryv1.EndpointSlice)
	if !isSlice {
		return
	}
	if rollout, ob, ok := sliceObs(s); ok {
		o.add(rollout, ob)
	}
}

// stableEndpointsMoved measures a routed promotion's reaction: from the first
// slice change after the given time that shows the stable Service on the new
// pods alone, to the controller's next write. It reports whether the slices
// moved at all (Rollouts without a stable Service have none).
func (r *rolloutTimeline) stableEndpointsMoved(s *sampleSet, after time.Duration) bool {
	moved := r.first(func(o obs) bool {
		return o.At >= after && o.Kind == obsSlice && o.Name == "stable" && o.Hash == r.newHash
	})
	if moved < 0 {
		return false
	}
	if next := r.first(func(o obs) bool { return o.At >= moved && o.Write && o.Kind != obsRun }); next >= 0 {
		s.add(101, r.w.kind, "stable Service's endpoints on the new pods", "next write", next-moved)
	}
	return true
}
