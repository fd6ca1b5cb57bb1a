package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// On two cores the cluster, not sluice, limits how fast N Rollouts can move
// at once: past N≈500 a wave of image patches sent together mostly measures
// the queue of pods in kube-controller-manager, the scheduler and KWOK.
// --create-rate and --update-rate spread the deploy and the wave over time
// instead, so that each Rollout's update → Healthy measures the controller
// on a cluster that keeps up.

// pacing is a schedule of requests at a steady rate: request i is due i/rate
// seconds after the first. The schedule is anchored to the first request, not
// to the previous one, so a stall (every worker busy) is made up afterwards
// and the average rate stays what was asked. A rate of 0 sends everything at
// once.
type pacing struct {
	perSecond float64
}

// dueAfter is when request i is due, counted from the first.
func (p pacing) dueAfter(i int) time.Duration {
	if p.perSecond <= 0 || i <= 0 {
		return 0
	}
	return time.Duration(float64(i) / p.perSecond * float64(time.Second))
}

// span is how long n requests take to be sent on schedule: the last is due
// at (n-1)/rate.
func (p pacing) span(n int) time.Duration { return p.dueAfter(n - 1) }

// waitTurn blocks until request i is due (start being when the first was),
// or ctx ends; it reports whether the request may go.
func (p pacing) waitTurn(ctx context.Context, start time.Time, i int) bool {
	d := time.Until(start.Add(p.dueAfter(i)))
	if d <= 0 {
		select {
		case <-ctx.Done():
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// rateText says how a phase's requests were sent, for the report.
func rateText(perSecond float64, n int, what string) string {
	if perSecond <= 0 {
		return fmt.Sprintf("%s all at once", what)
	}
	return fmt.Sprintf("%s at %g per second (%d over %.1f s)", what, perSecond, n, pacing{perSecond}.span(n).Seconds())
}

// pacingNote states the rates a run used, under the report's heading: with a
// rate the wave (first patch → last Healthy) includes the time the bench
// took to send the patches, so update → Healthy per Rollout is the measure to
// compare.
func (r *report) pacingNote(b *strings.Builder) {
	s := r.Settings
	if r.Mode != "rollouts" {
		return
	}
	fmt.Fprintf(b, "Pacing: %s; %s.", rateText(s.CreateRate, s.N, "Rollouts created"), rateText(s.UpdateRate, s.N, "images changed"))
	if s.UpdateRate > 0 {
		b.WriteString(" The wave includes the time spent sending the patches; update → Healthy is measured per Rollout from its own patch.")
	}
	b.WriteString("\n\n")
}
