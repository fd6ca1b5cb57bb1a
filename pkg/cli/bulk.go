package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// bulkCommand is a command that makes the same write to each Rollout it names
// and prints one line per Rollout: abort, retry, pause, resume.
type bulkCommand struct {
	use, short, long, example string
	// done is the past tense printed after each write ("aborted").
	done string
	// write makes the command's change to one Rollout.
	write func(ctx context.Context, s *session, name string) error
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
			return forEachRollout(args, func(name string) error {
				if err := b.write(cmd.Context(), s, name); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "rollout %q %s\n", name, b.done)
				return nil
			})
		},
	}
}

// statusWrite and specWrite are writes of fixed fields.
func statusWrite(fields map[string]any) func(context.Context, *session, string) error {
	return func(ctx context.Context, s *session, name string) error {
		_, err := s.patchStatus(ctx, name, fields)
		return err
	}
}

func specWrite(fields map[string]any) func(context.Context, *session, string) error {
	return func(ctx context.Context, s *session, name string) error {
		_, err := s.patchSpec(ctx, name, fields)
		return err
	}
}
