package plan

import (
	"fmt"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// A ReplicaSet a Service selects, or selected until its EndpointSlices catch
// up, keeps its pods (SPEC §2.7 rules 1–2). These tests supersede the
// ReplicaSet behind a Service in each strategy, with EndpointSlices that lag
// one to three reconciles; the world checks every tick that the endpoints a
// Service still has point at available pods.

func TestBlueGreenNewTemplateDuringPostPromotionAnalysis(t *testing.T) {
	for _, lag := range []int{1, 3} {
		t.Run(fmt.Sprintf("endpoints lag %d", lag), func(t *testing.T) {
			bg := blueGreen(true)
			bg.PostPromotionAnalysis = &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}
			w := healthyBlueGreen(t, 2, bg)
			w.endpointLag = lag
			w.deploy("b")
			w.runUntil("active switched to b, post-promotion analysis running", 10, time.Second, func() bool {
				return w.services["active"].SelectedHash == "b" && w.services["active"].Settled
			})
			w.postPromotion = ""
			w.deploy("c")
			// c is promoted automatically in turn; what matters is the checks on the way.
			w.runUntil("c behind the preview, b gone", 20, time.Second, func() bool {
				return w.services["preview"].SelectedHash == "c" && w.rs["b"].Replicas == 0
			})
		})
	}
}

func TestBlueGreenNewTemplateWhilePreviewed(t *testing.T) {
	w := healthyBlueGreen(t, 2, blueGreen(false))
	w.endpointLag = 2
	w.deploy("b")
	w.runUntil("paused with b behind the preview", 10, time.Second, w.paused)
	w.deploy("c")
	w.runUntil("c behind the preview, b gone", 20, time.Second, func() bool {
		return w.services["preview"].SelectedHash == "c" && w.rs["b"].Replicas == 0
	})
}

func TestCanaryNewTemplateWhileCanaryServiceOnIt(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(50), pauseForever()))
	w.endpointLag = 2
	w.deploy("b")
	w.runUntil("paused on b", 20, time.Second, w.paused)
	w.deploy("c")
	w.runUntil("paused on c with b gone", 30, time.Second, func() bool {
		return w.paused() && w.rs["b"].Replicas == 0 && w.services["canary"].SelectedHash == "c"
	})
}
