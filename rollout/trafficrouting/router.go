// Package trafficrouting is the seam between the canary strategy and the traffic
// routers (Istio in istio/, Gateway API in gatewayapi/). Planning decides the
// State the routing objects must carry; a Router makes them carry it, changing
// only what sluice owns in them.
package trafficrouting

import (
	"context"

	"github.com/sluice-dev/sluice/rollout/traffic"
)

// State is the traffic a routed canary must have now. It lives in the
// client-free package traffic so planning can use it; the alias keeps the
// routers' signatures short.
type State = traffic.State

// Router makes the routing objects of one Rollout carry a State.
type Router interface {
	// Apply writes what differs from s (nothing when the objects already carry
	// it) and returns nil once the API server accepted it: the step may then
	// complete. Everything sluice does not own in the objects stays as it was.
	Apply(ctx context.Context, s State) error
}

// Checker is a Router that can tell, from its caches and without writing,
// whether the routing objects have what Apply needs (the named routes and
// subsets, destinations it can weight). The controller reports a problem as
// InvalidSpec before it scales or switches anything.
type Checker interface {
	Check() error
}

// ManagedByAnnotation marks the objects a Rollout routes traffic through, with
// the Rollout's name as value.
const ManagedByAnnotation = "sluice.dev/managed-by"
