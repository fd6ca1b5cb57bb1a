package analysis

import "fmt"

// countOf is a number with its noun in the right form: "1 error", "2 errors".
// Messages say how many measurements did what; "1 errors" reads as a slip.
func countOf(n int32, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
