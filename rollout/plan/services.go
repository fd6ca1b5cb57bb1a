package plan

// pointServicesAt asks for the stable and canary Services to select the given
// ReplicaSets. A Service is never pointed at a ReplicaSet without an available pod
// (SPEC §2.7 rule 1): it keeps its current selection until the pods are there.
func (p *planner) pointServicesAt(stable, canary *ReplicaSet) {
	if p.in.StableService != nil && stable != nil && p.maySelect(p.in.StableService, stable) {
		p.plan.StableServiceHash = stable.Hash
	}
	if p.in.CanaryService != nil && canary != nil && p.maySelect(p.in.CanaryService, canary) {
		p.plan.CanaryServiceHash = canary.Hash
	}
}

// maySelect reports whether svc may be pointed at rs: it has an available pod,
// the Service selects it already, or the Rollout runs 0 replicas — then no
// ReplicaSet has pods, and the Services follow the template that will get them.
func (p *planner) maySelect(svc *Service, rs *ReplicaSet) bool {
	return rs.Available > 0 || rs.Hash == svc.SelectedHash || p.replicaCount() == 0
}

// serviceSettledOn reports whether a Service selects rs and its EndpointSlices show it.
func (p *planner) serviceSettledOn(svc *Service, rs *ReplicaSet) bool {
	return svc.SelectedHash == rs.Hash && svc.Settled
}

// services are the Services the strategy names (those that exist).
func (p *planner) services() []*Service {
	var out []*Service
	for _, svc := range []*Service{p.in.StableService, p.in.CanaryService, p.in.BaselineService, p.in.ActiveService, p.in.PreviewService} {
		if svc != nil {
			out = append(out, svc)
		}
	}
	return out
}

// stillServed reports whether an old ReplicaSet may still get traffic, so its
// pods must stay (SPEC §2.7 rules 1–2): the router carries traffic to it, a
// Service selects it, or a Service's EndpointSlices do not show its current
// selection alone yet — a Service that just moved off this ReplicaSet (a
// superseded canary or preview, an active Service switched back) still sends
// to its pods until then.
func (p *planner) stillServed(rs *ReplicaSet) bool {
	return p.carriesTraffic(rs) || p.servedByServices(rs)
}

// keptWhileServed is the size the new ReplicaSet may take when a plan wants it
// at want: a canary sized at 0 keeps the replicas it had when the reconcile
// began while a Service may still send to it (servedByServices); held says so.
// Used wherever a canary goes to 0 — weight 0, an abort — so its pods always go
// after the Services have left them.
func (p *planner) keptWhileServed(want int32) (size int32, held bool) {
	if want == 0 && p.servedByServices(p.in.New) {
		return p.in.New.Replicas, true
	}
	return want, false
}

// servedByServices reports whether a Service may still send to rs's pods: one
// selects it, or one's EndpointSlices do not show its current selection alone
// yet (it may just have moved off rs). A ReplicaSet being scaled to 0 keeps its
// pods until then (SPEC §2.7 rule 1).
func (p *planner) servedByServices(rs *ReplicaSet) bool {
	if p.replicaCount() == 0 || rs.Pods == 0 && rs.Replicas == 0 {
		return false
	}
	for _, svc := range p.services() {
		if svc.SelectedHash == rs.Hash || svc.SelectedHash != "" && !svc.Settled {
			return true
		}
	}
	return false
}
