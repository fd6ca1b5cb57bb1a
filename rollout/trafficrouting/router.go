// Package trafficrouting is the seam between the canary strategy and the traffic
// routers (Istio in istio/, Gateway API in gatewayapi/). Planning decides the
// State the routing objects must carry; a Router makes them carry it, changing
// only what sluice owns in them.
package trafficrouting

import (
	"context"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// State is the traffic a routed canary must have now.
type State struct {
	// CanaryWeight is the canary's share, 0..100; the stable side gets the rest,
	// so the two always sum to 100 (SPEC §2.7 rule 4).
	CanaryWeight int32
	// StableHash and CanaryHash are the ReplicaSets behind each side, for routers
	// that split by DestinationRule subset.
	StableHash, CanaryHash string
	// HeaderRoutes and MirrorRoutes are the managed routes active now, in
	// managedRoutes order; any other route sluice added earlier is removed.
	HeaderRoutes []v1alpha1.SetHeaderRoute
	MirrorRoutes []v1alpha1.SetMirrorRoute
}

// StableWeight is the stable side's share.
func (s State) StableWeight() int32 { return 100 - s.CanaryWeight }

// Router makes the routing objects of one Rollout carry a State.
type Router interface {
	// Apply writes what differs from s (nothing when the objects already carry
	// it) and returns nil once the API server accepted it: the step may then
	// complete. Everything sluice does not own in the objects stays as it was.
	Apply(ctx context.Context, s State) error
}

// ManagedByAnnotation marks the objects a Rollout routes traffic through, with
// the Rollout's name as value.
const ManagedByAnnotation = "sluice.dev/managed-by"
