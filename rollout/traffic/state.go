// Package traffic holds the traffic a routed canary must carry, as plain data.
// It is its own package so the pure planning code (rollout/plan) can name it
// without importing the routers, which bring the dynamic client with them.
package traffic

import v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"

// State is the traffic a routed canary must have now.
type State struct {
	// CanaryWeight is the canary's share, 0..100; the stable side gets the rest,
	// so the sides always sum to 100 (SPEC §2.7 rule 4).
	CanaryWeight int32
	// BaselineWeight is the baseline's share while a baseline runs
	// (canary.baseline): the same as the canary's once its pods are available,
	// never more than 50, and 0 otherwise. The router sends it to the
	// baselineService, adding that destination while the weight is above 0.
	BaselineWeight int32
	// StableHash and CanaryHash are the ReplicaSets behind each side, for routers
	// that split by DestinationRule subset.
	StableHash, CanaryHash string
	// BaselineHash is the baseline ReplicaSet's hash ("" when none runs).
	BaselineHash string
	// HeaderRoutes and MirrorRoutes are the managed routes active now, in
	// managedRoutes order; any other route sluice added earlier is removed.
	HeaderRoutes []v1alpha1.SetHeaderRoute
	MirrorRoutes []v1alpha1.SetMirrorRoute
}

// StableWeight is the stable side's share: what the canary and the baseline
// leave.
func (s State) StableWeight() int32 { return 100 - s.CanaryWeight - s.BaselineWeight }
