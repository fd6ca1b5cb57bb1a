package cli

import (
	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/lint"
)

// The checks are pkg/lint's; the command reads the files, prints the report and
// turns errors into exit 1.
func newLintCommand() *cobra.Command {
	var files []string
	var recursive, strict bool
	cmd := &cobra.Command{
		Use:   "lint -f FILE...",
		Short: "Check Rollouts, analysis templates and the objects they reference, offline",
		Long: "Lint validates every sluice.dev/v1alpha1 Rollout, AnalysisTemplate, ClusterAnalysisTemplate\n" +
			"and AnalysisRun in the files without a cluster: unknown fields, the rules of the CRD schema,\n" +
			"the controller's InvalidSpec rules, analysis expressions and Prometheus queries. References\n" +
			"are checked against the other objects in the files: Services (and that their selectors fit\n" +
			"the pod template), VirtualServices, DestinationRules, HTTPRoutes, workloadRef Deployments and\n" +
			"analysis templates with their arguments. A reference is only checked when the files hold\n" +
			"objects of its kind; --strict adds a note for each reference left to the cluster. Other kinds\n" +
			"are skipped.\n" +
			"A directory means its *.yaml, *.yml and *.json files; - reads stdin.\n" +
			"Exit 0 when there is no error (warnings allowed), 1 otherwise.",
		Example: "  kubectl sluice lint -f rollout.yaml -f analysistemplate.yaml\n" +
			"  kubectl sluice lint -f manifests/ -R --strict\n" +
			"  helm template . | kubectl sluice lint -f -",
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(files) == 0 {
				return usageErrorf("give at least one -f FILE%s", helpHint(cmd))
			}
			paths, err := lint.ExpandInputs(files, recursive)
			if err != nil {
				return err
			}
			inputs := make([]lint.Input, 0, len(paths))
			for _, path := range paths {
				raw, err := readFile(path, cmd.InOrStdin())
				if err != nil {
					return err
				}
				inputs = append(inputs, lint.Input{Name: lint.DisplayName(path), Content: raw})
			}
			report := lint.Files(inputs, strict)
			report.Print(cmd.OutOrStdout())
			if report.Errors() > 0 {
				return silentExit(ExitFailure)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVarP(&files, "filename", "f", nil, "files or directories to check; - reads stdin")
	cmd.Flags().BoolVarP(&recursive, "recursive", "R", false, "also read the subdirectories of directories given with -f")
	cmd.Flags().BoolVar(&strict, "strict", false, "add a note for every reference lint cannot check because the files hold no object of its kind")
	return cmd
}
