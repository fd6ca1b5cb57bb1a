package actions

import (
	"testing"

	"github.com/sluice-dev/sluice/rollout"
)

// Undo reads the names the controller writes.
func TestNamesAreTheControllers(t *testing.T) {
	for _, n := range []struct{ ours, controllers string }{
		{hashLabel, rollout.HashLabel},
		{revisionAnnotation, rollout.RevisionAnnotation},
		{roleMetadataAnnotation, rollout.RoleMetadataAnnotation},
	} {
		if n.ours != n.controllers {
			t.Errorf("actions reads %q, the controller writes %q", n.ours, n.controllers)
		}
	}
}
