package plan

// pointServicesAt asks for the stable and canary Services to select the given
// ReplicaSets. A Service is never pointed at a ReplicaSet without an available pod
// (SPEC §2.7 rule 1): it keeps its current selection until the pods are there.
func (p *planner) pointServicesAt(stable, canary *ReplicaSet) {
	if p.in.StableService != nil && stable != nil && (stable.Available > 0 || stable.Hash == p.in.StableService.SelectedHash) {
		p.plan.StableServiceHash = stable.Hash
	}
	if p.in.CanaryService != nil && canary != nil && (canary.Available > 0 || canary.Hash == p.in.CanaryService.SelectedHash) {
		p.plan.CanaryServiceHash = canary.Hash
	}
}

// serviceSettledOn reports whether a Service selects rs and its EndpointSlices show it.
func (p *planner) serviceSettledOn(svc *Service, rs *ReplicaSet) bool {
	return svc.SelectedHash == rs.Hash && svc.Settled
}
