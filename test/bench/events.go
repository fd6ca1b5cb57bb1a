package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// eventTally compares, by reason, the Events the controller asked to record
// with the Events that reached the API server. Events pass client-go's event
// broadcaster on their way (a queue per sink that drops when full) and its
// correlator (a spam filter per object, aggregation of similar events), so
// not every event a controller emits is written; an Event that is written
// again counts its repeats in `count`.
type eventTally struct {
	// Reasons has one row per involved kind and reason.
	Reasons []reasonTally `json:"reasons"`
	// Objects is how many Event objects the namespace held.
	Objects int `json:"objects"`
}

// reasonTally is one kind and reason's Events.
type reasonTally struct {
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
	// Emitted is how many the controller emitted, from
	// sluice_rollout_events_total{reason}, which the Rollout controller counts
	// before handing an event to the broadcaster; -1 where no metric counts
	// them (the AnalysisRun controller's Events, leader election's).
	Emitted float64 `json:"emitted"`
	// Recorded sums the occurrences the API server holds: each Event's count
	// (or its series count), at least 1.
	Recorded float64 `json:"recorded"`
	// Objects is the number of Event objects; Combined are those the
	// correlator's aggregation made ("(combined from similar events): …").
	Objects  int `json:"objects"`
	Combined int `json:"combined,omitempty"`
}

// tallyEvents lists the Events of the bench namespace and sets them against
// the controller's own count of what it emitted (a snapshot of /metrics taken
// at the same time). The list is core/v1 only: events.k8s.io/v1 serves the
// same stored objects (a Series there is `series` here), so listing both would
// count each twice.
func (e *env) tallyEvents(ctx context.Context, emitted map[string]float64) (*eventTally, error) {
	type key struct{ kind, reason string }
	rows := map[key]*reasonTally{}
	row := func(k key) *reasonTally {
		if rows[k] == nil {
			rows[k] = &reasonTally{Kind: k.kind, Reason: k.reason, Emitted: -1}
		}
		return rows[k]
	}
	t := &eventTally{}
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := e.kube.CoreV1().Events(e.namespace).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list Events: %w", err)
		}
		for i := range list.Items {
			ev := &list.Items[i]
			r := row(key{ev.InvolvedObject.Kind, ev.Reason})
			r.Objects++
			r.Recorded += float64(occurrences(ev))
			if strings.HasPrefix(ev.Message, "(combined from similar events)") {
				r.Combined++
			}
			t.Objects++
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	for reason, n := range emitted {
		row(key{"Rollout", reason}).Emitted = n
	}
	for _, r := range rows {
		t.Reasons = append(t.Reasons, *r)
	}
	sort.Slice(t.Reasons, func(i, j int) bool {
		a, b := t.Reasons[i], t.Reasons[j]
		if a.Kind != b.Kind {
			return a.Kind > b.Kind // Rollout first
		}
		return a.Reason < b.Reason
	})
	return t, nil
}

// occurrences is how many times an Event happened: client-go's recorder
// counts repeats in count, the events.k8s.io API in series.count.
func occurrences(ev *corev1.Event) int32 {
	n := max(ev.Count, 1)
	if ev.Series != nil {
		n = max(n, ev.Series.Count)
	}
	return n
}

// eventsTable renders the tally.
func (r *report) eventsTable(b *strings.Builder) {
	t := r.Events
	if t == nil {
		return
	}
	fmt.Fprintf(b, "Events emitted by the controller vs recorded by the API server, whole run (%d Event objects):\n\n", t.Objects)
	b.WriteString("| involved kind | reason | emitted | recorded (sum of counts) | recorded / emitted | Event objects | combined |\n|---|---|---|---|---|---|---|\n")
	var emitted, recorded float64
	for _, x := range t.Reasons {
		em, share := "–", "–"
		if x.Emitted >= 0 {
			em = fmt.Sprintf("%.0f", x.Emitted)
			emitted += x.Emitted
			recorded += x.Recorded
			if x.Emitted > 0 {
				share = fmt.Sprintf("%.0f%%", 100*x.Recorded/x.Emitted)
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %.0f | %s | %d | %d |\n", x.Kind, x.Reason, em, x.Recorded, share, x.Objects, x.Combined)
	}
	if emitted > 0 {
		fmt.Fprintf(b, "| Rollout | all | %.0f | %.0f | %.0f%% | | |\n", emitted, recorded, 100*recorded/emitted)
	}
	b.WriteString("\n")
}
