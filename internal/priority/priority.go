// Package priority marks API requests whose result a person is waiting to see,
// so the controller's rate limiter can send them ahead of routine traffic. The
// mark travels in the request's context: the code that knows what a write
// changes (the Rollout controller) sets it, the limiter (pkg/controller) reads
// it, and neither has to know about the other.
package priority

import "context"

// Level is how urgently a request should leave the rate limiter.
type Level int

const (
	// Ordinary is every request not marked otherwise: reads, watches,
	// counts-only status writes, AnalysisRun writes.
	Ordinary Level = iota
	// UserVisible is a write that changes what `kubectl sluice get rollout`
	// shows about where a rollout stands (its phase, step, pause, weights...).
	UserVisible

	// Levels is how many levels there are (for per-level queues).
	Levels = int(UserVisible) + 1
)

type key struct{}

// With returns ctx marked with level.
func With(ctx context.Context, level Level) context.Context {
	return context.WithValue(ctx, key{}, level)
}

// Of is the level ctx is marked with; Ordinary when unmarked.
func Of(ctx context.Context) Level {
	if l, ok := ctx.Value(key{}).(Level); ok && l >= Ordinary && int(l) < Levels {
		return l
	}
	return Ordinary
}
