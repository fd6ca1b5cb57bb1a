package provider

import "errors"

// PermanentError is a measurement error that measuring again cannot cure: the
// server rejected the query itself (a PromQL syntax error). The AnalysisRun
// ends the metric in Error at once instead of retrying it until
// consecutiveErrorLimit, which only delays the verdict. Network errors,
// timeouts and server errors are never permanent: they pass.
type PermanentError struct {
	Err error
	// Reason says why no retry helps, for the metric's message.
	Reason string
}

func (e *PermanentError) Error() string { return e.Err.Error() }

func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as permanent, for reason.
func Permanent(err error, reason string) error {
	return &PermanentError{Err: err, Reason: reason}
}

// PermanentReason is why err cannot be cured by measuring again, or "" when it
// may pass.
func PermanentReason(err error) string {
	var p *PermanentError
	if errors.As(err, &p) {
		return p.Reason
	}
	return ""
}
