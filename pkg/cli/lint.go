package cli

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

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
			inputs, err := expandInputs(files, recursive)
			if err != nil {
				return err
			}
			l := newLinter(strict)
			for _, in := range inputs {
				raw, err := readFile(in, cmd.InOrStdin())
				if err != nil {
					return err
				}
				l.lintFile(displayName(in), raw)
			}
			l.checkReferences()
			if l.print(cmd.OutOrStdout()) > 0 {
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

// severity orders findings: errors fail the lint, warnings and notes do not.
type severity int

const (
	sevError severity = iota
	sevWarning
	sevNote
)

func (s severity) String() string {
	return [...]string{"error", "warning", "note"}[s]
}

// finding is one line of lint output.
type finding struct {
	sev  severity
	obj  *lintObject
	path string // full field path in the document, "" for the whole document
	msg  string
}

func (f finding) String() string {
	where := fmt.Sprintf("%s: document %d", f.obj.doc.file, f.obj.doc.index)
	if label := f.obj.label(); label != "" {
		where += " (" + label + ")"
	}
	if f.path != "" {
		where += ": " + f.path
	}
	// A name, key or value from the file may hold a line break (a folded YAML
	// scalar); escape it so that every finding stays one line.
	return oneLineFinding.Replace(fmt.Sprintf("%s: %s: %s", f.sev, where, f.msg))
}

var oneLineFinding = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`)

// print writes the findings in input order and the summary line, and returns the
// number of errors.
func (l *linter) print(w io.Writer) int {
	sort.SliceStable(l.findings, func(i, j int) bool {
		a, b := l.findings[i].obj, l.findings[j].obj
		if a.doc.order != b.doc.order {
			return a.doc.order < b.doc.order
		}
		return itemIndex(a.prefix) < itemIndex(b.prefix)
	})
	counts := map[severity]int{}
	for _, f := range l.findings {
		counts[f.sev]++
		fmt.Fprintln(w, f)
	}
	summary := fmt.Sprintf("%s, %s", count(counts[sevError], "error"), count(counts[sevWarning], "warning"))
	if l.strict {
		summary += ", " + count(counts[sevNote], "note")
	}
	fmt.Fprintf(w, "%s in %s\n", summary, count(l.documents, "document"))
	return counts[sevError]
}

// itemIndex is N of an "items[N]" prefix, or -1 for a whole document.
func itemIndex(prefix string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(prefix, "items["), "]"))
	if err != nil {
		return -1
	}
	return n
}

// count is "1 error" or "2 errors".
func count(n int, noun string) string {
	return fmt.Sprintf("%d %s%s", n, noun, plural(n))
}

// countAs is count for a noun whose plural is not noun+"s": "1 entry", "2 entries".
func countAs(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// atMost is "at most 1 is allowed" or "at most 8 are allowed".
func atMost(limit int) string {
	if limit == 1 {
		return "at most 1 is allowed"
	}
	return fmt.Sprintf("at most %d are allowed", limit)
}
