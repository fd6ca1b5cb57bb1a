#!/usr/bin/env bash
# Regenerates everything generated in this repository:
#   - deepcopy functions (zz_generated.deepcopy.go) and the typed clientset, listers and
#     informers under pkg/client, with k8s.io/code-generator's kube_codegen.sh;
#   - the CRDs under manifests/crds, with controller-gen, then trimmed by hack/crdlean so
#     every file stays small enough for client-side `kubectl apply`;
#   - manifests/install.yaml and manifests/namespace-install.yaml, assembled by
#     hack/geninstall from manifests/base and the CRDs, so the install file's CRDs never drift.
# code-generator and controller-gen are pinned in go.mod, so the output only changes when
# the API (or manifests/base) does.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

module="github.com/sluice-dev/sluice"
boilerplate="${root}/hack/boilerplate.go.txt"
codegen_dir="$(go list -m -f '{{.Dir}}' k8s.io/code-generator)"

# shellcheck source=/dev/null
source "${codegen_dir}/kube_codegen.sh"

kube::codegen::gen_helpers \
  --boilerplate "${boilerplate}" \
  "${root}/pkg/apis"

# gen_client looks for stale files in these folders; make sure they exist.
mkdir -p pkg/client/clientset pkg/client/listers pkg/client/informers
kube::codegen::gen_client \
  --with-watch \
  --output-dir "${root}/pkg/client" \
  --output-pkg "${module}/pkg/client" \
  --boilerplate "${boilerplate}" \
  "${root}/pkg/apis"

rm -f manifests/crds/*.yaml
go tool controller-gen \
  crd:generateEmbeddedObjectMeta=true \
  paths=./pkg/apis/... \
  output:crd:dir=./manifests/crds
go run ./hack/crdlean manifests/crds/*.yaml

go run ./hack/geninstall
