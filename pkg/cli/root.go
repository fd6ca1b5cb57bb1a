package cli

import (
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/utils/clock"
)

// options are shared by every command of one run.
type options struct {
	// configFlags are kubectl's kubeconfig flags (-n, --context, --kubeconfig, ...).
	configFlags *genericclioptions.ConfigFlags
	// newSession connects to the cluster; tests replace it with fake clients.
	newSession func() (*session, error)
	// clock gives the time shown in ages and countdowns and written by restart.
	clock clock.PassiveClock
	// isTerminal says whether output goes to a terminal (colour, redraws).
	isTerminal func(w io.Writer) bool
	// minRedraw is the shortest time between two redraws of a watch.
	minRedraw time.Duration
	// tick is how often a watch redraws without a change, for ages and countdowns.
	tick time.Duration
	// settleLimit is how long `get rollout -w` waits, once the rollout is Healthy
	// or Degraded, for its ReplicaSets, pods and weights to stop moving (0: no limit).
	settleLimit time.Duration
}

// NewRootCommand returns the `kubectl sluice` command with all its subcommands.
// Execute's error is meant for ReportError, which prints it as one line and
// returns the exit code.
func NewRootCommand() *cobra.Command {
	o := &options{
		configFlags: genericclioptions.NewConfigFlags(true),
		clock:       clock.RealClock{},
		isTerminal:  writerIsTerminal,
		minRedraw:   250 * time.Millisecond,
		tick:        time.Second,
		settleLimit: time.Minute,
	}
	o.newSession = o.connect
	return newRootCommand(o)
}

func newRootCommand(o *options) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-sluice",
		Short: "Watch and steer sluice Rollouts",
		Long: "kubectl sluice shows sluice Rollouts and performs the user actions of a progressive\n" +
			"delivery: promote, abort, retry, pause, resume, restart, set image and undo.",
		Annotations:                map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl sluice"},
		Args:                       noSubcommand,
		RunE:                       showHelp,
		SilenceErrors:              true,
		SilenceUsage:               true,
		SuggestionsMinimumDistance: 2,
		CompletionOptions:          cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageErrorf("%v%s", err, helpHint(cmd))
	})
	o.configFlags.AddFlags(root.PersistentFlags())
	root.AddCommand(
		newGetCommand(o),
		newListCommand(o),
		newStatusCommand(o),
		newPromoteCommand(o),
		newAbortCommand(o),
		newRetryCommand(o),
		newPauseCommand(o),
		newResumeCommand(o),
		newRestartCommand(o),
		newSetCommand(o),
		newUndoCommand(o),
		newPlanCommand(o),
		newAnalyzeCommand(o),
		newNotificationsCommand(o),
		newCreateCommand(o),
		newTerminateCommand(o),
		newDashboardCommand(o),
		newLintCommand(),
		newConvertCommand(),
		newVersionCommand(),
		newCompletionCommand(),
	)
	return root
}

// groupCommand is a command that only holds subcommands (get, list, set).
func groupCommand(use, short string) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: noSubcommand, RunE: showHelp}
}

func showHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// writerIsTerminal reports whether w is a terminal.
func writerIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
