package cli

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-dev/sluice/pkg/view/source"
)

func TestScreenOnATerminalRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	s := &screen{out: &out, tty: true}
	if err := s.show("a\nb\n"); err != nil {
		t.Fatal(err)
	}
	if want := "\x1b[H\x1b[2J\x1b[Ha\x1b[K\nb\x1b[K\n\x1b[J"; out.String() != want {
		t.Errorf("first frame %q, want %q", out.String(), want)
	}
	out.Reset()
	s.show("a\nb\n")
	if out.Len() != 0 {
		t.Errorf("an unchanged frame was written again: %q", out.String())
	}
	s.show("c\n")
	if want := "\x1b[Hc\x1b[K\n\x1b[J"; out.String() != want {
		t.Errorf("next frame %q, want %q", out.String(), want)
	}
}

func TestScreenElsewherePrintsChangedFrames(t *testing.T) {
	var out bytes.Buffer
	s := &screen{out: &out}
	s.show("a\n")
	s.show("a\n")
	s.show("b\n")
	if out.String() != "a\n\nb\n" {
		t.Errorf("got %q", out.String())
	}
}

// A burst of changes causes a few redraws, not one per change.
func TestRedrawLoopCoalescesChanges(t *testing.T) {
	signal := source.NewSignal()
	var draws atomic.Int32
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	go func() {
		for i := 0; i < 200; i++ {
			signal.Poke()
			time.Sleep(time.Millisecond)
		}
	}()
	err := redrawLoop(ctx, signal, pacing{minGap: 100 * time.Millisecond}, func() (bool, error) {
		draws.Add(1)
		return false, nil
	})
	if err != context.DeadlineExceeded {
		t.Errorf("err %v", err)
	}
	if n := draws.Load(); n < 2 || n > 7 {
		t.Errorf("%d draws for 200 changes in 500ms at most every 100ms", n)
	}
}

func TestRedrawLoopTicksWithoutChanges(t *testing.T) {
	var draws atomic.Int32
	err := redrawLoop(context.Background(), source.NewSignal(), pacing{minGap: time.Millisecond, tick: 10 * time.Millisecond}, func() (bool, error) {
		return draws.Add(1) == 3, nil
	})
	if err != nil || draws.Load() != 3 {
		t.Errorf("err %v after %d draws", err, draws.Load())
	}
}
