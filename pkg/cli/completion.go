package cli

import (
	"github.com/spf13/cobra"
)

func newCompletionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script",
		Long: "Completion prints a completion script for kubectl-sluice. Rollout names are\n" +
			"completed from the cluster.\n\n" +
			"  bash: source <(kubectl-sluice completion bash)\n" +
			"  zsh:  kubectl-sluice completion zsh > \"${fpath[1]}/_kubectl-sluice\"\n" +
			"  fish: kubectl-sluice completion fish | source",
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args:      exactArgs("bash|zsh|fish"),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			}
			return usageErrorf("unknown shell %q: use bash, zsh or fish%s", args[0], helpHint(cmd))
		},
	}
}
