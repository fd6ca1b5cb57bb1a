package lint

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// The CRD schemas live in manifests/crds, outside this package, and validating
// against them would need the API server's schema and CEL libraries. Lint
// instead mirrors each constraint of the schemas as a schemaRule on the object as
// parsed (so that "set" means present, as in CEL's has()); a test compares the
// rules with the CRDs, so a new kubebuilder marker cannot be forgotten here.

// schemaRule mirrors one constraint of a CRD schema.
type schemaRule struct {
	// path is where it applies: ".spec.strategy.canary.steps[].setWeight", where
	// "[]" is every item of a list and "{}" every value of a map; "" is the object.
	path string
	// keyword and arg are the OpenAPI keyword it mirrors and its value, as the
	// drift test writes them ("minimum" "0", "x-kubernetes-validations" RULE).
	keyword, arg string
	// check reports the violations of the value v found at the concrete path at.
	check func(at string, v any, report reporter)
}

// reporter records a violation at a path.
type reporter func(path, msg string)

// checkSchema applies the schema rules of the object's kind. They read the
// object as written, so values that did not decode do not mislead them.
func (l *linter) checkSchema(obj *lintObject) {
	report := func(path, msg string) { l.record(obj, sevError, path, msg) }
	for _, rule := range schemaRules[obj.kind] {
		visit(obj.raw, rule.path, "", func(at string, v any) { rule.check(at, v, report) })
	}
}

// visit calls fn for every value at a path pattern below v. Absent and null
// values are skipped: the API server drops nulls before validating.
func visit(v any, pattern, at string, fn func(at string, v any)) {
	if v == nil {
		return
	}
	pattern = strings.TrimPrefix(pattern, ".")
	switch {
	case pattern == "":
		fn(at, v)
	case strings.HasPrefix(pattern, "[]"):
		list, _ := v.([]any)
		for i, item := range list {
			visit(item, pattern[2:], fmt.Sprintf("%s[%d]", at, i), fn)
		}
	case strings.HasPrefix(pattern, "{}"):
		m, _ := v.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			visit(m[k], pattern[2:], fmt.Sprintf("%s[%s]", at, k), fn)
		}
	default:
		end := strings.IndexAny(pattern, ".[{")
		if end < 0 {
			end = len(pattern)
		}
		m, _ := v.(map[string]any)
		visit(m[pattern[:end]], pattern[end:], joinPath(at, pattern[:end]), fn)
	}
}

// number reads a JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

func minimum(path string, limit int) schemaRule {
	return schemaRule{path, "minimum", fmt.Sprint(limit), func(at string, v any, report reporter) {
		if n, ok := number(v); ok && n < float64(limit) {
			report(at, fmt.Sprintf("must be at least %d, got %v", limit, v))
		}
	}}
}

func maximum(path string, limit int) schemaRule {
	return schemaRule{path, "maximum", fmt.Sprint(limit), func(at string, v any, report reporter) {
		if n, ok := number(v); ok && n > float64(limit) {
			report(at, fmt.Sprintf("must be at most %d, got %v", limit, v))
		}
	}}
}

func minLength(path string, limit int) schemaRule {
	return schemaRule{path, "minLength", fmt.Sprint(limit), func(at string, v any, report reporter) {
		if s, ok := v.(string); ok && len(s) < limit {
			report(at, "must not be empty")
		}
	}}
}

func maxLength(path string, limit int) schemaRule {
	return schemaRule{path, "maxLength", fmt.Sprint(limit), func(at string, v any, report reporter) {
		if s, ok := v.(string); ok && len(s) > limit {
			report(at, fmt.Sprintf("%q is %s long; %s", s, count(len(s), "character"), atMost(limit)))
		}
	}}
}

func minItems(path string, limit int) schemaRule {
	return schemaRule{path, "minItems", fmt.Sprint(limit), func(at string, v any, report reporter) {
		if list, ok := v.([]any); ok && len(list) < limit {
			report(at, fmt.Sprintf("has %s; at least %d required", count(len(list), "item"), limit))
		}
	}}
}

func maxItems(path string, limit int) schemaRule {
	return schemaRule{path, "maxItems", fmt.Sprint(limit), func(at string, v any, report reporter) {
		if list, ok := v.([]any); ok && len(list) > limit {
			report(at, fmt.Sprintf("has %s; %s", count(len(list), "item"), atMost(limit)))
		}
	}}
}

func maxProperties(path string, limit int) schemaRule {
	return schemaRule{path, "maxProperties", fmt.Sprint(limit), func(at string, v any, report reporter) {
		if m, ok := v.(map[string]any); ok && len(m) > limit {
			report(at, fmt.Sprintf("has %s; %s", countAs(len(m), "entry", "entries"), atMost(limit)))
		}
	}}
}

func enum(path string, values ...string) schemaRule {
	return schemaRule{path, "enum", strings.Join(values, ","), func(at string, v any, report reporter) {
		if s, ok := v.(string); ok && !slices.Contains(values, s) {
			report(at, fmt.Sprintf("%q is not one of %s", s, strings.Join(values, ", ")))
		}
	}}
}

// pattern checks a string against a regular expression; expected says in words
// what the expression accepts. Integers of int-or-string fields are not checked.
func pattern(path, expr, expected string) schemaRule {
	re := regexp.MustCompile(expr)
	return schemaRule{path, "pattern", expr, func(at string, v any, report reporter) {
		if s, ok := v.(string); ok && !re.MatchString(s) {
			report(at, fmt.Sprintf("%q is not %s", s, expected))
		}
	}}
}

func required(path string, fields ...string) schemaRule {
	return schemaRule{path, "required", strings.Join(slices.Sorted(slices.Values(fields)), ","), func(at string, v any, report reporter) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, f := range fields {
			if m[f] == nil {
				report(joinPath(at, f), "required field is missing")
			}
		}
	}}
}

// listMapKey checks a list whose items are keyed by a field (listType=map):
// keys must be unique.
func listMapKey(path, key string) schemaRule {
	return schemaRule{path, "x-kubernetes-list-map-keys", key, func(at string, v any, report reporter) {
		list, _ := v.([]any)
		first := map[string]int{}
		for i, item := range list {
			m, _ := item.(map[string]any)
			k, ok := m[key].(string)
			if !ok {
				continue
			}
			if j, dup := first[k]; dup {
				report(fmt.Sprintf("%s[%d].%s", at, i, key), fmt.Sprintf("duplicate %s %q (%s[%d] has it too); each %s must be unique", key, k, at, j, key))
				continue
			}
			first[k] = i
		}
	}}
}

// cel mirrors an x-kubernetes-validations rule with a Go check of the object it
// is attached to. A nil check marks a rule lint cannot or need not evaluate
// here; the table says why.
func cel(path, rule string, check func(at string, m map[string]any, report reporter)) schemaRule {
	return schemaRule{path, "x-kubernetes-validations", rule, func(at string, v any, report reporter) {
		if m, ok := v.(map[string]any); ok && check != nil {
			check(at, m, report)
		}
	}}
}

// nonNegative mirrors "type(self) != int || self >= 0" on an int-or-string field.
func nonNegative(path string) schemaRule {
	return schemaRule{path, "x-kubernetes-validations", "type(self) != int || self >= 0", func(at string, v any, report reporter) {
		if n, ok := number(v); ok && n < 0 {
			report(at, fmt.Sprintf("must not be negative, got %v", v))
		}
	}}
}
