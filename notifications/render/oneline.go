package render

import "strings"

// oneLine flattens an error to one line: messages are logged and put in
// Kubernetes Events, where a newline would split them.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
