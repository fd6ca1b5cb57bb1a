package plan

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// The tables below are the worked examples in the doc comments of replicas.go.

func TestCanaryWeightReplicas(t *testing.T) {
	weights := []int32{0, 1, 33, 50, 99, 100}
	want := map[int32][]int32{
		1:   {0, 1, 1, 1, 1, 1},
		3:   {0, 1, 1, 2, 3, 3},
		10:  {0, 1, 3, 5, 10, 10},
		100: {0, 1, 33, 50, 99, 100},
	}
	for replicas, row := range want {
		for i, w := range weights {
			if got := canaryWeightReplicas(replicas, w); got != row[i] {
				t.Errorf("canaryWeightReplicas(%d, %d) = %d, want %d", replicas, w, got, row[i])
			}
		}
	}
}

func TestRoutedCanaryReplicas(t *testing.T) {
	weights := []int32{0, 1, 33, 50, 99, 100}
	want := map[int32][]int32{
		1:   {0, 1, 1, 1, 1, 1},
		3:   {0, 1, 1, 2, 3, 3},
		10:  {0, 1, 4, 5, 10, 10},
		100: {0, 1, 33, 50, 99, 100},
	}
	for replicas, row := range want {
		for i, w := range weights {
			if got := routedCanaryReplicas(replicas, w); got != row[i] {
				t.Errorf("routedCanaryReplicas(%d, %d) = %d, want %d", replicas, w, got, row[i])
			}
		}
	}
}

func TestSurgeAndUnavailable(t *testing.T) {
	pct := intstr.FromString("25%")
	zero, one := intstr.FromInt32(0), intstr.FromInt32(1)
	type pair struct{ surge, unavailable *intstr.IntOrString }
	columns := []pair{{&pct, &pct}, {&zero, &pct}, {&one, &zero}, {&pct, &zero}}
	want := map[int32][][2]int32{
		1:   {{1, 0}, {0, 1}, {1, 0}, {1, 0}},
		3:   {{1, 0}, {0, 1}, {1, 0}, {1, 0}},
		10:  {{3, 2}, {0, 2}, {1, 0}, {3, 0}},
		100: {{25, 25}, {0, 25}, {1, 0}, {25, 0}},
	}
	for replicas, row := range want {
		for i, c := range columns {
			s, u := surgeAndUnavailable(replicas, c.surge, c.unavailable)
			if s != row[i][0] || u != row[i][1] {
				t.Errorf("replicas %d, %s/%s: got %d/%d, want %d/%d", replicas, c.surge.String(), c.unavailable.String(), s, u, row[i][0], row[i][1])
			}
		}
	}
}
