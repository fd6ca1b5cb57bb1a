package actions

import "strconv"

// The names sluice puts on the ReplicaSets it owns (SPEC §1) that undo reads.
// They are the controller's; labels_test.go checks that they stay so.
const (
	hashLabel          = "sluice.dev/pod-template-hash"
	revisionAnnotation = "sluice.dev/revision"
	// roleMetadataAnnotation records, on a ReplicaSet, the role metadata the
	// controller put on its pod template, as a JSON PodTemplateMetadata.
	roleMetadataAnnotation = "sluice.dev/role-metadata"
)

// revisionOf is an object's sluice.dev/revision annotation, 0 when it has none
// or it is not a number.
func revisionOf(annotations map[string]string) int64 {
	n, err := strconv.ParseInt(annotations[revisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return n
}
