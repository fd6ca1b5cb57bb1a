package cli

import (
	"context"

	"github.com/sluice-dev/sluice/pkg/actions"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// fieldManager names the plugin in managedFields.
const fieldManager = "kubectl-sluice"

// actions is the session's executor of user actions (pkg/actions).
func (s *session) actions() *actions.Executor {
	return &actions.Executor{Sluice: s.sluice, Kube: s.kube, Namespace: s.namespace, FieldManager: fieldManager}
}

// getRollout reads a rollout; a missing one is reported in the user's terms.
func (s *session) getRollout(ctx context.Context, name string) (*v1alpha1.Rollout, error) {
	return s.actions().Rollout(ctx, name)
}

// rolloutError rewrites an API error about a rollout for the user.
func (s *session) rolloutError(name string, err error) error {
	return actions.RolloutError(s.namespace, name, err)
}

// act reads one rollout, applies an action to it and prints what it did. An
// action with nothing to do, or refused, is an error: one line, exit 1.
func (s *session) act(ctx context.Context, name string, decide actions.Decision) (string, error) {
	ex := s.actions()
	ro, err := ex.Rollout(ctx, name)
	if err != nil {
		return "", err
	}
	return ex.Apply(ctx, ro, decide)
}
