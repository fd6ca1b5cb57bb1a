package view

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// Timeline prints a Rollout's offline timeline (`kubectl sluice plan`).
func Timeline(w io.Writer, ro *v1alpha1.Rollout, tl plan.Timeline, podReady time.Duration) {
	strategy := "canary"
	if ro.Spec.Strategy.BlueGreen != nil {
		strategy = "blue-green"
	}
	replicas := int32(1)
	if ro.Spec.Replicas != nil {
		replicas = *ro.Spec.Replicas
	}
	fmt.Fprintf(w, "Rollout %s: %s, %d replicas; new pods assumed available %s after they are created\n\n",
		ro.Name, strategy, replicas, countdown(podReady+time.Duration(ro.Spec.MinReadySeconds)*time.Second))
	timelineTable(w, tl.Rows)
	fmt.Fprintf(w, "\nShortest time to full promotion: %s (indefinite pauses promoted at once)\n", countdown(tl.Total))
	if tl.WorstRollback > 0 {
		fmt.Fprintf(w, "Worst time to roll back:         %s (abort when the old side is smallest)\n", countdown(tl.WorstRollback))
	} else {
		fmt.Fprintln(w, "Worst time to roll back:         0s (the old side keeps every pod until promotion)")
	}
	if len(tl.Warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, warning := range tl.Warnings {
			fmt.Fprintf(w, "  - %s\n", warning)
		}
	}
}

// timelineTable prints the rows, with a NOTE column when a row has notes.
func timelineTable(w io.Writer, rows []plan.TimelineRow) {
	notes := slices.ContainsFunc(rows, func(r plan.TimelineRow) bool { return len(r.Notes) > 0 })
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	header := "STEP\tACTION\tNEW PODS\tOLD PODS\tSHARE\tMAX PODS\tDONE AT"
	if notes {
		header += "\tNOTE"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		step := fmt.Sprint(r.Step + 1)
		if r.Step < 0 {
			step = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d%%\t%d\t%s", step, r.Description, r.Canary, r.Stable, r.Weight, r.MaxPods, countdown(r.At))
		if notes {
			fmt.Fprintf(tw, "\t%s", strings.Join(r.Notes, "; "))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	// A row without a note would end in the padding of its DONE AT cell.
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		fmt.Fprint(w, strings.TrimRight(line, " \n"))
		if strings.HasSuffix(line, "\n") {
			fmt.Fprintln(w)
		}
	}
}
