//go:build crdmodules

// This file is never compiled (the crdmodules build tag is not set anywhere).
// It exists so that `go mod tidy` keeps istio.io/client-go (and with it
// istio.io/api) and sigs.k8s.io/gateway-api required in go.mod: the cluster
// harness does not import them, it reads the CustomResourceDefinition YAML
// shipped inside those modules (see crds.go) and installs it into the test
// cluster. Requiring the modules pins the CRD versions and records their
// checksums in go.sum. Bump them with `go get`, then check that k8s.io/* stay
// at the Kubernetes version the cluster runs.

package main

import (
	_ "istio.io/api/networking/v1"
	_ "istio.io/client-go/pkg/apis/networking/v1"
	_ "sigs.k8s.io/gateway-api/apis/v1"
)
