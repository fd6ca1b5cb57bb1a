package controller

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
)

// The label and annotation the Rollout controller puts on its ReplicaSets
// (SPEC §1); repeated here so notifications do not import the Rollout
// controller.
const (
	hashLabel          = "sluice.dev/pod-template-hash"
	revisionAnnotation = "sluice.dev/revision"
)

// replicaSetRevision reads a ReplicaSet's pod-template hash and revision; ok
// is false when either is missing or the revision is not a number.
func replicaSetRevision(rs *appsv1.ReplicaSet) (hash string, revision int64, ok bool) {
	hash = rs.Labels[hashLabel]
	revision, err := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64)
	return hash, revision, hash != "" && err == nil
}
