package plan

import (
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func blueGreen(autoPromotion bool) *v1alpha1.BlueGreenStrategy {
	return &v1alpha1.BlueGreenStrategy{ActiveService: "active", PreviewService: "preview", AutoPromotionEnabled: &autoPromotion}
}

// healthyBlueGreen is a blue-green rollout deployed once on hash "a".
func healthyBlueGreen(t *testing.T, replicas int32, bg *v1alpha1.BlueGreenStrategy) *world {
	w := newBlueGreenWorld(t, replicas, bg)
	w.deploy("a")
	w.runUntil("first deploy active", 10, time.Second, func() bool {
		return w.ro.Status.StableRS == "a" && w.services["active"].SelectedHash == "a" && w.rs["a"].Available == replicas
	})
	return w
}

func TestBlueGreenPreviewPausePromote(t *testing.T) {
	w := healthyBlueGreen(t, 3, blueGreen(false))
	w.deploy("b")
	w.runUntil("paused with b behind the preview", 10, time.Second, w.paused)
	if w.services["preview"].SelectedHash != "b" || w.services["active"].SelectedHash != "a" || w.rs["b"].Replicas != 3 {
		t.Fatalf("before promotion: %s", w)
	}
	if w.ro.Status.PauseConditions[0].Reason != v1alpha1.PauseReasonBlueGreenPause {
		t.Fatalf("pause reason %s", w.ro.Status.PauseConditions[0].Reason)
	}
	w.tick(time.Hour)
	if w.services["active"].SelectedHash != "a" {
		t.Fatal("switched without promotion")
	}
	w.promote()
	w.runUntil("b active and stable", 10, time.Second, func() bool {
		return w.ro.Status.StableRS == "b" && w.services["active"].SelectedHash == "b"
	})
	if w.rs["a"].Replicas != 3 {
		t.Fatalf("old active scaled down before its delay: %s", w)
	}
	w.runUntil("old active gone after the delay", 40, time.Second, func() bool { return w.rs["a"].Replicas == 0 })
}

func TestBlueGreenPreviewReplicaCountGrowsBeforeSwitch(t *testing.T) {
	bg := blueGreen(false)
	bg.PreviewReplicaCount = ptr(int32(1))
	w := healthyBlueGreen(t, 3, bg)
	w.deploy("b")
	w.runUntil("paused", 10, time.Second, w.paused)
	if w.rs["b"].Replicas != 1 {
		t.Fatalf("preview runs %d pods, want 1", w.rs["b"].Replicas)
	}
	w.promote()
	for i := 0; i < 10 && w.ro.Status.StableRS != "b"; i++ {
		w.tick(time.Second)
		if w.services["active"].SelectedHash == "b" && w.rs["b"].Available < 3 {
			t.Fatalf("active switched to a preview that is not at full size: %s", w)
		}
	}
	if w.ro.Status.StableRS != "b" {
		t.Fatalf("never promoted: %s", w)
	}
}

func TestBlueGreenAutoPromotionSeconds(t *testing.T) {
	bg := blueGreen(false)
	bg.AutoPromotionSeconds = 5
	w := healthyBlueGreen(t, 2, bg)
	w.deploy("b")
	w.runUntil("paused", 10, 100*time.Millisecond, w.paused)
	start := w.now
	w.runUntil("promoted by itself", 100, 100*time.Millisecond, func() bool { return w.services["active"].SelectedHash == "b" })
	if waited := w.now.Sub(start); waited < 5*time.Second || waited > 6*time.Second {
		t.Fatalf("promoted after %s, want about 5s", waited)
	}
}

func TestBlueGreenAbortAndRetry(t *testing.T) {
	w := healthyBlueGreen(t, 3, blueGreen(false))
	w.deploy("b")
	w.runUntil("paused", 10, time.Second, w.paused)
	w.ro.Status.Abort = true
	w.tick(time.Second)
	if w.services["active"].SelectedHash != "a" || w.services["preview"].SelectedHash != "a" || w.rs["b"].Replicas != 3 {
		t.Fatalf("right after abort (preview pods kept for the abort delay): %s", w)
	}
	w.runUntil("preview scaled down after the abort delay", 40, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
	w.ro.Status.Abort = false
	w.runUntil("paused again", 10, time.Second, w.paused)
	if w.services["preview"].SelectedHash != "b" {
		t.Fatalf("retry: %s", w)
	}
}

func TestBlueGreenUndoWithinScaleDownDelay(t *testing.T) {
	w := healthyBlueGreen(t, 3, blueGreen(true))
	w.deploy("b")
	w.runUntil("b active", 10, time.Second, func() bool { return w.ro.Status.StableRS == "b" })
	w.deploy("a") // undo while a is still in its scale-down delay
	w.tick(time.Second)
	w.tick(time.Second)
	if w.services["active"].SelectedHash != "a" {
		t.Fatalf("undo did not take the active Service back at once: %s", w)
	}
}

func TestBlueGreenPromotionAnalysisHooks(t *testing.T) {
	analysis := &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}
	t.Run("pre-promotion waits, then passes", func(t *testing.T) {
		bg := blueGreen(true)
		bg.PrePromotionAnalysis = analysis
		w := healthyBlueGreen(t, 2, bg)
		w.deploy("b")
		w.runUntil("preview up", 10, time.Second, func() bool { return w.rs["b"].Available == 2 })
		w.tick(time.Minute)
		if w.services["active"].SelectedHash != "a" {
			t.Fatal("switched before the pre-promotion analysis passed")
		}
		w.prePromotion = v1alpha1.AnalysisPhaseSuccessful
		w.runUntil("b active", 10, time.Second, func() bool { return w.ro.Status.StableRS == "b" })
	})
	t.Run("failed post-promotion analysis switches back", func(t *testing.T) {
		bg := blueGreen(true)
		bg.PostPromotionAnalysis = analysis
		w := healthyBlueGreen(t, 2, bg)
		w.deploy("b")
		w.runUntil("active switched to b", 10, time.Second, func() bool { return w.services["active"].SelectedHash == "b" })
		if w.ro.Status.StableRS != "a" {
			t.Fatal("b became stable before its post-promotion analysis")
		}
		w.postPromotion = v1alpha1.AnalysisPhaseFailed
		w.runUntil("active back on a", 10, time.Second, func() bool { return w.services["active"].SelectedHash == "a" })
		if !w.ro.Status.Abort {
			t.Fatal("not aborted")
		}
	})
}
