package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes of kubectl-sluice.
const (
	// ExitOK is success (and a Healthy rollout for status and get -w).
	ExitOK = 0
	// ExitFailure is any failure, including a Degraded rollout.
	ExitFailure = 1
	// ExitUsage is a command line error, or a timeout of `status -t`.
	ExitUsage = 2
	// ExitTimeout is a timeout of `status -t`.
	ExitTimeout = 2
)

// exitError is an error with its own exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// usageError marks a command line mistake (exit 2).
func usageError(err error) error { return &exitError{code: ExitUsage, err: err} }

// usageErrorf is usageError with a formatted message.
func usageErrorf(format string, args ...any) error {
	return usageError(fmt.Errorf(format, args...))
}

// silentExit ends with an exit code and no message: the output already said why.
func silentExit(code int) error { return &exitError{code: code} }

// timeoutError marks a wait that ran out of time (exit 2).
func timeoutError(err error) error { return &exitError{code: ExitTimeout, err: err} }

// ExitCode maps an error returned by the root command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return ExitFailure
}

// ReportError prints err as one line, "error: ...", and returns the exit code for
// it. Nothing is printed for a nil error or one without a message.
func ReportError(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	if msg := oneLine(err.Error()); msg != "" {
		fmt.Fprintln(w, "error: "+msg)
	}
	return ExitCode(err)
}

// oneLine folds a multi-line message (the API server sometimes sends them) into
// one line.
func oneLine(s string) string {
	lines := strings.FieldsFunc(strings.TrimSpace(s), func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}
