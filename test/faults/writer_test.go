//go:build faults

package faults

import (
	"fmt"
	"sort"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestConflictingWriter: while four releases run, another client keeps
// editing what sluice owns: it scales the Rollouts' ReplicaSets down by one
// and points the canary and preview Services at the other ReplicaSet. (It
// leaves the Services that carry traffic alone, and never takes a
// ReplicaSet below one pod, so that it cannot break an invariant by itself.)
// Sluice restores what it owns and every release ends as its steps decide.
// It does so without a fight loop: once the releases have settled it writes
// nothing more to ReplicaSets or Services, and its writes to them after the
// writer stopped stay few.
func TestConflictingWriter(t *testing.T) {
	t.Parallel()
	s := newScenario(t)
	proxy := startAPIProxy(t, cluster)
	s.startController("a", "--kubeconfig="+proxy.kubeconfig)
	s.deploy(allKinds, nil)

	var stopped time.Time
	edits := 0
	s.run(func() {
		for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); {
			if s.conflictingEdit() {
				edits++
			}
			time.Sleep(between(s.rng, 100*time.Millisecond, 400*time.Millisecond))
		}
		stopped = time.Now()
	})
	if edits < 10 {
		t.Fatalf("the writer made only %d edits", edits)
	}
	// Settled also means the old ReplicaSets are gone to 0: the scale-down
	// delays are over and nothing is left to do.
	s.f.Eventually("every release is settled with its Services and ReplicaSets as sluice wants them", 60*time.Second, func() (bool, string) {
		for _, r := range s.releases {
			if ok, detail := r.restored(); !ok {
				return false, detail
			}
		}
		return true, ""
	})
	after := proxy.writesSince(stopped, toReplicaSetsOrServicesOf(s.releases))
	quietFrom := time.Now()
	s.f.Consistently("no write to a ReplicaSet or Service once settled", 5*time.Second, func() (bool, string) {
		w := proxy.writesSince(quietFrom, toReplicaSetsOrServicesOf(s.releases))
		return len(w) == 0, fmt.Sprint(w)
	})
	t.Logf("the writer made %d edits; sluice wrote %d times to ReplicaSets and Services after it stopped", edits, len(after))
	// Finishing four releases takes a few writes per ReplicaSet and Service
	// (about 20 objects); a fight loop would write several times a second.
	if len(after) > 60 {
		t.Errorf("sluice wrote %d times to ReplicaSets and Services after the writer stopped: %v", len(after), after)
	}
}

// conflictingEdit makes one edit to a random release's objects, and reports
// whether it made one.
func (s *scenario) conflictingEdit() bool {
	r := s.releases[s.rng.IntN(len(s.releases))]
	owned := r.g.ReplicaSets(r.name)
	var ready []string    // hashes with available pods
	var scalable []string // hashes with two pods or more
	for hash, rs := range owned {
		if rs.Status.AvailableReplicas > 0 {
			ready = append(ready, hash)
		}
		if rs.Spec.Replicas != nil && *rs.Spec.Replicas >= 2 {
			scalable = append(scalable, hash)
		}
	}
	// Map order is random; the seeded choice needs a stable order.
	sort.Strings(ready)
	sort.Strings(scalable)
	if s.rng.IntN(2) == 0 && len(scalable) > 0 {
		rs := owned[scalable[s.rng.IntN(len(scalable))]]
		patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, *rs.Spec.Replicas-1)
		_, err := r.g.Kube.AppsV1().ReplicaSets(r.g.Namespace).Patch(r.g.Ctx, rs.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		return err == nil
	}
	svc := "web-canary"
	if r.kind == blueGreen {
		svc = "bg-preview"
	}
	current := r.g.ServiceSelects(svc)
	for _, hash := range ready {
		if hash != current {
			patch := fmt.Sprintf(`{"spec":{"selector":{%q:%q}}}`, "sluice.dev/pod-template-hash", hash)
			_, err := r.g.Kube.CoreV1().Services(r.g.Namespace).Patch(r.g.Ctx, svc, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
			return err == nil
		}
	}
	return false
}

// restored: the release is settled, every Service selects the new stable
// ReplicaSet, which has all the replicas, and the old one has none.
func (r *release) restored() (bool, string) {
	ok, desc := r.settled()
	if !ok {
		return false, desc
	}
	ro := r.g.Rollout(r.name)
	services := []string{"web-stable", "web-canary"}
	if r.kind == blueGreen {
		services = []string{"bg-active", "bg-preview"}
	}
	for _, svc := range services {
		if got := r.g.ServiceSelects(svc); got != ro.Status.StableRS {
			return false, fmt.Sprintf("%s/%s selects %q, want the stable %q", r.g.Namespace, svc, got, ro.Status.StableRS)
		}
	}
	for hash, rs := range r.g.ReplicaSets(r.name) {
		want := int32(0)
		if hash == ro.Status.StableRS {
			want = *ro.Spec.Replicas
		}
		if rs.Spec.Replicas == nil || *rs.Spec.Replicas != want {
			return false, fmt.Sprintf("%s/%s has spec.replicas %v, want %d", r.g.Namespace, rs.Name, rs.Spec.Replicas, want)
		}
	}
	return true, ""
}
