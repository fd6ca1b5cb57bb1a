#!/usr/bin/env bash
# Fails when generated code or CRDs are stale: regenerates into a scratch copy of the
# tree and compares it with the working tree.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT

# Copy the tracked and untracked (not ignored) files, so the check sees the tree as it is.
cd "${root}"
git ls-files --cached --others --exclude-standard -z | xargs -0 cp --parents -t "${scratch}"
# Drop generated output so a generator that stops producing a file is caught too.
rm -rf "${scratch}/pkg/client" "${scratch}/manifests/crds" \
  "${scratch}/manifests/install.yaml" "${scratch}/manifests/namespace-install.yaml"
find "${scratch}/pkg/apis" -name 'zz_generated.*.go' -delete

(cd "${scratch}" && ./hack/update-codegen.sh >/dev/null)

status=0
for path in pkg/client pkg/apis manifests/crds manifests/install.yaml manifests/namespace-install.yaml; do
  if ! diff -ru "${root}/${path}" "${scratch}/${path}" >/tmp/sluice-codegen.diff 2>&1; then
    echo "generated ${path} is stale: run 'make codegen'" >&2
    head -40 /tmp/sluice-codegen.diff >&2
    status=1
  fi
done
exit "${status}"
