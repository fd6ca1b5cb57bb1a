package lint

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

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

// Finding is one line of lint output: what is wrong, where.
type Finding struct {
	sev  severity
	obj  *lintObject
	path string // full field path in the document, "" for the whole document
	msg  string
}

// String is the finding as lint prints it, on one line:
// "SEVERITY: FILE: document N (Kind/name): PATH: MESSAGE".
func (f Finding) String() string {
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

// oneLine folds a multi-line message from a parser or decoder into one line.
func oneLine(s string) string {
	lines := strings.FieldsFunc(strings.TrimSpace(s), func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

// sortFindings puts the findings in input order: by document, then by List item.
func sortFindings(findings []Finding) {
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i].obj, findings[j].obj
		if a.doc.order != b.doc.order {
			return a.doc.order < b.doc.order
		}
		return itemIndex(a.prefix) < itemIndex(b.prefix)
	})
}

// Print writes the findings, one line each, and the summary line.
func (r *Report) Print(w io.Writer) {
	counts := map[severity]int{}
	for _, f := range r.Findings {
		counts[f.sev]++
		fmt.Fprintln(w, f)
	}
	summary := fmt.Sprintf("%s, %s", count(counts[sevError], "error"), count(counts[sevWarning], "warning"))
	if r.strict {
		summary += ", " + count(counts[sevNote], "note")
	}
	fmt.Fprintf(w, "%s in %s\n", summary, count(r.Documents, "document"))
}

// Errors counts the findings that fail the lint; warnings and notes do not.
func (r *Report) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.sev == sevError {
			n++
		}
	}
	return n
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

// plural is the "s" of a count other than one.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
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
