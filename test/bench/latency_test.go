package main

import (
	"testing"
	"time"
)

// A plain Rollout's wave, written out by hand: patch at 0 ms; new ReplicaSet
// at 20; canary scaled at 30 (status shows step 0 at 35), available at 300;
// step 1 (pause) shown at 340; the pause ends with a scale-up at 1360;
// everything available at 1600; Healthy at 1650.
func plainWave() []obs {
	at := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	ro := func(ms, step int, paused bool, phase, stable string) obs {
		return obs{At: at(ms), Kind: obsRollout, Write: true, Gen: 2, ObsGen: 2, Phase: phase, Step: step, PodHash: "new", Stable: stable, Paused: paused}
	}
	rs := func(ms int, hash string, replicas int32, full, write bool) obs {
		return obs{At: at(ms), Kind: obsRS, Hash: hash, Replicas: replicas, Full: full, Write: write}
	}
	created := rs(20, "new", 0, false, true)
	created.Created = true
	return []obs{
		{At: 0, Kind: obsPatch},
		created,
		rs(30, "new", 1, false, true),
		ro(35, 0, false, "Progressing", "old"),
		rs(300, "new", 1, true, false),
		rs(310, "old", 1, false, true), // stable side shrinks for 50%
		rs(330, "old", 1, true, false),
		ro(340, 1, true, "Paused", "old"),
		rs(1360, "new", 2, false, true),
		ro(1370, 2, false, "Progressing", "old"),
		rs(1400, "old", 0, false, true),
		rs(1600, "old", 0, true, false),
		rs(1600, "new", 2, true, false),
		ro(1650, 3, false, "Healthy", "new"),
	}
}

func TestAnalyseWave(t *testing.T) {
	a := analyseWave(map[string][]obs{"ro": plainWave()}, map[string]rolloutWave{"ro": {kind: kindPlain, oldHash: "old"}})
	if a.NotHealthy != 0 || a.UpdateToHealthy.P50 != 1.65 {
		t.Errorf("update → Healthy = %+v (not healthy %d), want 1.65 s", a.UpdateToHealthy, a.NotHealthy)
	}
	want := map[string]float64{
		"image changed → new ReplicaSet created":            20,
		"ReplicaSet status (setWeight 50) → step complete":  10, // 330 → 340
		"pause 1s ended → next write":                       20, // 340 + 1000 → 1360
		"ReplicaSet status (setWeight 100) → step complete": 50, // 1600 → 1650
		"last step complete → Healthy (promotion)":          0,
	}
	got := map[string]float64{}
	for _, r := range a.Reactions {
		got[r.Trigger+" → "+r.Action] = r.Ms.P50
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v ms", k, g, ok, v)
		}
	}
	if a.PodsReady.Count != 2 {
		t.Errorf("pods ready samples = %d, want 2 (canary, then the new ReplicaSet at full size; scale-downs do not count)", a.PodsReady.Count)
	}
	writes := map[string]float64{}
	for _, w := range a.Writes {
		writes[w.Step+" "+w.Object] = w.PerRollout
	}
	for k, v := range map[string]float64{"start replicaset": 2, "start rollout": 1, "setWeight 50 replicaset": 1, "setWeight 50 rollout": 1,
		"pause 1s replicaset": 1, "pause 1s rollout": 1, "setWeight 100 replicaset": 1, "setWeight 100 rollout": 1} {
		if writes[k] != v {
			t.Errorf("writes %q = %v, want %v (all: %v)", k, writes[k], v, writes)
		}
	}
}

func TestPunctuality(t *testing.T) {
	s := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	records := []queryRecord{
		{Key: "r1", Received: s(100), Answered: s(110)},
		{Key: "r1", Received: s(1130), Answered: s(1140)}, // 20 ms late
		{Key: "r1", Received: s(1940), Answered: s(1950)}, // 200 ms early
		{Key: "other", Received: s(0), Answered: s(1)},    // not a run of this bench
	}
	res := punctuality(records, map[string]time.Duration{"r1": s(50)}, time.Second)
	if res.Queries != 3 || res.Lateness.Count != 2 || res.Lateness.Max != 20 || res.Lateness.Min != -200 || res.Early != 1 || res.First.P50 != 50 {
		t.Errorf("punctuality = %+v", res)
	}
}
