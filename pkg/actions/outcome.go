package actions

import (
	"errors"
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Decision decides an action on a Rollout from the Rollout as read: the Change
// to make, or a *Declined error saying why there is none. It has no side
// effects.
type Decision func(ro *v1alpha1.Rollout) (Change, error)

// Change is what an action decided: the writes to make, in order, and the
// sentence that tells what they did once made.
type Change struct {
	Writes []Write
	Done   string
	// lost, when set, pins the change to what it was decided for: after a
	// conflict it goes on with the writes the rollout, read again, still needs
	// (see Write.still) instead of being decided again, and when none is left and
	// none has landed, lost says why nothing was done. Promote and resume need
	// this: decided again, a promote that lost a race to another would skip a
	// second step.
	lost func(fresh *v1alpha1.Rollout) error
}

// Write is one write to the object an action works on.
type Write struct {
	// Status makes the write through the status subresource, the only way the
	// API server takes status fields.
	Status bool
	// Merge holds the fields of spec (or of status, with Status) a JSON merge
	// patch sets; a nil value clears the field.
	Merge map[string]any
	// Ops is a JSON patch (RFC 6902) used instead of Merge, for values a merge
	// patch would merge into rather than replace (a pod template).
	Ops []JSONPatchOp
	// still reports whether the write is still wanted on the rollout read again
	// after a conflict, once an earlier write of the same change has landed (or
	// the change is pinned). nil: always.
	still func(fresh *v1alpha1.Rollout) bool
}

// JSONPatchOp is one RFC 6902 operation.
type JSONPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// Declined is an action that writes nothing, with the one line that says why.
type Declined struct {
	Reason  DeclineReason
	Message string
}

func (d *Declined) Error() string { return d.Message }

// DeclineReason says why an action writes nothing.
type DeclineReason int

const (
	// NothingToDo: the object already is as the action would make it (abort an
	// aborted rollout, set an image a container already runs).
	NothingToDo DeclineReason = iota + 1
	// Refused: the action is wrong in the object's state (promote an aborted
	// rollout), or the state it would act on is not up to date yet (a spec change
	// the controller has not processed); the message says what to do instead.
	Refused
)

func nothingToDo(format string, args ...any) error {
	return &Declined{Reason: NothingToDo, Message: fmt.Sprintf(format, args...)}
}

func refused(format string, args ...any) error {
	return &Declined{Reason: Refused, Message: fmt.Sprintf(format, args...)}
}

// IsDeclined reports whether err is an action that wrote nothing, and why.
func IsDeclined(err error) (DeclineReason, bool) {
	var d *Declined
	if errors.As(err, &d) {
		return d.Reason, true
	}
	return 0, false
}
