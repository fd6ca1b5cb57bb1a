package main

import (
	"testing"
	"time"
)

func TestForgetBeforeKeepsOnlyTheWave(t *testing.T) {
	o := &observer{timeline: map[string][]obs{
		"deployed-only": {{At: time.Second, Kind: obsRollout}, {At: 2 * time.Second, Kind: obsRS}},
		"both":          {{At: time.Second, Kind: obsRollout}, {At: 5 * time.Second, Kind: obsPatch}, {At: 6 * time.Second, Kind: obsRS}},
	}}
	o.forgetBefore(3 * time.Second)
	if _, ok := o.timeline["deployed-only"]; ok {
		t.Error("a Rollout with nothing after the cut still has a timeline")
	}
	got := o.timeline["both"]
	if len(got) != 2 || got[0].Kind != obsPatch || got[1].Kind != obsRS {
		t.Errorf("kept %+v, want the patch and the ReplicaSet after the cut", got)
	}
	if cap(got) != len(got) {
		t.Errorf("kept slice has capacity %d for %d observations: the dropped ones' memory is still held", cap(got), len(got))
	}
}
