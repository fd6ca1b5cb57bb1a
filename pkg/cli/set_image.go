package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

func newSetImageCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "image NAME CONTAINER=IMAGE...",
		Short: "Set container images: a new revision of the rollout",
		Long: "Set image changes the image of the named containers (init containers included) in\n" +
			"spec.template, which starts a new revision. CONTAINER '*' means every container.",
		Example: "  kubectl sluice set image web web=registry.example.com/web:2.0\n" +
			"  kubectl sluice set image web '*=registry.example.com/web:2.0'",
		Args:              minArgs("NAME", "CONTAINER=IMAGE"),
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			images, err := parseImageArgs(args[1:])
			if err != nil {
				return usageErrorf("%v%s", err, helpHint(cmd))
			}
			s, err := o.newSession()
			if err != nil {
				return err
			}
			done, err := s.act(cmd.Context(), args[0], actions.SetImage(images))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), done)
			return nil
		},
	}
}

// parseImageArgs reads CONTAINER=IMAGE arguments into a map.
func parseImageArgs(args []string) (map[string]string, error) {
	images := map[string]string{}
	for _, arg := range args {
		name, image, ok := strings.Cut(arg, "=")
		if !ok || name == "" || image == "" {
			return nil, fmt.Errorf("%q is not CONTAINER=IMAGE", arg)
		}
		if _, dup := images[name]; dup {
			return nil, fmt.Errorf("container %q is given twice", name)
		}
		images[name] = image
	}
	return images, nil
}
