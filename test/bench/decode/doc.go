// Package decode holds the micro-benchmarks behind "Decoding and caches" in
// docs/benchmarks.md (issue 23): what one watch event costs the controller to
// decode as JSON, CBOR or protobuf through client-go's own watch decoding, and
// the objects it decodes — Rollouts of the scale benchmark's shape with a
// realistic status, a Rollout with a large pod template, their ReplicaSets and
// a Service, each as the API server serves them (managedFields included, and,
// where a user applies the object with kubectl, the last-applied annotation).
//
// Run with `make bench-micro`. Nothing here asserts a time: the tests only
// check that every encoding decodes back to the same object.
package decode
