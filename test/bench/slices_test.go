package main

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestSliceObsReadsTheReadyPodsHashes(t *testing.T) {
	ep := func(pod string, ready bool) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: pod}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready)}}
	}
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{discoveryv1.LabelServiceName: "ro-00001-stable"}},
		Endpoints:  []discoveryv1.Endpoint{ep("ro-00001-new-abcde", true), ep("ro-00001-old-fghij", false), ep("ro-00001-new-klmno", true)},
	}
	rollout, ob, ok := sliceObs(s)
	if !ok || rollout != "ro-00001" || ob.Name != "stable" || ob.Hash != "new" {
		t.Errorf("sliceObs = %q, %+v, %v; want ro-00001, stable on the ready pods' hash new", rollout, ob, ok)
	}
	s.Labels[discoveryv1.LabelServiceName] = "kubernetes"
	if _, _, ok := sliceObs(s); ok {
		t.Error("a slice of a Service that is no Rollout's: observed")
	}
}

// TestStableEndpointsMovedIsTheNextWrite: the promotion's reaction is timed
// from the slice change that shows the stable Service on the new pods alone
// (not an earlier one still listing old pods) to the controller's next write.
func TestStableEndpointsMovedIsTheNextWrite(t *testing.T) {
	at := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	r := &rolloutTimeline{w: rolloutWave{kind: kindIstio}, newHash: "new", obs: []obs{
		{At: at(100), Kind: obsRollout, Write: true, Step: 3, PodHash: "new"},
		{At: at(120), Kind: obsService, Write: true},
		{At: at(300), Kind: obsSlice, Name: "stable", Hash: "new,old"},
		{At: at(450), Kind: obsSlice, Name: "stable", Hash: "new"},
		{At: at(470), Kind: obsRun, Write: true},
		{At: at(480), Kind: obsVS, Write: true},
	}}
	s := &sampleSet{}
	r.stableEndpointsMoved(s, at(100))
	if len(s.keys) != 1 || len(s.samples[s.keys[0]]) != 1 || s.samples[s.keys[0]][0] != 30 {
		t.Errorf("reactions = %+v, want one of 30 ms (450 → 480)", s.samples)
	}
}

// TestRoutedPromotionIsASpanLeftOutOfTheWorst: a promotion that waited for the
// stable Service's slices holds the EndpointSlice controller's time, so the
// "worst p95 event → action" is taken from the controller's own reactions,
// the endpoints row among them.
func TestRoutedPromotionIsASpanLeftOutOfTheWorst(t *testing.T) {
	at := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	r := &rolloutTimeline{w: rolloutWave{kind: kindIstio}, newHash: "new", healthy: at(480), obs: []obs{
		{At: at(100), Kind: obsRollout, Write: true, Step: 3, PodHash: "new"},
		{At: at(450), Kind: obsSlice, Name: "stable", Hash: "new"},
		{At: at(480), Kind: obsVS, Write: true},
	}}
	r.reached = []time.Duration{at(0), at(10), at(20), at(100)}
	s := &sampleSet{}
	r.reactions(s)
	var rows []reaction
	for _, k := range s.keys {
		k.Ms = distOf(s.samples[k])
		rows = append(rows, k)
	}
	worst := worstReaction(rows)
	if worst == nil || worst.Span || worst.Trigger != "stable Service's endpoints on the new pods" || worst.Ms.P95 != 30 {
		t.Fatalf("worst = %+v, want the endpoints row (30 ms), not the 380 ms promotion span; rows %+v", worst, rows)
	}
	spans := 0
	for _, row := range rows {
		if row.Span {
			spans++
			if row.Ms.P95 != 380 {
				t.Errorf("promotion span = %v ms, want 380 (100 → 480)", row.Ms.P95)
			}
		}
	}
	if spans != 1 {
		t.Errorf("%d span rows, want the promotion alone", spans)
	}
}
