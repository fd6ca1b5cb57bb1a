package cli

import (
	"fmt"
	"strings"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// settleWatch decides, frame by frame, when `get rollout -w` is over: once the
// rollout is Healthy or Degraded and nothing around it is moving any more. A
// ReplicaSet that cannot reach its size (a quota, a webhook) or a pod held by a
// finalizer would keep the watch open for ever, so motion is waited for at
// most limit after the phase became final; the watch then ends anyway and says
// what was still moving.
type settleWatch struct {
	// limit is the longest wait for motion to stop; 0 waits as long as it takes.
	limit time.Duration
	// since is when the current final phase was first seen with motion; zero
	// while the phase is not final.
	since time.Time
}

// watchVerdict is what one frame means for the watch.
type watchVerdict struct {
	// done ends the watch; err is its result (a Degraded rollout is an error).
	done bool
	err  error
	// note is shown under the frame: what the watch still waits for, or what
	// was still moving when it stopped waiting.
	note string
	// wakeIn asks for a redraw after this long even without a change (0: none),
	// so that the limit is noticed on a cluster where nothing happens.
	wakeIn time.Duration
}

// judge is the verdict on a frame seen at now.
func (w *settleWatch) judge(ro *v1alpha1.Rollout, moving []string, now time.Time) watchVerdict {
	final, healthy := view.Settled(ro)
	if !final {
		w.since = time.Time{}
		return watchVerdict{}
	}
	result := func() error {
		if healthy {
			return nil
		}
		_, message := view.EffectivePhase(ro)
		return fmt.Errorf("rollout %q is Degraded: %s", ro.Name, message)
	}
	if len(moving) == 0 {
		return watchVerdict{done: true, err: result()}
	}
	first := w.since.IsZero()
	if first {
		w.since = now
	}
	list := strings.Join(moving, ", ")
	if waited := now.Sub(w.since); w.limit > 0 && waited >= w.limit {
		v := watchVerdict{done: true, err: result(), note: fmt.Sprintf("Stopped waiting after %s; still moving: %s", w.limit, list)}
		if v.err != nil {
			v.err = fmt.Errorf("%w (still moving after %s: %s)", v.err, w.limit, list)
		}
		return v
	}
	v := watchVerdict{note: "Waiting for the rollout to settle: " + list}
	if first && w.limit > 0 {
		v.wakeIn = w.limit
	}
	return v
}
