package trafficrouting

import "fmt"

// CheckWeights refuses a State whose shares a router must not write: each
// within 0..100 and, the stable's being the rest, summing to 100 (SPEC §2.7
// rule 4). Planning never makes such a State; a router checks anyway, since a
// weight it wrote would move real traffic.
func CheckWeights(s State) error {
	for _, w := range []struct {
		side   string
		weight int32
	}{{"canary", s.CanaryWeight}, {"baseline", s.BaselineWeight}, {"stable", s.StableWeight()}} {
		if w.weight < 0 || w.weight > 100 {
			return fmt.Errorf("refusing weights canary %d%%, baseline %d%%, stable %d%%: the %s's is outside 0..100",
				s.CanaryWeight, s.BaselineWeight, s.StableWeight(), w.side)
		}
	}
	return nil
}
