package stats

import "sort"

// rankSum returns the sum of the midranks of x in the pooled sample x ∪ y and
// the sizes of the groups of tied values (only groups of two or more), which
// the normal approximation's variance needs.
func rankSum(x, y []float64) (sumX float64, ties []int) {
	type obs struct {
		v   float64
		inX bool
	}
	pooled := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		pooled = append(pooled, obs{v, true})
	}
	for _, v := range y {
		pooled = append(pooled, obs{v, false})
	}
	sort.Slice(pooled, func(i, j int) bool { return pooled[i].v < pooled[j].v })
	for i := 0; i < len(pooled); {
		j := i + 1
		for j < len(pooled) && pooled[j].v == pooled[i].v {
			j++
		}
		// Positions i..j-1 (ranks i+1..j) share the mean of their ranks.
		midrank := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if pooled[k].inX {
				sumX += midrank
			}
		}
		if j-i > 1 {
			ties = append(ties, j-i)
		}
		i = j
	}
	return sumX, ties
}
