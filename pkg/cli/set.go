package cli

import "github.com/spf13/cobra"

func newSetCommand(o *options) *cobra.Command {
	cmd := groupCommand("set", "Change a rollout's pod template")
	cmd.AddCommand(newSetImageCommand(o))
	return cmd
}
