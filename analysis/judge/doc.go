// Package judge compares a canary with its baseline metric by metric and
// scores the comparison into a verdict, as Kayenta's canary judge does, with
// three changes (docs/judge.md has the user's view).
//
// Classification. A series metric (latency, CPU: one observation per
// resolution step and side) is compared with the Mann-Whitney U test; the
// Hodges-Lehmann shift and its interval say how far apart the two sides are,
// the ratio of means says by how much. A ratio metric (errors of requests) is
// compared as counts: a pooled two-proportion z test, Fisher's exact test when
// an expected cell is below 5, the rate ratio as effect. A metric is High (or
// Low) only when its p-value is below the look's alpha AND the effect lies
// beyond the allowed ratio AND the direction counts; otherwise Pass. A side
// with fewer than minSamples observations (or a total below it) is NoData.
//
// Scoring. Each group scores the share of its classified metrics that pass;
// the score is the groups' weighted mean × 100; a critical metric that fails
// forces 0; score ≥ pass is Successful, ≥ marginal Inconclusive, else Failed.
// NoData metrics are left out of the score but cap the outcome at the
// configured NoData outcome, so missing data is never Successful.
//
// Where it differs from Kayenta, and why:
//
//   - The p-value is required. Kayenta's Mann-Whitney classifier decides from
//     the confidence interval of the shift alone, and its interval for tiny
//     samples is clamped to the extreme differences, so [10,20,30,40] against
//     [1,2,3,4] comes out High at 98% although the exact two-sided p is 0.0286.
//     Here the look's level decides, and the interval is only reported.
//   - Ratios are counts. Averaging per-step error ratios gives a step with one
//     request the weight of a step with ten thousand, and turns three errors in
//     a window into noise or into a spike depending on where they fell. Events
//     and totals over the window go into a test of proportions.
//   - Repeated looks spend alpha. The judge runs at every measurement and the
//     analysis fails at the first failing one. Kayenta judges each look at the
//     full alpha, so over K looks a canary identical to its baseline fails
//     with probability close to 1−(1−α)^K (23% for five looks at 0.05; the A/A
//     simulation in aa_test.go measures it). Here look k of K is judged at the
//     increment of an O'Brien-Fleming-type Lan-DeMets spending function,
//     α(k/K) − α((k−1)/K) with α(t) = 2 − 2Φ(z_{1−α/2}/√t); the increments sum
//     to α, so by the union bound any false failure over all looks has
//     probability at most α — conservative, but it needs no numerical
//     integration over the looks' joint distribution and holds whether the
//     looks share data (a growing window) or not. Early looks get almost
//     nothing (1.2e-5 of 0.05 at look 1 of 5): their windows are short and
//     a real regression keeps being there at later looks. With no count
//     (open-ended), look k gets α·6/(π²k²), which also sums to α.
//
// Alpha here is per metric. Several metrics each judged at α can together
// fail a good canary more often than α; a score threshold that tolerates one
// failing metric, or a smaller alpha, accounts for that (docs/judge.md).
//
// The package is pure: no Kubernetes, no sluice API types, no I/O; the judge
// metric provider maps the API onto Metric and back.
package judge
