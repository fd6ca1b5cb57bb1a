package lint

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/convert"
	"github.com/sluice-dev/sluice/pkg/internal/fieldpath"
)

// linter collects the findings of one lint run.
type linter struct {
	// strict adds notes for references left to the cluster.
	strict bool
	// documents counts the non-empty documents read.
	documents int
	findings  []Finding
	// reported holds "object path" keys: one finding per field is enough, and
	// the first (the most basic) is the one to fix first.
	reported map[string]bool
	// objects are every object read, for the reference checks at the end.
	objects []*lintObject
}

func newLinter(strict bool) *linter {
	return &linter{strict: strict, reported: map[string]bool{}}
}

// lintDoc is where a document is: its file and 1-based index among the file's
// non-empty documents. order sorts documents across files.
type lintDoc struct {
	file  string
	index int
	order int
}

// lintObject is one object of the input (a document, or an item of a List).
type lintObject struct {
	doc *lintDoc
	// prefix is the object's path in its document: "items[2]" in a List, else "".
	prefix                            string
	apiVersion, kind, name, namespace string
	raw                               map[string]any
	// typed is the decoded sluice object, nil for other kinds or when it did
	// not decode.
	typed runtime.Object
	// undecoded are the paths of the values typed leaves unset because they did
	// not decode (see lint_lenient.go).
	undecoded []string
}

// label names the object in findings: "Rollout/web", "AnalysisRun/checks-*"
// for a generated name, or "" when it has no kind.
func (o *lintObject) label() string {
	if o.kind == "" {
		return ""
	}
	if o.name != "" {
		return o.kind + "/" + o.name
	}
	if gen, _ := valueAt(o.raw, "metadata.generateName").(string); gen != "" {
		return o.kind + "/" + gen + "*"
	}
	return o.kind
}

func newLintObject(doc *lintDoc, prefix string, raw map[string]any) *lintObject {
	o := &lintObject{doc: doc, prefix: prefix, raw: raw}
	o.apiVersion, _ = raw["apiVersion"].(string)
	o.kind, _ = raw["kind"].(string)
	if meta, ok := raw["metadata"].(map[string]any); ok {
		o.name, _ = meta["name"].(string)
		o.namespace, _ = meta["namespace"].(string)
	}
	return o
}

// report records the finding of a rule that reads the typed object, unless it
// could be about a value that did not decode rather than the value written.
func (l *linter) report(obj *lintObject, sev severity, path, msg string) {
	if obj.judgesLostValue(path) {
		return
	}
	l.record(obj, sev, path, msg)
}

// record records a finding at a path of obj ("" for the object itself).
func (l *linter) record(obj *lintObject, sev severity, path, msg string) {
	full := joinPath(obj.prefix, path)
	key := fmt.Sprintf("%p %s", obj, full)
	if l.reported[key] || (sev == sevNote && !l.strict) {
		return
	}
	l.reported[key] = true
	l.findings = append(l.findings, Finding{sev: sev, obj: obj, path: full, msg: msg})
}

func (l *linter) errorf(obj *lintObject, path, format string, args ...any) {
	l.report(obj, sevError, path, fmt.Sprintf(format, args...))
}

func (l *linter) warnf(obj *lintObject, path, format string, args ...any) {
	l.report(obj, sevWarning, path, fmt.Sprintf(format, args...))
}

func (l *linter) notef(obj *lintObject, path, format string, args ...any) {
	l.report(obj, sevNote, path, fmt.Sprintf(format, args...))
}

func joinPath(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "." + b
}

// sluiceKinds are the kinds of sluice.dev/v1alpha1.
var sluiceKinds = map[string]bool{
	"Rollout": true, "AnalysisTemplate": true, "ClusterAnalysisTemplate": true, "AnalysisRun": true,
}

// sluiceAPIVersion is the one API version sluice serves.
var sluiceAPIVersion = v1alpha1.SchemeGroupVersion.String()

// lintObject checks one object and keeps it for the reference checks.
func (l *linter) lintObject(obj *lintObject) {
	l.objects = append(l.objects, obj)
	group, _, _ := strings.Cut(obj.apiVersion, "/")
	switch {
	case obj.apiVersion == "":
		l.errorf(obj, "apiVersion", "required field is missing: every object needs apiVersion and kind")
	case obj.kind == "":
		l.errorf(obj, "kind", "required field is missing: every object needs apiVersion and kind")
	case group == v1alpha1.GroupName:
		l.lintSluiceObject(obj)
	case obj.apiVersion == convert.ArgoAPIVersion && convert.IsArgoKind(obj.kind):
		l.warnf(obj, "apiVersion", "%s is Argo Rollouts' API; sluice reads %s (kubectl sluice convert converts the object)", convert.ArgoAPIVersion, sluiceAPIVersion)
	}
}

// lintSluiceObject checks a sluice object: its apiVersion and kind, strict
// decoding, the CRD schema and then the rules of its kind.
func (l *linter) lintSluiceObject(obj *lintObject) {
	if obj.apiVersion != sluiceAPIVersion {
		l.errorf(obj, "apiVersion", "%s is not served; sluice serves %s", obj.apiVersion, sluiceAPIVersion)
		return
	}
	if !sluiceKinds[obj.kind] {
		l.errorf(obj, "kind", "%s has no kind %q; its kinds are Rollout, AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun", sluiceAPIVersion, obj.kind)
		return
	}
	if !l.decode(obj) {
		l.checkSchema(obj) // it reads the object as written, not the typed one
		return
	}
	l.checkMetadata(obj)
	l.checkSchema(obj)
	if obj.raw["spec"] == nil {
		return // the schema reported it; every other rule would only repeat it
	}
	switch o := obj.typed.(type) {
	case *v1alpha1.Rollout:
		l.checkRollout(obj, o)
	case *v1alpha1.AnalysisTemplate:
		l.checkTemplateSpec(obj, &o.Spec, false)
	case *v1alpha1.ClusterAnalysisTemplate:
		l.checkTemplateSpec(obj, &o.Spec, false)
	case *v1alpha1.AnalysisRun:
		l.checkTemplateSpec(obj, &v1alpha1.AnalysisTemplateSpec{
			Metrics: o.Spec.Metrics, Args: o.Spec.Args, DryRun: o.Spec.DryRun, MeasurementRetention: o.Spec.MeasurementRetention,
		}, true)
	}
}

// valueAt returns the value at a path with list indexes ("spec.metrics[2]") in
// a parsed object, or nil.
func valueAt(obj map[string]any, path string) any {
	steps, err := fieldpath.Parse(path)
	if err != nil {
		return nil
	}
	var v any = obj
	for _, s := range steps {
		if v, _ = fieldpath.Child(v, s); v == nil {
			return nil
		}
	}
	return v
}
