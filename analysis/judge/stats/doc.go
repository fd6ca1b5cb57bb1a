// Package stats holds the judge's statistics: the Mann-Whitney U test with the
// Hodges-Lehmann shift and its confidence interval (series metrics), tests of
// two proportions given as counts (ratio metrics), cleaning of samples
// (NaN, outliers) and alpha spending over repeated looks.
//
// It is pure arithmetic: no Kubernetes, no sluice API, no I/O, no clock. gonum
// supplies the normal distribution; the tests themselves are written here
// (gonum has no Mann-Whitney test).
//
// Conventions: x is the canary's sample and y the baseline's, so a positive
// shift means the canary is higher; p-values are two-sided; where R and SciPy
// agree on a definition (U of the first sample, midranks for ties, the
// continuity correction, Fisher's two-sided p by summing the tables no more
// likely than the observed one) this package follows it, so its numbers can be
// checked against theirs.
package stats
