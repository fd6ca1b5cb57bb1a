package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func newNotificationsCommand(o *options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "notifications NAME",
		Short: "Show a rollout's notification ledger: what was sent, when, to whom, and what failed",
		Long: "Notifications prints the delivery ledger the controller keeps on the rollout\n" +
			"(annotation " + ledger.Annotation + "): one row per notification and\n" +
			"destination, newest revision first, with its state (sent, failed and retried,\n" +
			"gave-up, claimed while being sent, skipped when its subscription was new),\n" +
			"attempts, when it last changed, the next try and the last error.\n" +
			"-o json or -o yaml prints the same rows for scripts.",
		Example:           "  kubectl sluice notifications web\n  kubectl sluice notifications web -o json",
		Args:              exactArgs("NAME"),
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "" && output != "json" && output != "yaml" {
				return usageErrorf("-o must be json or yaml, got %q%s", output, helpHint(cmd))
			}
			s, err := o.newSession()
			if err != nil {
				return err
			}
			ro, err := s.getRollout(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			l, err := ledger.Decode(ro.Annotations[ledger.Annotation])
			if err != nil {
				return fmt.Errorf("rollout %q: %w", ro.Name, err)
			}
			rows := ledgerRows(ro, l)
			out := cmd.OutOrStdout()
			switch output {
			case "json":
				return writeJSON(out, rows)
			case "yaml":
				b, err := yaml.Marshal(rows)
				if err != nil {
					return err
				}
				_, err = out.Write(b)
				return err
			}
			if len(rows) == 0 {
				fmt.Fprintf(out, "No notifications recorded for rollout %q.\n", ro.Name)
				return nil
			}
			return writeLedgerTable(out, rows, o.clock.Now())
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml (default: a table)")
	return cmd
}

// ledgerRow is one delivery as the command shows it.
type ledgerRow struct {
	ID        string       `json:"id"`
	Revision  int64        `json:"revision"`
	Trigger   string       `json:"trigger"`
	Event     string       `json:"event"`
	Service   string       `json:"service"`
	Recipient string       `json:"recipient,omitempty"`
	State     ledger.State `json:"state"`
	Attempts  int          `json:"attempts"`
	At        time.Time    `json:"at"`
	NextAt    *time.Time   `json:"nextAt,omitempty"`
	LastError string       `json:"lastError,omitempty"`
}

// ledgerRows turns the ledger into rows: newest revision first, then by the
// time each last changed, then by id.
func ledgerRows(ro *v1alpha1.Rollout, l ledger.Ledger) []ledgerRow {
	rows := make([]ledgerRow, 0, len(l.Entries))
	for id, e := range l.Entries {
		r := ledgerRow{
			ID: id, Revision: e.Revision, Trigger: e.Trigger, Event: eventPart(ro, id, e),
			Service: e.Service, Recipient: e.Recipient, State: e.State, Attempts: e.Attempts,
			At: e.At, LastError: e.LastError,
		}
		if !e.NextAt.IsZero() {
			next := e.NextAt
			r.NextAt = &next
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch {
		case a.Revision != b.Revision:
			return a.Revision > b.Revision
		case !a.At.Equal(b.At):
			return a.At.Before(b.At)
		}
		return a.ID < b.ID
	})
	return rows
}

// eventPart is what names the event within its revision: the delivery id
// without the Rollout's UID and revision in front and the destination at the
// end ("on-rollout-step-completed/step-2").
func eventPart(ro *v1alpha1.Rollout, id string, e ledger.Entry) string {
	event := strings.TrimPrefix(id, string(ro.UID)+"/rev-"+strconv.FormatInt(e.Revision, 10)+"/")
	return strings.TrimSuffix(event, "/"+e.Service+"/"+e.Recipient)
}

// writeLedgerTable prints the rows as one table, times as ages.
func writeLedgerTable(out io.Writer, rows []ledgerRow, now time.Time) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tEVENT\tDESTINATION\tSTATE\tATTEMPTS\tCHANGED\tNEXT TRY\tERROR")
	for _, r := range rows {
		destination := r.Service
		if r.Recipient != "" {
			destination += ":" + r.Recipient
		}
		next := "-"
		if r.NextAt != nil {
			next = "in " + duration.HumanDuration(max(r.NextAt.Sub(now), 0))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Revision, r.Event, destination, r.State, r.Attempts,
			duration.HumanDuration(now.Sub(r.At))+" ago", next, dash(oneLine(r.LastError)))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeJSON(out io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}
