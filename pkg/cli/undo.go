package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

func newUndoCommand(o *options) *cobra.Command {
	var toRevision int64
	cmd := &cobra.Command{
		Use:   "undo NAME",
		Short: "Go back to an earlier revision's pod template",
		Long: "Undo copies the pod template of an earlier revision's ReplicaSet into the rollout,\n" +
			"by default the revision before the current one. Going back to a revision that is\n" +
			"still within its scale-down delay or the rollback window skips steps and analysis.",
		Example:           "  kubectl sluice undo web\n  kubectl sluice undo web --to-revision 3",
		Args:              exactArgs("NAME"),
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			if toRevision < 0 {
				return usageErrorf("--to-revision must not be negative%s", helpHint(cmd))
			}
			s, err := o.newSession()
			if err != nil {
				return err
			}
			ctx, ex := cmd.Context(), s.actions()
			ro, err := ex.Rollout(ctx, args[0])
			if err != nil {
				return err
			}
			rss, err := ex.OwnedReplicaSets(ctx, ro)
			if err != nil {
				return err
			}
			done, err := ex.Apply(ctx, ro, actions.Undo(rss, toRevision))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), done)
			return nil
		},
	}
	cmd.Flags().Int64Var(&toRevision, "to-revision", 0, "revision to go back to (default: the one before the current revision)")
	return cmd
}
