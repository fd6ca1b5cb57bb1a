package stats

import "sync"

// The permutation distribution of U for sample sizes (m, n) with no ties.
// It is computed once per size pair and kept: a judge compares samples of the
// same sizes look after look, and simulations do so thousands of times.

var (
	uTablesMu sync.Mutex
	uTables   = map[[2]int][]float64{}
)

// uCDF is P(U ≤ k) for samples of sizes m and n, both below ExactLimit.
func uCDF(m, n, k int) float64 {
	if k < 0 {
		return 0
	}
	if k >= m*n {
		return 1
	}
	return uCDFTable(m, n)[k]
}

// uQuantile is the smallest k with P(U ≤ k) ≥ p (R's qwilcox).
func uQuantile(m, n int, p float64) int {
	cdf := uCDFTable(m, n)
	for k, c := range cdf {
		if c >= p {
			return k
		}
	}
	return m * n
}

func uCDFTable(m, n int) []float64 {
	if m > n {
		m, n = n, m // U has the same distribution for (m, n) and (n, m)
	}
	key := [2]int{m, n}
	uTablesMu.Lock()
	defer uTablesMu.Unlock()
	if t, ok := uTables[key]; ok {
		return t
	}
	pmf := uDistribution(m, n)
	cdf := make([]float64, len(pmf))
	sum := 0.0
	for k, p := range pmf {
		sum += p
		cdf[k] = sum
	}
	uTables[key] = cdf
	return cdf
}

// uDistribution returns P(U = k), k = 0..m·n, by the recurrence on the largest
// of the m+n values: it belongs to x with probability i/(i+j), and then beats
// all j values of y (U grows by j), or to y, adding nothing. Working with
// probabilities rather than counts keeps every term positive and in range.
func uDistribution(m, n int) []float64 {
	// prev[j] holds P(U = ·) for sizes (i−1, j); cur[j] for (i, j).
	prev := make([][]float64, n+1)
	for j := range prev {
		prev[j] = []float64{1} // i = 0: U is 0
	}
	for i := 1; i <= m; i++ {
		cur := make([][]float64, n+1)
		cur[0] = []float64{1}
		for j := 1; j <= n; j++ {
			fromX := float64(i) / float64(i+j)
			fromY := float64(j) / float64(i+j)
			dist := make([]float64, i*j+1)
			for k, p := range prev[j] { // (i−1, j): shifted by j
				dist[k+j] += fromX * p
			}
			for k, p := range cur[j-1] { // (i, j−1)
				dist[k] += fromY * p
			}
			cur[j] = dist
		}
		prev = cur
	}
	return prev[n]
}
