package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/convert"
)

// The conversion is pkg/convert's; the command reads the files in order and
// writes the stream to stdout and the warnings to stderr.
func newConvertCommand() *cobra.Command {
	var files, kayentaConfigs []string
	var workloadRef bool
	cmd := &cobra.Command{
		Use:   "convert -f FILE...",
		Short: "Convert Deployments and Argo Rollouts manifests to sluice Rollouts",
		Long: "Convert reads YAML documents, offline, and writes them to stdout in order: an apps/v1\n" +
			"Deployment becomes a sluice Rollout with a canary strategy (plus the stable and canary\n" +
			"Services it needs), Argo Rollouts objects (argoproj.io/v1alpha1 Rollout, AnalysisTemplate,\n" +
			"ClusterAnalysisTemplate, AnalysisRun) become sluice.dev/v1alpha1 objects, and anything\n" +
			"else is passed through unchanged. Fields sluice does not support are dropped, each with a\n" +
			"warning on stderr. With --workload-ref a Deployment is kept and referenced by the Rollout\n" +
			"(workloadRef, scaleDown: progressively) instead of being replaced.\n" +
			"An Argo experiment step that runs a baseline from the stable spec beside the canary becomes\n" +
			"canary.baseline and an analysis step; a metric with provider.kayenta becomes a judge built\n" +
			"from its Kayenta canary config, given with --kayenta-config (Kayenta's GET /canaryConfig/{id}).",
		Example: "  kubectl sluice convert -f deployment.yaml > rollout.yaml\n" +
			"  kubectl sluice convert -f deployment.yaml --workload-ref\n" +
			"  kubectl get rollouts.argoproj.io web -o yaml | kubectl sluice convert -f -\n" +
			"  kubectl sluice convert -f argo-rollout.yaml -f kayenta-template.yaml --kayenta-config canary-config.json",
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(files) == 0 {
				return usageErrorf("give at least one -f FILE%s", helpHint(cmd))
			}
			c := convert.Converter{WorkloadRef: workloadRef}
			for _, file := range kayentaConfigs {
				raw, err := readFile(file, cmd.InOrStdin())
				if err != nil {
					return err
				}
				if err := c.KayentaConfig(file, raw); err != nil {
					return err
				}
			}
			for _, file := range files {
				raw, err := readFile(file, cmd.InOrStdin())
				if err != nil {
					return err
				}
				if err := c.File(file, raw); err != nil {
					return err
				}
			}
			for _, w := range c.Warnings() {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w)
			}
			_, err := io.WriteString(cmd.OutOrStdout(), c.Output())
			return err
		},
	}
	cmd.Flags().StringSliceVarP(&files, "filename", "f", nil, "files to convert; - reads stdin")
	cmd.Flags().StringArrayVar(&kayentaConfigs, "kayenta-config", nil, "Kayenta canary config (JSON or YAML) for Argo metrics with provider.kayenta (repeatable)")
	cmd.Flags().BoolVar(&workloadRef, "workload-ref", false,
		"keep Deployments: emit Rollouts that reference them (workloadRef) instead of replacing them")
	return cmd
}
