package cli

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// pathStep is one step of a field path: a map key, or an index when key is "".
type pathStep struct {
	key   string
	index int
}

var pathIndexRE = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

// parsePath splits a path like "spec.strategy.canary.steps[2].experiment".
func parsePath(path string) ([]pathStep, error) {
	var steps []pathStep
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
		steps = append(steps, pathStep{key: part})
		for _, i := range indexes {
			steps = append(steps, pathStep{index: i})
		}
	}
	return steps, nil
}

// lookup returns the value at a dotted path of map keys, or nil.
func lookup(obj map[string]any, path string) any {
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

// removeField deletes the field at path and then every parent it leaves empty
// (below the top-level fields such as spec): an empty map, or an empty element of
// a list. It reports whether the field was found.
func removeField(obj map[string]any, path string) bool {
	steps, err := parsePath(path)
	if err != nil || len(steps) == 0 {
		return false
	}
	_, ok := removeAt(obj, steps, 0)
	return ok
}

// removeAt removes the field at steps below v (at depth) and returns v changed.
func removeAt(v any, steps []pathStep, depth int) (any, bool) {
	s := steps[0]
	if len(steps) > 1 {
		next, ok := child(v, s)
		if !ok {
			return nil, false
		}
		next, ok = removeAt(next, steps[1:], depth+1)
		if !ok {
			return nil, false
		}
		if depth == 0 || !isEmpty(next) {
			return setChild(v, s, next), true
		}
	}
	switch c := v.(type) {
	case map[string]any:
		if _, ok := c[s.key]; !ok || s.key == "" {
			return nil, false
		}
		delete(c, s.key)
		return c, true
	case []any:
		if s.key != "" || s.index >= len(c) {
			return nil, false
		}
		return append(c[:s.index:s.index], c[s.index+1:]...), true
	}
	return nil, false
}

func child(v any, s pathStep) (any, bool) {
	switch c := v.(type) {
	case map[string]any:
		if s.key == "" {
			return nil, false
		}
		next, ok := c[s.key]
		return next, ok
	case []any:
		if s.key != "" || s.index >= len(c) {
			return nil, false
		}
		return c[s.index], true
	}
	return nil, false
}

func setChild(v any, s pathStep, value any) any {
	switch c := v.(type) {
	case map[string]any:
		c[s.key] = value
	case []any:
		c[s.index] = value
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
