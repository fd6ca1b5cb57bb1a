package cli

import "github.com/spf13/cobra"

func newGetCommand(o *options) *cobra.Command {
	cmd := groupCommand("get", "Show one object in detail")
	cmd.AddCommand(newGetRolloutCommand(o))
	cmd.AddCommand(newGetAnalysisRunCommand(o))
	return cmd
}
