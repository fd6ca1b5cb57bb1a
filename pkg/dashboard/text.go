package dashboard

import (
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// everything selects every object of a lister.
var everything = labels.Everything()

// oneLine folds a multi-line message (API errors sometimes are) into one line.
func oneLine(s string) string {
	lines := strings.FieldsFunc(strings.TrimSpace(s), func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}
