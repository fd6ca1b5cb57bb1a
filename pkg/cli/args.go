package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// The argument checks below return usage errors (exit 2) that name the command's
// help, instead of cobra's default messages.

// exactArgs accepts exactly the named arguments.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usageErrorf("%s needs %s, got %d argument%s%s", cmd.Name(), describeArgs(names), len(args), plural(len(args)), helpHint(cmd))
		}
		return nil
	}
}

// namesArgs accepts one or more rollout names.
func namesArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s needs at least one rollout NAME%s", cmd.Name(), helpHint(cmd))
	}
	return nil
}

// minArgs accepts at least the named arguments.
func minArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			return usageErrorf("%s needs %s, got %d argument%s%s", cmd.Name(), describeArgs(names), len(args), plural(len(args)), helpHint(cmd))
		}
		return nil
	}
}

// noSubcommand rejects arguments to a command that only groups subcommands, and
// suggests the nearest subcommand.
func noSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return usageErrorf("%s%s", msg, helpHint(cmd))
}

func describeArgs(names []string) string {
	switch len(names) {
	case 0:
		return "no arguments"
	case 1:
		return names[0]
	}
	return strings.Join(names, " ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// helpHint points at a command's help.
func helpHint(cmd *cobra.Command) string {
	return fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
}
