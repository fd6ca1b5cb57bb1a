package lint

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/internal/fieldpath"
)

// The decoder's errors name fields by their JSON path; the helpers here turn
// them into "path: message" with the index of the list item and, for a typo, the
// field that was probably meant.

// goTypes are the Go types of the sluice kinds, for looking up fields by path.
var goTypes = map[string]reflect.Type{
	"Rollout":                 reflect.TypeFor[v1alpha1.Rollout](),
	"AnalysisTemplate":        reflect.TypeFor[v1alpha1.AnalysisTemplate](),
	"ClusterAnalysisTemplate": reflect.TypeFor[v1alpha1.ClusterAnalysisTemplate](),
	"AnalysisRun":             reflect.TypeFor[v1alpha1.AnalysisRun](),
}

var unknownFieldErrRE = regexp.MustCompile(`^unknown field "(.+)"$`)

// unknownFieldMessage turns a strict decoding error into a path and a message.
func unknownFieldMessage(kind, err string) (string, string) {
	m := unknownFieldErrRE.FindStringSubmatch(err)
	if m == nil {
		return "", err // a duplicate field: the YAML parse has reported it already
	}
	path := m[1]
	parent, field := "", path
	if i := strings.LastIndex(path, "."); i >= 0 {
		parent, field = path[:i], path[i+1:]
	}
	msg := fmt.Sprintf("unknown field %q", field)
	if t, ok := typeAtPath(goTypes[kind], parent); ok {
		if s := suggest(field, jsonFieldNames(t)); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	return path, msg
}

// selfDecoding says what the types that decode themselves take, for those a
// Rollout is likely to hold; the decoders' own errors are less helpful.
var selfDecoding = map[reflect.Type]string{
	reflect.TypeFor[intstr.IntOrString](): "an integer or a string",
	reflect.TypeFor[resource.Quantity]():  `a quantity such as "500m" or "1Gi"`,
	reflect.TypeFor[metav1.Time]():        `a time such as "2025-01-31T12:00:00Z"`,
}

// message says what was expected and what was found.
func (b *badValue) message() string {
	got := describeValue(b.value)
	want, known := selfDecoding[b.goType]
	switch {
	case known:
	case reflect.PointerTo(b.goType).Implements(reflect.TypeFor[json.Unmarshaler]()):
		return fmt.Sprintf("%s cannot be read: %s", got, strings.TrimPrefix(oneLine(b.err.Error()), "json: "))
	default:
		want = describeGoType(b.goType.String())
	}
	msg := fmt.Sprintf("expected %s, got %s", want, got)
	if _, isBool := b.value.(bool); isBool && want == "a string" {
		msg += " (YAML reads unquoted y, yes, no, on and off as booleans: quote the value)"
	}
	return msg
}

// describeValue shows a wrong value in a message.
func describeValue(v any) string {
	switch c := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", c)
	case json.Number:
		return "the number " + c.String()
	case bool:
		return fmt.Sprintf("%t", c)
	}
	return jsonKind(v)
}

// describeGoType says what JSON a Go type takes.
func describeGoType(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a map"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer (" + t + ")"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string" || strings.HasSuffix(t, "String") || t == "v1alpha1.WorkloadScaleDown" || t == "v1alpha1.WebMetricMethod":
		return "a string"
	case t == "bool":
		return "true or false"
	}
	return "an object"
}

// typeAtPath follows a JSON path (list indexes allowed, ignored) through Go
// types by their json tags.
func typeAtPath(t reflect.Type, path string) (reflect.Type, bool) {
	if t == nil {
		return nil, false
	}
	if path == "" {
		return derefType(t), true
	}
	steps, err := fieldpath.Parse(path)
	if err != nil {
		return nil, false
	}
	for _, s := range steps {
		t = derefType(t)
		if s.Key == "" {
			if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return nil, false
			}
			t = t.Elem()
			continue
		}
		t = elemOfLists(t) // the decoder's paths leave out list indexes
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			f, ok := jsonFields(t)[s.Key]
			if !ok {
				return nil, false
			}
			t = f
		default:
			return nil, false
		}
	}
	return derefType(t), true
}

// elemOfLists is the item type of (lists of) lists, or t itself.
func elemOfLists(t reflect.Type) reflect.Type {
	for (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() != reflect.Uint8 {
		t = derefType(t.Elem())
	}
	return t
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonFields maps the JSON names of a struct's fields to their types, with the
// fields of inlined structs.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" && (f.Anonymous || strings.Contains(opts, "inline")) {
			for k, v := range jsonFields(derefType(f.Type)) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func jsonFieldNames(t reflect.Type) []string {
	t = elemOfLists(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for name := range jsonFields(t) {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// suggest returns the known name closest to a misspelt one, or "".
func suggest(name string, known []string) string {
	best, bestDist := "", 3 // at most two edits away
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return k
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
