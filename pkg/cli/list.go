package cli

import "github.com/spf13/cobra"

func newListCommand(o *options) *cobra.Command {
	cmd := groupCommand("list", "List objects, one row each")
	cmd.AddCommand(newListRolloutsCommand(o))
	return cmd
}
