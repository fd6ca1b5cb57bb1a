package evaluate

import (
	"errors"
	"regexp"
	"strings"
)

// TypeError is a condition that cannot work with the type of the value it got:
// comparing a vector with a number (`result > 0.5` on a PromQL vector),
// indexing a scalar, comparing a number with a string. expr only finds these
// when it runs, because `result` is untyped when conditions compile. When the
// provider's value always has the same type (provider.Outcome.TypeFixed), the
// next measurement fails the same way, and the run ends at once.
//
// Missing data is not a type error: a nil operand (a JSON field that is
// absent or null) may be there next time, and an empty result is ErrNoData.
type TypeError struct {
	msg string
}

func (e *TypeError) Error() string { return e.msg }

// IsTypeError reports whether err is a TypeError.
func IsTypeError(err error) bool {
	var t *TypeError
	return errors.As(err, &t)
}

// typeMismatchRE matches the messages of expr's runtime (and of the reflect
// calls it makes) that mean an operation does not apply to a value's type.
var typeMismatchRE = regexp.MustCompile(`^(invalid operation: |cannot fetch \S+ from |cannot get \S+ from |operator "in" not defined on |invalid argument for len |cannot slice |reflect: call of reflect\.Value\.\w+ on |reflect\.Value\.MapIndex: value of type )`)

// isTypeMismatch reports whether expr's runtime error (its first line) is a
// type mismatch between non-nil values.
func isTypeMismatch(msg string) bool {
	return typeMismatchRE.MatchString(msg) && !strings.Contains(msg, "<nil>")
}
