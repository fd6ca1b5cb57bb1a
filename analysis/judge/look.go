package judge

import "github.com/sluice-dev/sluice/analysis/judge/stats"

// LookAlpha is the level a look is judged at: alpha spent over the planned
// looks with an O'Brien-Fleming-type function, or alpha·6/(π²k²) when the
// number of looks is open-ended (doc.go says why).
func LookAlpha(alpha float64, look Look) float64 {
	return stats.LookAlpha(alpha, look.Index, look.Of)
}
