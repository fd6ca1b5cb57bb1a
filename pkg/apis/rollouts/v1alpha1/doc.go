// Package v1alpha1 is the sluice.dev/v1alpha1 API: Rollout, AnalysisTemplate,
// ClusterAnalysisTemplate and AnalysisRun.
//
// Field names and meanings follow Argo Rollouts' argoproj.io/v1alpha1 schema for
// every feature sluice supports, so a manifest moves over by changing apiVersion.
// The kubebuilder markers here become the CRD schemas in manifests/crds (see
// hack/update-codegen.sh); the doc comments become `kubectl explain` text.
//
// +k8s:deepcopy-gen=package
// +groupName=sluice.dev
package v1alpha1
