package main

import (
	"testing"
	"time"
)

func TestWatchLagStartsAtThePatchResponse(t *testing.T) {
	at := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	wave := map[string]rolloutWave{
		"a": {sent: at(100), done: at(110)},
		"b": {sent: at(100), done: at(130)},
	}
	timelines := map[string][]obs{
		"a": {
			{At: at(50), Kind: obsRollout, Gen: 1},               // the first deploy's, before the patch
			{At: at(110), Kind: obsPatch},                        // the bench's own stamp
			{At: at(112), Kind: obsRollout, Write: true, Gen: 1}, // a status write racing the patch
			{At: at(135), Kind: obsRollout, Gen: 2},              // the new generation: 25 ms after the response
			{At: at(140), Kind: obsRollout, Gen: 3},
		},
		"b": {
			{At: at(128), Kind: obsRollout, Gen: 2}, // the watch overtook the response by 2 ms
		},
	}
	lag, patch := watchLag(timelines, wave)
	if lag.Count != 2 || lag.Min != -2 || lag.Max != 25 {
		t.Errorf("watch lag %+v, want 2 samples from -2 to 25 ms", lag)
	}
	if patch.Count != 2 || patch.Min != 10 || patch.Max != 30 {
		t.Errorf("patch round trip %+v, want 2 samples from 10 to 30 ms", patch)
	}
}

func TestBreakdownShowsThePhaseOnly(t *testing.T) {
	bounds := []float64{0.01, 0.05, 0.1}
	a, b := emptySnapshot(), emptySnapshot()
	a.queueWait["rollouts"] = hist(bounds, []float64{5, 5, 5}, 0.01)
	b.queueWait["rollouts"] = hist(bounds, []float64{5, 15, 25}, 0.01+1.2)
	b.queueWait["analysisruns"] = hist(bounds, []float64{0, 0, 0}, 0) // idle queue
	b.clientLatency["update rollouts.sluice.dev/status"] = hist(bounds, []float64{0, 4, 4}, 0.1)
	b.clientLatency["watch replicasets.apps"] = hist(bounds, []float64{3, 3, 3}, 0)
	b.staleRetries["rollout"] = 3
	a.staleRetries["service"], b.staleRetries["service"] = 2, 2
	a.ownWriteReads["rollout"], b.ownWriteReads["rollout"] = 4, 9
	sa := serverLatency{benchImagePatch: hist(bounds, []float64{1, 1, 1}, 0.001)}
	sb := serverLatency{
		benchImagePatch:                     hist(bounds, []float64{1, 11, 11}, 0.001+0.2),
		"update rollouts.sluice.dev/status": hist(bounds, []float64{6, 6, 6}, 0.03),
	}

	bd := breakdownBetween(a, b, sa, sb, 10)
	if len(bd.QueueWait) != 1 || bd.QueueWait["rollouts"].Count != 20 || bd.QueueWait["rollouts"].Mean != 60 {
		t.Errorf("queue wait %+v, want the rollouts queue's 20 waits of 60 ms mean", bd.QueueWait)
	}
	if bd.OwnWriteReadsPerRollout != 0.5 || bd.OwnWriteReads["rollout"] != 5 {
		t.Errorf("own-write reads %v (%v per Rollout), want 5 on the rollout in the phase", bd.OwnWriteReads, bd.OwnWriteReadsPerRollout)
	}
	if bd.StaleRetriesPerRollout != 0.3 || len(bd.StaleRetries) != 1 {
		t.Errorf("stale retries %v (%v per Rollout), want 3 on the rollout in the phase", bd.StaleRetries, bd.StaleRetriesPerRollout)
	}
	got := map[string]requestLatency{}
	for _, rl := range bd.Requests {
		got[rl.Verb+" "+rl.Resource] = rl
	}
	if len(got) != 2 {
		t.Fatalf("requests %+v, want the status update and the bench's patch (no watches)", bd.Requests)
	}
	if st := got["update rollouts.sluice.dev/status"]; st.Controller.Count != 4 || st.APIServer.Count != 6 || !st.isWrite() {
		t.Errorf("status update %+v, want 4 timed by the controller, 6 by the API server", st)
	}
	if p := got[benchImagePatch]; p.Controller.Count != 0 || p.APIServer.Count != 10 || p.APIServer.Mean != 20 {
		t.Errorf("the bench's patch %+v, want 10 by the API server at 20 ms mean", p)
	}

	blind := breakdownBetween(a, b, nil, sb, 10)
	if blind.ServerScraped || blind.Requests[0].APIServer.Count != 0 {
		t.Errorf("without the API server's first scrape the server columns must stay empty: %+v", blind)
	}
}
