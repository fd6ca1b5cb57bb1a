package plan

import (
	"math"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// canaryWeightReplicas is the canary's share of replicas for a setWeight step when
// no traffic router is involved: the weight is a replica ratio.
//
// canary = round(replicas × weight / 100), ties rounded up, and at least 1 when
// 0 < weight < 100 so a small weight still runs a canary pod. The stable side gets
// the rest (and is kept at one pod or more while its Service selects it; see
// stableFloor).
//
//	replicas  weight:  0   1   33   50   99  100
//	       1           0   1    1    1    1    1
//	       3           0   1    1    2    3    3
//	      10           0   1    3    5   10   10
//	     100           0   1   33   50   99  100
func canaryWeightReplicas(replicas, weight int32) int32 {
	switch {
	case weight <= 0 || replicas <= 0:
		return 0
	case weight >= 100:
		return replicas
	}
	canary := int32(math.Floor(float64(replicas)*float64(weight)/100 + 0.5))
	if canary < 1 {
		canary = 1
	}
	return canary
}

// routedCanaryReplicas is the canary size for a weight when a traffic router
// carries the weight: ceil(replicas × weight / 100), so the canary always has the
// capacity for its share of traffic.
//
//	replicas  weight:  0   1   33   50   99  100
//	       1           0   1    1    1    1    1
//	       3           0   1    1    2    3    3
//	      10           0   1    4    5   10   10
//	     100           0   1   33   50   99  100
func routedCanaryReplicas(replicas, weight int32) int32 {
	if weight <= 0 || replicas <= 0 {
		return 0
	}
	if weight >= 100 {
		return replicas
	}
	return int32(math.Ceil(float64(replicas) * float64(weight) / 100))
}

// surgeAndUnavailable resolves maxSurge and maxUnavailable for a replica count the
// way the Deployment controller does: surge rounds up, unavailable rounds down, and
// when both come out 0 unavailable becomes 1 so the rollout can always move.
//
//	replicas  maxSurge/maxUnavailable 25%/25%   0/25%   1/0   25%/0
//	       1                          1/0       0/1     1/0   1/0
//	       3                          1/0       0/1     1/0   1/0
//	      10                          3/2       0/2     1/0   3/0
//	     100                         25/25      0/25    1/0  25/0
func surgeAndUnavailable(replicas int32, maxSurge, maxUnavailable *intstr.IntOrString) (surge, unavailable int32) {
	surge = scaledValue(maxSurge, replicas, true)
	unavailable = scaledValue(maxUnavailable, replicas, false)
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

func scaledValue(v *intstr.IntOrString, replicas int32, roundUp bool) int32 {
	if v == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, int(replicas), roundUp)
	if err != nil || n < 0 {
		return 0
	}
	return int32(n)
}
