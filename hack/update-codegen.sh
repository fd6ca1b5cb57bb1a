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

# `go list -m -f '{{.Dir}}'` prints an empty Dir until the module is in the module cache
# (a fresh clone, a fresh GOMODCACHE), so download code-generator at the version go.mod
# pins first. `go tool controller-gen` and `go run` below download what they need themselves.
if ! go mod download k8s.io/code-generator; then
  echo "update-codegen: cannot download k8s.io/code-generator (the version in go.mod); check GOPROXY and the network" >&2
  exit 1
fi
codegen_dir="$(go list -m -f '{{.Dir}}' k8s.io/code-generator)"
if [ -z "${codegen_dir}" ] || [ ! -f "${codegen_dir}/kube_codegen.sh" ]; then
  echo "update-codegen: k8s.io/code-generator is not in the module cache ($(go env GOMODCACHE)) after 'go mod download'; got dir '${codegen_dir}'" >&2
  exit 1
fi
# kube_codegen.sh `go install`s the generators from inside that directory, so with
# code-generator's own go.mod: download its module graph now, so a missing module fails
# here with a clear message rather than half-way through generation.
if ! (cd "${codegen_dir}" && go mod download); then
  echo "update-codegen: cannot download the modules k8s.io/code-generator's generators build with (${codegen_dir}/go.mod)" >&2
  exit 1
fi

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
