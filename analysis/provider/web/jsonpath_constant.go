package web

import (
	"fmt"

	"k8s.io/client-go/util/jsonpath"
)

// constantPart finds the part of a parsed jsonPath template that is not read
// from the response: text outside {…} ("{.a} and {.b}") or a literal inside
// ("{0}", "{true}", `{"ok"}`). Kubernetes JSONPath prints those as they are, so
// a jsonPath of "0" would select the number 0 whatever the endpoint answers and
// the metric would judge a constant. It returns "" when every part reads the
// response.
func constantPart(path string) string {
	parsed, err := jsonpath.Parse("jsonPath", path)
	if err != nil {
		return "" // reported by the caller's own parse
	}
	for _, node := range parsed.Root.Nodes {
		switch n := node.(type) {
		case *jsonpath.TextNode:
			return fmt.Sprintf("text %q outside {…}", n.Text)
		case *jsonpath.ListNode:
			for _, inner := range n.Nodes {
				switch inner.Type() {
				case jsonpath.NodeText, jsonpath.NodeInt, jsonpath.NodeFloat, jsonpath.NodeBool:
					return fmt.Sprintf("the literal %s", literalText(inner))
				}
			}
		}
	}
	return ""
}

// literalText is how a literal node was written.
func literalText(n jsonpath.Node) string {
	switch v := n.(type) {
	case *jsonpath.TextNode:
		return fmt.Sprintf("%q", v.Text)
	case *jsonpath.IntNode:
		return fmt.Sprint(v.Value)
	case *jsonpath.FloatNode:
		return fmt.Sprint(v.Value)
	case *jsonpath.BoolNode:
		return fmt.Sprint(v.Value)
	}
	return n.String()
}
