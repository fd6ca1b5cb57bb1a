package lint

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	kjson "sigs.k8s.io/json"

	"github.com/sluice-dev/sluice/pkg/internal/fieldpath"
)

// Lint reports every finding of a file in one run. A value of the wrong type
// ("setWeight: 20%") must not hide an unknown field or a selector that does not
// match until it is fixed, so decoding goes on past it: the value is reported,
// set to null in a copy of the object, and the copy decoded again, until it
// decodes. The typed object then has those values unset, and rules that read it
// would judge their absence rather than the value written; report leaves out
// their findings at, below and just above such a value, and the rules that
// judge one field by another ask lost or partlyLost first.

// badValue is a value that does not decode into its Go type.
type badValue struct {
	// path names it in findings ("spec.strategy.canary.steps[1].setWeight").
	path string
	// steps find it in the parsed object.
	steps  []fieldpath.Step
	value  any
	goType reflect.Type
	err    error
}

// decode decodes obj into its Go type, reporting unknown fields and every value
// of the wrong type; obj.undecoded gets the paths of the values left out. It
// reports false when the object cannot be decoded at all (an error no value can
// be blamed for).
func (l *linter) decode(obj *lintObject) bool {
	goType := goTypes[obj.kind]
	raw := deepCopyJSON(obj.raw).(map[string]any)
	for {
		data, err := json.Marshal(raw)
		if err != nil {
			l.record(obj, sevError, "", err.Error())
			return false
		}
		typed := reflect.New(goType).Interface().(runtime.Object)
		strictErrs, err := kjson.UnmarshalStrict(data, typed)
		if err == nil {
			for _, e := range strictErrs {
				path, msg := unknownFieldMessage(obj.kind, e.Error())
				l.record(obj, sevError, path, msg)
			}
			obj.typed = typed
			return true
		}
		bad := undecodable(raw, goType, "", nil)
		if bad == nil || len(bad.steps) == 0 || slices.Contains(obj.undecoded, bad.path) {
			// No one value to blame, or one that null does not cure: the
			// object cannot be decoded past this error.
			l.record(obj, sevError, "", strings.TrimPrefix(oneLine(err.Error()), "json: "))
			return false
		}
		l.record(obj, sevError, bad.path, bad.message())
		setAt(raw, bad.steps, nil)
		obj.undecoded = append(obj.undecoded, bad.path)
	}
}

// undecodable finds the first value below v, in key order, that does not
// decode into t: the deepest one, so that the finding names the field itself
// rather than the object around it. nil means v decodes.
func undecodable(v any, t reflect.Type, at string, steps []fieldpath.Step) *badValue {
	err := decodeInto(v, t)
	if err == nil {
		return nil
	}
	t = derefType(t)
	here := &badValue{path: at, steps: steps, value: v, goType: t, err: err}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return here // its own decoder judges it whole (an int-or-string, a quantity)
	}
	step := func(s fieldpath.Step) []fieldpath.Step { return append(slices.Clone(steps), s) }
	switch c := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			for _, k := range slices.Sorted(maps.Keys(c)) {
				if ft, ok := fields[k]; ok {
					if bad := undecodable(c[k], ft, joinPath(at, k), step(fieldpath.Step{Key: k})); bad != nil {
						return bad
					}
				}
			}
		case reflect.Map:
			for _, k := range slices.Sorted(maps.Keys(c)) {
				if bad := undecodable(c[k], t.Elem(), fmt.Sprintf("%s[%s]", at, k), step(fieldpath.Step{Key: k})); bad != nil {
					return bad
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, item := range c {
				if bad := undecodable(item, t.Elem(), fmt.Sprintf("%s[%d]", at, i), step(fieldpath.Step{Index: i})); bad != nil {
					return bad
				}
			}
		}
	}
	return here
}

// decodeInto decodes a parsed value into a new value of type t, as the API
// server's decoder does (field names are case-sensitive; unknown fields are
// not this function's concern).
func decodeInto(v any, t reflect.Type) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return kjson.UnmarshalCaseSensitivePreserveInts(data, reflect.New(t).Interface())
}

// deepCopyJSON copies a parsed JSON value.
func deepCopyJSON(v any) any {
	switch c := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(c))
		for k, item := range c {
			out[k] = deepCopyJSON(item)
		}
		return out
	case []any:
		out := make([]any, len(c))
		for i, item := range c {
			out[i] = deepCopyJSON(item)
		}
		return out
	}
	return v
}

// setAt replaces the value at steps below v, which must exist.
func setAt(v any, steps []fieldpath.Step, value any) {
	for _, s := range steps[:len(steps)-1] {
		v, _ = fieldpath.Child(v, s)
	}
	fieldpath.SetChild(v, steps[len(steps)-1], value)
}

// lost reports whether the value at path did not decode, or the value around
// it did not: the typed object has it unset whatever the file says.
func (o *lintObject) lost(path string) bool {
	for _, u := range o.undecoded {
		if u == path || isBelow(path, u) {
			return true
		}
	}
	return false
}

// partlyLost reports whether the value at path, or any part of it, did not
// decode: a rule that reads the whole value (the pod labels) would see it
// incomplete.
func (o *lintObject) partlyLost(path string) bool {
	if o.lost(path) {
		return true
	}
	for _, u := range o.undecoded {
		if isBelow(u, path) {
			return true
		}
	}
	return false
}

// judgesLostValue reports whether a finding of a rule that reads the typed
// object, at path, could come from a value that did not decode: one at the
// value itself, below it, or at the object holding it (a rule that checks
// which of an object's fields are set would see that one unset).
func (o *lintObject) judgesLostValue(path string) bool {
	if o.lost(path) {
		return true
	}
	for _, u := range o.undecoded {
		if parentPath(u) == path {
			return true
		}
	}
	return false
}

// isBelow reports whether path is inside the value at parent.
func isBelow(path, parent string) bool {
	if parent == "" {
		return path != ""
	}
	rest, ok := strings.CutPrefix(path, parent)
	return ok && rest != "" && (rest[0] == '.' || rest[0] == '[')
}

// parentPath is the path of the object or list holding the value at path:
// "a.b[2]" for "a.b[2].c", "a.b" for "a.b[2]", "" for "a".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}
