// Package lint checks sluice manifests offline, without a cluster: every
// Rollout, AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun against the
// CRD schema, the controller's InvalidSpec rules, analysis expressions and
// Prometheus queries, and the references between the objects of the files read
// together. `kubectl sluice lint` is a thin command around Files.
package lint

// Input is one file to lint: the name findings give it and its content.
type Input struct {
	Name    string
	Content []byte
}

// Report is the outcome of one lint run.
type Report struct {
	// Findings are in input order: by document, then by List item.
	Findings []Finding
	// Documents counts the non-empty documents read.
	Documents int
	// strict counts notes in the summary.
	strict bool
}

// Files lints the inputs as one run: each document on its own, then the
// references between the objects of all the inputs. With strict, each reference
// left to the cluster (the inputs hold no object of its kind) is a note.
func Files(inputs []Input, strict bool) *Report {
	l := newLinter(strict)
	for _, in := range inputs {
		l.lintFile(in.Name, in.Content)
	}
	l.checkReferences()
	sortFindings(l.findings)
	return &Report{Findings: l.findings, Documents: l.documents, strict: strict}
}
