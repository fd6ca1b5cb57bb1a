package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// markdown renders the report as the tables docs/benchmarks.md keeps.
func (r *report) markdown() string {
	var b strings.Builder
	s := r.Settings
	fmt.Fprintf(&b, "## %s, N=%d, QPS %g / burst %d (%s)\n\n", r.Mode, s.N, s.QPS, s.Burst, r.Date.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "sluice tree %s, controller binary built %s; %d CPUs (%s), %.1f GiB, Linux %s. ",
		r.Version, r.ControllerBuilt.Format("2006-01-02 15:04 UTC"), r.Machine.CPUs, r.Machine.Model, r.Machine.MemGiB, r.Machine.Kernel)
	fmt.Fprintf(&b, "%d replicas, kinds %v, %d rollout workers, leader election %v, %d extra KWOK nodes, idle %.0f s.\n\n",
		s.Replicas, kindsText(s.Kinds), s.Workers, s.LeaderElect, s.ExtraNodes, s.IdleSeconds)
	r.pacingNote(&b)
	if r.Analysis != nil {
		r.analysisSummary(&b)
	} else {
		r.waveSummary(&b)
	}
	r.notificationsSummary(&b)
	r.phaseTable(&b)
	r.clusterTable(&b)
	r.requestTable(&b)
	if r.Analysis == nil {
		r.reactionTable(&b)
		r.breakdownTable(&b)
		r.writesTable(&b)
		r.eventsTable(&b)
	}
	return b.String()
}

func (r *report) waveSummary(b *strings.Builder) {
	w, a := r.Wave, r.Wave.Analysis
	upd, idle := r.phase("update"), r.phase("idle")
	b.WriteString("| measure | value | target |\n|---|---|---|\n")
	fmt.Fprintf(b, "| wave: first patch → last Rollout Healthy | %.1f s (patches sent in %.1f s; old ReplicaSets down at %.1f s; its Events written by %.1f s) | ≤ 160 s at N=1000, QPS 40 |\n",
		w.Seconds, w.PatchSeconds, w.SettledSeconds, w.EventsDrainedSeconds)
	fmt.Fprintf(b, "| update → Healthy per Rollout, p50 / p95 / max | %.1f / %.1f / %.1f s | |\n", a.UpdateToHealthy.P50, a.UpdateToHealthy.P95, a.UpdateToHealthy.Max)
	if a.NotHealthy > 0 {
		fmt.Fprintf(b, "| Rollouts never seen Healthy by the watch | %d | 0 |\n", a.NotHealthy)
	}
	if upd != nil {
		fmt.Fprintf(b, "| API requests per Rollout for the update (reads included; Events, Lease and discovery apart) | %.1f | ≤ 8 |\n", upd.PerRollout)
		fmt.Fprintf(b, "| Event writes per Rollout for the update | %.1f | |\n", upd.EventWrites/float64(r.Settings.N))
		fmt.Fprintf(b, "| Rollout writes per Rollout for the update (spec, status, notification ledger) | %.2f | |\n", rolloutWrites(upd)/float64(r.Settings.N))
		fmt.Fprintf(b, "| controller CPU for the wave | %.1f s (%.0f%% of a core) | |\n", upd.CPUSeconds, 100*upd.CoreShare)
		fmt.Fprintf(b, "| time spent in the client rate limiter (all requests) | %.1f s | |\n", upd.Throttled)
	}
	fmt.Fprintf(b, "| LIST requests after start-up | %s | none |\n", listsText(r.ListsAfterStartup))
	if worst := worstReaction(a.Reactions); worst != nil {
		fmt.Fprintf(b, "| worst p95 event → action (%s: %s → %s) | %.0f ms | < 100 ms (N=100) |\n", worst.Kind, worst.Trigger, worst.Action, worst.Ms.P95)
	}
	if idle != nil {
		fmt.Fprintf(b, "| idle CPU | %.2f%% of a core (%.2f s in %.0f s) | < 1%% |\n", 100*idle.CoreShare, idle.CPUSeconds, idle.WallSeconds)
		fmt.Fprintf(b, "| API requests while idle (Lease renewals and discovery apart) | %.0f (+ %.0f) | |\n", idle.RequestsTotal, idle.Overhead)
	}
	fmt.Fprintf(b, "| peak RSS (VmHWM) | %.0f MiB | < 150 MiB at N=1000 |\n", r.PeakRSSMiB)
	fmt.Fprintf(b, "| pods ready after a scale-up (kube-controller-manager + scheduler + KWOK), p50 / p95 | %.0f / %.0f ms | (not sluice) |\n\n", a.PodsReady.P50, a.PodsReady.P95)
	if len(a.UpdateToHealthyByKind) > 1 {
		b.WriteString("| kind | Rollouts | update → Healthy p50 | p95 | max |\n|---|---|---|---|---|\n")
		for _, k := range sortedKeys(a.UpdateToHealthyByKind) {
			d := a.UpdateToHealthyByKind[k]
			fmt.Fprintf(b, "| %s | %d | %.1f s | %.1f s | %.1f s |\n", k, d.Count, d.P50, d.P95, d.Max)
		}
		b.WriteString("\n")
	}
}

func (r *report) analysisSummary(b *strings.Builder) {
	a := r.Analysis
	runs := r.phase("runs")
	b.WriteString("| measure | value |\n|---|---|\n")
	fmt.Fprintf(b, "| runs × measurements, interval | %d × %d, %.0f s |\n", a.Runs, a.Count, a.IntervalSeconds)
	fmt.Fprintf(b, "| completed / Successful | %d / %d |\n", a.Completed, a.Successful)
	fmt.Fprintf(b, "| queries seen by Prometheus / measurements in status | %d / %d |\n", a.Queries, a.Measurements)
	fmt.Fprintf(b, "| lateness p50 / p95 / p99 / max | %.0f / %.0f / %.0f / %.0f ms |\n", a.Lateness.P50, a.Lateness.P95, a.Lateness.P99, a.Lateness.Max)
	fmt.Fprintf(b, "| earliest; measurements > 50 ms early | %.0f ms; %d of %d |\n", a.Lateness.Min, a.Early, a.Lateness.Count)
	fmt.Fprintf(b, "| first measurement after create, p50 / p95 | %.0f / %.0f ms |\n", a.First.P50, a.First.P95)
	fmt.Fprintf(b, "| Prometheus query time p50 / p95 | %.1f / %.1f ms |\n", a.Query.P50, a.Query.P95)
	fmt.Fprintf(b, "| all runs done after | %.1f s (a punctual run takes ≈ %.1f s) |\n", a.RunSeconds, a.IdealSeconds)
	if runs != nil {
		fmt.Fprintf(b, "| controller CPU while the runs ran | %.1f s (%.0f%% of a core) |\n", runs.CPUSeconds, 100*runs.CoreShare)
		fmt.Fprintf(b, "| API requests per run | %.1f |\n", runs.PerRollout)
	}
	fmt.Fprintf(b, "| peak RSS (VmHWM) | %.0f MiB |\n\n", r.PeakRSSMiB)
}

func (r *report) phaseTable(b *strings.Builder) {
	b.WriteString("| phase | wall s | CPU s | % core | peak RSS MiB | API requests | per Rollout | Event writes | Lease + discovery | reconciles | mean reconcile ms | mean queue wait ms | mean API request ms | rate-limited s | bench CPU s |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range r.Phases {
		fmt.Fprintf(b, "| %s | %.1f | %.2f | %.1f | %.0f | %.0f | %.2f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
			p.Name, p.WallSeconds, p.CPUSeconds, 100*p.CoreShare, p.PeakRSSMiB, p.RequestsTotal, p.PerRollout, p.EventWrites, p.Overhead,
			p.Reconciles, p.ReconcileMs, p.QueueWaitMs, p.APIMs, p.Throttled, p.BenchCPUSeconds)
	}
	b.WriteString("\n")
}

// requestTable lists requests by verb and resource, one column per phase.
func (r *report) requestTable(b *strings.Builder) {
	keys := map[string]bool{}
	for _, p := range r.Phases {
		for _, rc := range p.Requests {
			keys[rc.Verb+" "+rc.Resource] = true
		}
	}
	b.WriteString("| API requests (verb resource) |")
	for _, p := range r.Phases {
		fmt.Fprintf(b, " %s |", p.Name)
	}
	perHeader := " per Rollout, update |"
	if r.Analysis != nil {
		perHeader = " per run, runs |"
	}
	b.WriteString(perHeader + "\n|---|" + strings.Repeat("---|", len(r.Phases)+1) + "\n")
	for _, k := range sortedKeys(keys) {
		fmt.Fprintf(b, "| %s |", k)
		per := 0.0
		for _, p := range r.Phases {
			n := 0.0
			for _, rc := range p.Requests {
				if rc.Verb+" "+rc.Resource == k {
					n = rc.Count
					if p.Name == "update" || p.Name == "runs" {
						per = rc.PerRollout
					}
				}
			}
			fmt.Fprintf(b, " %.0f |", n)
		}
		fmt.Fprintf(b, " %.2f |\n", per)
	}
	b.WriteString("\n")
	for _, p := range r.Phases {
		if len(p.Failed) > 0 {
			fmt.Fprintf(b, "Requests that failed during %s: %s.\n\n", p.Name, listsText(p.Failed))
		}
	}
}

func (r *report) reactionTable(b *strings.Builder) {
	b.WriteString("| kind | event | action | n | p50 ms | p95 ms | max ms | min ms |\n|---|---|---|---|---|---|---|---|\n")
	for _, x := range r.Wave.Analysis.Reactions {
		fmt.Fprintf(b, "| %s | %s | %s | %d | %.0f | %.0f | %.0f | %.0f |\n", x.Kind, x.Trigger, x.Action, x.Ms.Count, x.Ms.P50, x.Ms.P95, x.Ms.Max, x.Ms.Min)
	}
	b.WriteString("\n")
}

// breakdownTable is "where event → action goes" in the update phase: the
// parts a reaction is made of, each with its own p50 / p95.
func (r *report) breakdownTable(b *strings.Builder) {
	upd := r.phase("update")
	if upd == nil || upd.Breakdown == nil {
		return
	}
	bd, a := upd.Breakdown, r.Wave.Analysis
	b.WriteString("p50 / p95 of histograms are interpolated inside their buckets (the controller's step through 10, 20, 30, 50, 75, 100, 150, 200, 300 and 500 ms; " +
		"kube-apiserver's only through 5, 25, 50, 100 and 200 ms), means are exact. The API server's rows count every client's requests of that verb and resource.\n\n")
	b.WriteString("| where event → action goes (update phase) | p50 ms | p95 ms | mean ms | count |\n|---|---|---|---|---|\n")
	row := func(name string, p50, p95, mean, count float64) {
		fmt.Fprintf(b, "| %s | %.1f | %.1f | %.1f | %.0f |\n", name, p50, p95, mean, count)
	}
	stat := func(name string, s latencyStat) {
		if s.Count > 0 {
			row(name, s.P50, s.P95, s.Mean, s.Count)
		}
	}
	row("watch lag: the bench's image patch answered → its watch shows the new generation", a.WatchLag.P50, a.WatchLag.P95, a.WatchLag.Mean, float64(a.WatchLag.Count))
	row("the bench's image patch, sent → answered (bench)", a.ImagePatch.P50, a.ImagePatch.P95, a.ImagePatch.Mean, float64(a.ImagePatch.Count))
	queues := sortedKeys(bd.QueueWait)
	sort.SliceStable(queues, func(i, j int) bool { return queues[i] == "rollouts" && queues[j] != "rollouts" })
	for _, q := range queues {
		stat(fmt.Sprintf("wait in the %s work queue", q), bd.QueueWait[q])
	}
	stat("Rollout reconcile (its API calls included)", bd.Reconcile)
	// The writes that move Rollouts first, then Events and the Lease (their
	// own clients, off the reaction's path, but load on the same API server).
	writes := slices.DeleteFunc(slices.Clone(bd.Requests), func(rl requestLatency) bool { return !rl.isWrite() })
	sort.SliceStable(writes, func(i, j int) bool { return !writes[i].offPath() && writes[j].offPath() })
	for _, rl := range writes {
		name := rl.Verb + " " + rl.Resource
		if name == benchImagePatch && rl.Controller.Count == 0 {
			stat(name+" (the bench's image patch), API server", rl.APIServer)
			continue
		}
		stat(name+", controller", rl.Controller)
		if bd.ServerScraped {
			stat(name+", API server", rl.APIServer)
		}
	}
	var lagged []string
	for _, o := range sortedKeys(bd.StaleRetries) {
		lagged = append(lagged, fmt.Sprintf("%s %.0f", o, bd.StaleRetries[o]))
	}
	detail := "none"
	if len(lagged) > 0 {
		detail = strings.Join(lagged, ", ")
	}
	fmt.Fprintf(b, "| cache behind the controller's own write: stale retries per Rollout, each looking again 50 ms later (%s) | | | | %.2f |\n", detail, bd.StaleRetriesPerRollout)
	var read []string
	for _, o := range sortedKeys(bd.OwnWriteReads) {
		if bd.OwnWriteReads[o] > 0 {
			read = append(read, fmt.Sprintf("%s %.0f", o, bd.OwnWriteReads[o]))
		}
	}
	detail = "none"
	if len(read) > 0 {
		detail = strings.Join(read, ", ")
	}
	fmt.Fprintf(b, "| cache behind the controller's own write: objects read from that write instead, per Rollout (%s) | | | | %.2f |\n\n", detail, bd.OwnWriteReadsPerRollout)
}

func (r *report) writesTable(b *strings.Builder) {
	b.WriteString("| kind | step (as the status showed it) | object written | writes per Rollout |\n|---|---|---|---|\n")
	for _, w := range r.Wave.Analysis.Writes {
		fmt.Fprintf(b, "| %s | %s | %s | %.2f |\n", w.Kind, w.Step, w.Object, w.PerRollout)
	}
	b.WriteString("\n")
}

func (r *report) phase(name string) *phaseResult {
	for i := range r.Phases {
		if r.Phases[i].Name == name {
			return &r.Phases[i]
		}
	}
	return nil
}

// worstReaction is the row with the highest p95 among the controller's own
// reactions; spans, which hold another component's work, are left out.
func worstReaction(rs []reaction) *reaction {
	var worst *reaction
	for i := range rs {
		if rs[i].Span {
			continue
		}
		if worst == nil || rs[i].Ms.P95 > worst.Ms.P95 {
			worst = &rs[i]
		}
	}
	return worst
}

func listsText(lists map[string]float64) string {
	if len(lists) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedKeys(lists) {
		parts = append(parts, fmt.Sprintf("%.0f × %s", lists[k], k))
	}
	return strings.Join(parts, ", ")
}

func kindsText(kinds map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(kinds) {
		parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// notificationsSummary is the --notifications table; the extra writes per
// notification come from comparing with a run without the flag
// (docs/benchmarks.md).
func (r *report) notificationsSummary(b *strings.Builder) {
	n := r.Notifications
	if n == nil {
		return
	}
	upd := r.phase("update")
	b.WriteString("| notifications (every Rollout, every built-in trigger, one webhook) | value |\n|---|---|\n")
	fmt.Fprintf(b, "| delivered in the wave / distinct ids / ids received twice | %d / %d / %d |\n", n.Delivered, n.DistinctIDs, n.Repeated)
	fmt.Fprintf(b, "| delivered per Rollout | %.1f |\n", float64(n.Delivered)/float64(r.Settings.N))
	if upd != nil && n.Delivered > 0 {
		fmt.Fprintf(b, "| Rollout writes in the update per delivery (all writes, not only the ledger's) | %.2f |\n", rolloutWrites(upd)/float64(n.Delivered))
	}
	fmt.Fprintf(b, "| first patch → last delivery | %.1f s |\n", n.DrainedSeconds)
	fmt.Fprintf(b, "| ledgers started (first deploy recorded, not sent) | %.1f s after the ConfigMap |\n\n", n.LedgerStartSeconds)
}
