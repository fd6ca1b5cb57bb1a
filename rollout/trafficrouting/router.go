// Package trafficrouting is the seam between the canary strategy and the traffic
// routers (Istio, Gateway API). The canary code talks to a Router only; each
// router lives in its own package and changes only what it owns in the objects it
// edits.
//
// This version of sluice ships the interface; the Istio and Gateway API routers
// arrive with the traffic routing issue. Until then a Rollout with trafficRouting
// is reported as InvalidSpec rather than run without its router.
package trafficrouting

import "context"

// Weights are the traffic shares of a routed canary. Canary and Stable are always
// within 0..100 and sum to 100 (SPEC §2.7 rule 4).
type Weights struct {
	Canary, Stable int32
	// CanaryHash and StableHash are the ReplicaSets behind each side, for routers
	// that split by DestinationRule subset.
	CanaryHash, StableHash string
}

// HeaderRoute sends requests matching all headers to the canary.
type HeaderRoute struct {
	Name    string
	Headers []HeaderMatch
}

// HeaderMatch is one header condition: exactly one of Exact, Prefix, Regex.
type HeaderMatch struct {
	Name                 string
	Exact, Prefix, Regex string
}

// MirrorRoute copies a share of matching requests to the canary.
type MirrorRoute struct {
	Name       string
	Percentage int32
	// Matches are alternatives; a request matching any one is mirrored.
	Matches []RequestMatch
}

// RequestMatch is one set of request conditions, all of which must hold.
type RequestMatch struct {
	Method, Path *HeaderMatch
	Headers      []HeaderMatch
}

// Router moves traffic for one Rollout. Every method is idempotent: the canary
// code calls them on every reconcile with the desired state.
type Router interface {
	// SetWeights moves traffic. It must not touch routes it does not own.
	SetWeights(ctx context.Context, w Weights) error
	// Verify reports whether the last weights took effect (the router accepted
	// them), so a step only completes once traffic really moved.
	Verify(ctx context.Context, w Weights) (bool, error)
	// SetHeaderRoute adds or replaces a managed header route; RemoveManagedRoutes
	// drops every route the Rollout added (at the end of a rollout and on abort).
	SetHeaderRoute(ctx context.Context, r HeaderRoute) error
	// SetMirrorRoute adds or replaces a managed mirror route.
	SetMirrorRoute(ctx context.Context, r MirrorRoute) error
	// RemoveManagedRoutes removes every header and mirror route the Rollout added.
	RemoveManagedRoutes(ctx context.Context) error
}
