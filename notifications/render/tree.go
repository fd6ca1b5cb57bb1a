package render

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"text/template"
)

// node is a YAML value whose strings are compiled templates: a map, a list,
// a *template.Template, or a literal scalar (number, bool, nil) kept as is.
type node any

// compileTree compiles every string inside a YAML value (decoded into
// map[string]any / []any / string / json.Number / bool / nil). path names
// the place for error messages ("webhook.audit.body.reason").
func compileTree(path string, value any) (node, error) {
	switch v := value.(type) {
	case string:
		return compileText(path, v)
	case map[string]any:
		out := make(map[string]node, len(v))
		for _, key := range sortedKeys(v) {
			child, err := compileTree(path+"."+key, v[key])
			if err != nil {
				return nil, err
			}
			out[key] = child
		}
		return out, nil
	case []any:
		out := make([]node, len(v))
		for i, item := range v {
			child, err := compileTree(path+"["+strconv.Itoa(i)+"]", item)
			if err != nil {
				return nil, err
			}
			out[i] = child
		}
		return out, nil
	default:
		return v, nil
	}
}

// renderTree renders a compiled tree into plain values ready to marshal.
func renderTree(n node, data any) (any, error) {
	switch v := n.(type) {
	case *template.Template:
		return execute(v, data)
	case map[string]node:
		out := make(map[string]any, len(v))
		for key, child := range v {
			value, err := renderTree(child, data)
			if err != nil {
				return nil, err
			}
			out[key] = value
		}
		return out, nil
	case []node:
		out := make([]any, len(v))
		for i, child := range v {
			value, err := renderTree(child, data)
			if err != nil {
				return nil, err
			}
			out[i] = value
		}
		return out, nil
	default:
		return v, nil
	}
}

// compileText compiles one string; a missing map key is an error rather
// than "<no value>" so a typo never reaches a receiver.
func compileText(name, text string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs()).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("does not parse: %s", oneLine(err))
	}
	return t, nil
}

// execute renders one compiled string.
func execute(t *template.Template, data any) (string, error) {
	var out bytes.Buffer
	if err := t.Execute(&out, data); err != nil {
		return "", fmt.Errorf("%s", oneLine(err))
	}
	return out.String(), nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
