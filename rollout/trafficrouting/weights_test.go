package trafficrouting

import (
	"strings"
	"testing"
)

func TestCheckWeights(t *testing.T) {
	tests := []struct {
		canary, baseline int32
		want             string // "" for accepted
	}{
		{0, 0, ""},
		{100, 0, ""},
		{50, 50, ""},
		{30, 30, ""},
		{60, 50, "the stable's is outside 0..100"},
		{-1, 0, "the canary's is outside 0..100"},
		{10, -1, "the baseline's is outside 0..100"},
		{101, 0, "the canary's is outside 0..100"},
	}
	for _, tt := range tests {
		err := CheckWeights(State{CanaryWeight: tt.canary, BaselineWeight: tt.baseline})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("canary %d, baseline %d: %v", tt.canary, tt.baseline, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("canary %d, baseline %d: %v, want it to say %q", tt.canary, tt.baseline, err, tt.want)
		}
	}
}
