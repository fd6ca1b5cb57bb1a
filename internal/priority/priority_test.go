package priority

import (
	"context"
	"testing"
)

func TestUnmarkedContextIsOrdinary(t *testing.T) {
	if got := Of(context.Background()); got != Ordinary {
		t.Errorf("Of(background) = %d, want Ordinary", got)
	}
}

func TestMarkSurvivesDerivedContexts(t *testing.T) {
	ctx, cancel := context.WithCancel(With(context.Background(), UserVisible))
	defer cancel()
	if got := Of(ctx); got != UserVisible {
		t.Errorf("Of(derived) = %d, want UserVisible", got)
	}
	if got := Of(With(ctx, Ordinary)); got != Ordinary {
		t.Errorf("a later mark must win: got %d, want Ordinary", got)
	}
}

func TestOutOfRangeLevelIsOrdinary(t *testing.T) {
	if got := Of(With(context.Background(), Level(7))); got != Ordinary {
		t.Errorf("Of(level 7) = %d, want Ordinary", got)
	}
}
