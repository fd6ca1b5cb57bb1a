package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

// bulkCommand is a command that applies the same action to each Rollout it
// names and prints one line per Rollout it changed: abort, retry, pause, resume.
// Every name is looked up first: when one does not exist, no rollout is
// changed. A rollout with nothing to do is reported on the error line (exit 1)
// and the others are still acted on.
type bulkCommand struct {
	use, short, long, example string
	decide                    actions.Decision
}

func (b bulkCommand) build(o *options) *cobra.Command {
	return &cobra.Command{
		Use:               b.use,
		Short:             b.short,
		Long:              b.long,
		Example:           b.example,
		Args:              namesArgs,
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			ex := s.actions()
			ros, err := ex.Rollouts(cmd.Context(), args)
			if err != nil {
				return err
			}
			var failed []string
			for _, ro := range ros {
				done, err := ex.Apply(cmd.Context(), ro, b.decide)
				if err != nil {
					failed = append(failed, oneLine(err.Error()))
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), done)
			}
			if len(failed) > 0 {
				return errors.New(strings.Join(failed, "; "))
			}
			return nil
		},
	}
}
