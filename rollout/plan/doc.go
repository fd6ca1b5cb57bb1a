// Package plan decides, without side effects, what one reconcile of a Rollout
// should do: the replica count of every ReplicaSet, which ReplicaSet each Service
// selects, the step the rollout is on, its pause conditions, and when to look again.
//
// The controller (package rollout) observes the cluster, calls Canary (or, later,
// BlueGreen) with what it saw, and applies the returned Plan with small idempotent
// writers. `kubectl sluice plan` runs the same code offline to draw a rollout's
// timeline. Everything here is a pure function of its Input, so it is table-tested
// with worked examples.
//
// Vocabulary:
//   - new: the ReplicaSet whose pod template equals the Rollout's current template.
//   - stable: the ReplicaSet named by status.stableRS, the last fully promoted one.
//   - others: every other ReplicaSet of the Rollout (older revisions, superseded
//     canaries, an old stable in its scale-down delay).
package plan
