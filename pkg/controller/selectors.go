package controller

import (
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/sluice-dev/sluice/analysis/provider/job"
	"github.com/sluice-dev/sluice/rollout"
)

// instanceSelector scopes the objects a controller instance owns: with an
// instance id, only objects labelled sluice.dev/instance-id=<id>; without one,
// only objects that carry no instance label at all, so a default controller
// never touches what a named instance manages.
func instanceSelector(instanceID string) labels.Selector {
	if instanceID == "" {
		return labels.NewSelector().Add(mustRequirement(rollout.InstanceLabel, selection.DoesNotExist))
	}
	return labels.NewSelector().Add(mustRequirement(rollout.InstanceLabel, selection.Equals, instanceID))
}

// replicaSetSelector keeps the ReplicaSet cache to the ReplicaSets sluice
// created (they carry sluice's pod-template-hash label) for this instance, so a
// cluster full of Deployments costs the controller nothing.
func replicaSetSelector(instanceID string) labels.Selector {
	return instanceSelector(instanceID).Add(mustRequirement(rollout.HashLabel, selection.Exists))
}

// jobSelector keeps the Job cache to the Jobs of job metrics this instance's
// AnalysisRuns created.
func jobSelector(instanceID string) labels.Selector {
	return instanceSelector(instanceID).Add(mustRequirement(job.RunUIDLabel, selection.Exists))
}

// podSelector keeps the pod metadata cache to pods of sluice's ReplicaSets. It
// does not filter by instance: pods get their labels from the Rollout's pod
// template, which carries no instance label (only the ReplicaSet does), and
// the controller reaches pods only through its own ReplicaSets' selectors.
func podSelector() labels.Selector {
	return labels.NewSelector().Add(mustRequirement(rollout.HashLabel, selection.Exists))
}

// mustRequirement builds a requirement from constant keys; a failure is a
// programming error (the instance id value is validated in Options.Validate).
func mustRequirement(key string, op selection.Operator, values ...string) labels.Requirement {
	r, err := labels.NewRequirement(key, op, values)
	if err != nil {
		panic(err)
	}
	return *r
}
