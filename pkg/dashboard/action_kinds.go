package dashboard

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-dev/sluice/pkg/actions"
)

// actionKind is one action a Rollout page offers: its path segment, its
// button, what it writes (the rights it needs) and whether the user must type
// the Rollout's name first.
type actionKind struct {
	Name, Label string
	// Spec and Status: the action may patch the Rollout, or its status
	// subresource (pkg/actions makes status writes through it).
	Spec, Status bool
	// Confirm: the action is hard to take back (it throws away an update's
	// progress or replaces the template), so the form asks for the name.
	Confirm bool
	// Help is the button's title: what the action does.
	Help string
}

// actionKinds are the actions in the order the page shows them.
var actionKinds = []actionKind{
	{Name: "promote", Label: "Promote", Spec: true, Status: true,
		Help: "end the pause, or skip the current step when not paused"},
	{Name: "promote-full", Label: "Promote full", Spec: true, Status: true, Confirm: true,
		Help: "skip every remaining step and analysis and go to 100% now"},
	{Name: "abort", Label: "Abort", Status: true, Confirm: true,
		Help: "send traffic back to the stable version and scale the new one down"},
	{Name: "retry", Label: "Retry", Status: true,
		Help: "start an aborted update again from the first step"},
	{Name: "pause", Label: "Pause", Spec: true,
		Help: "hold the rollout: no scaling, no step progress"},
	{Name: "resume", Label: "Resume", Spec: true, Status: true,
		Help: "end every pause; no step is skipped"},
	{Name: "restart", Label: "Restart", Spec: true,
		Help: "evict the pods gradually, oldest first, so they start again"},
	{Name: "set-image", Label: "Set image", Spec: true,
		Help: "change a container's image: a new revision"},
	{Name: "undo", Label: "Undo", Spec: true, Confirm: true,
		Help: "go back to an earlier revision's pod template"},
}

// actionNamed finds an action by its path segment.
func actionNamed(name string) (actionKind, bool) {
	for _, k := range actionKinds {
		if k.Name == name {
			return k, true
		}
	}
	return actionKind{}, false
}

// actionRequest is an action with its form read.
type actionRequest struct {
	kind actionKind
	// decide is the decision, for every action but undo, which needs the
	// Rollout's ReplicaSets first (see undoRevision).
	decide       actions.Decision
	undoRevision int64
}

// Form fields of the actions.
const (
	fieldConfirm   = "confirm"
	fieldContainer = "container"
	fieldImage     = "image"
	fieldRevision  = "revision"
)

// readActionForm checks an action's form for the Rollout name and returns
// the request, or the one line that says what is wrong with the form. Nothing
// here reads or writes the cluster.
func readActionForm(kind actionKind, rolloutName string, form url.Values, now time.Time) (actionRequest, error) {
	req := actionRequest{kind: kind}
	if kind.Confirm && strings.TrimSpace(form.Get(fieldConfirm)) != rolloutName {
		return req, fmt.Errorf("%s needs the rollout's name typed to confirm: type %q", kind.Name, rolloutName)
	}
	switch kind.Name {
	case "promote":
		req.decide = actions.Promote
	case "promote-full":
		req.decide = actions.PromoteFull
	case "abort":
		req.decide = actions.Abort
	case "retry":
		req.decide = actions.Retry
	case "pause":
		req.decide = actions.Pause
	case "resume":
		req.decide = actions.Resume
	case "restart":
		req.decide = actions.Restart(actions.RestartTime(now, 0))
	case "set-image":
		container, image := strings.TrimSpace(form.Get(fieldContainer)), strings.TrimSpace(form.Get(fieldImage))
		if container == "" || image == "" {
			return req, fmt.Errorf("set image needs a container (or %q for every one) and an image", actions.AllContainers)
		}
		if strings.ContainsAny(image, " \t\n") {
			return req, fmt.Errorf("image %q has a space in it", image)
		}
		req.decide = actions.SetImage(map[string]string{container: image})
	case "undo":
		if text := strings.TrimSpace(form.Get(fieldRevision)); text != "" {
			rev, err := strconv.ParseInt(text, 10, 64)
			if err != nil || rev < 1 {
				return req, fmt.Errorf("revision %q is not a revision number (1, 2, ...); leave it empty for the one before the current", text)
			}
			req.undoRevision = rev
		}
	default:
		return req, fmt.Errorf("unknown action %q", kind.Name)
	}
	return req, nil
}

// actionAllowed says whether the user may take an action in a namespace, and
// when not, why (the disabled button's title).
func actionAllowed(kind actionKind, p permissions, readOnly bool) (bool, string) {
	switch {
	case readOnly:
		return false, "this dashboard is read-only (--read-only)"
	case kind.Spec && !p.Patch:
		return false, p.NoPatchWhy
	case kind.Status && !p.PatchStatus:
		return false, p.NoPatchStatusWhy
	}
	return true, ""
}
