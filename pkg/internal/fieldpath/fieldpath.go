// Package fieldpath reads and edits parsed JSON/YAML objects (maps and lists)
// at field paths like "spec.strategy.canary.steps[2].experiment", for the
// offline tools that work on manifests as written: lint and convert.
package fieldpath

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// Step is one step of a field path: a map key, or a list index when Key is "".
type Step struct {
	Key   string
	Index int
}

var pathIndexRE = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

// Parse splits a path like "spec.strategy.canary.steps[2].experiment".
func Parse(path string) ([]Step, error) {
	var steps []Step
	for _, part := range strings.Split(path, ".") {
		var indexes []int
		for {
			m := pathIndexRE.FindStringSubmatch(part)
			if m == nil {
				break
			}
			i, err := strconv.Atoi(m[2])
			if err != nil {
				return nil, err
			}
			indexes = append([]int{i}, indexes...)
			part = m[1]
		}
		if part == "" {
			return nil, errors.New("empty path element")
		}
		steps = append(steps, Step{Key: part})
		for _, i := range indexes {
			steps = append(steps, Step{Index: i})
		}
	}
	return steps, nil
}

// Lookup returns the value at a dotted path of map keys, or nil.
func Lookup(obj map[string]any, path string) any {
	var v any = obj
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

// Remove deletes the field at path and then every parent it leaves empty
// (below the top-level fields such as spec): an empty map, or an empty element of
// a list. It reports whether the field was found.
func Remove(obj map[string]any, path string) bool {
	steps, err := Parse(path)
	if err != nil || len(steps) == 0 {
		return false
	}
	_, ok := removeAt(obj, steps, 0)
	return ok
}

// removeAt removes the field at steps below v (at depth) and returns v changed.
func removeAt(v any, steps []Step, depth int) (any, bool) {
	s := steps[0]
	if len(steps) > 1 {
		next, ok := Child(v, s)
		if !ok {
			return nil, false
		}
		next, ok = removeAt(next, steps[1:], depth+1)
		if !ok {
			return nil, false
		}
		if depth == 0 || !isEmpty(next) {
			return SetChild(v, s, next), true
		}
	}
	switch c := v.(type) {
	case map[string]any:
		if _, ok := c[s.Key]; !ok || s.Key == "" {
			return nil, false
		}
		delete(c, s.Key)
		return c, true
	case []any:
		if s.Key != "" || s.Index >= len(c) {
			return nil, false
		}
		return append(c[:s.Index:s.Index], c[s.Index+1:]...), true
	}
	return nil, false
}

// Child is the value one step below v.
func Child(v any, s Step) (any, bool) {
	switch c := v.(type) {
	case map[string]any:
		if s.Key == "" {
			return nil, false
		}
		next, ok := c[s.Key]
		return next, ok
	case []any:
		if s.Key != "" || s.Index >= len(c) {
			return nil, false
		}
		return c[s.Index], true
	}
	return nil, false
}

// SetChild sets the value one step below v and returns v.
func SetChild(v any, s Step, value any) any {
	switch c := v.(type) {
	case map[string]any:
		c[s.Key] = value
	case []any:
		c[s.Index] = value
	}
	return v
}

func isEmpty(v any) bool {
	switch c := v.(type) {
	case map[string]any:
		return len(c) == 0
	case []any:
		return len(c) == 0
	}
	return false
}
