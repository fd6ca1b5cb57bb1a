package view

import (
	"fmt"
	"io"
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
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tACTION\tNEW PODS\tOLD PODS\tSHARE\tMAX PODS\tDONE AT")
	for _, r := range tl.Rows {
		step := fmt.Sprint(r.Step + 1)
		if r.Step < 0 {
			step = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d%%\t%d\t%s\n", step, r.Description, r.Canary, r.Stable, r.Weight, r.MaxPods, countdown(r.At))
	}
	tw.Flush()
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
