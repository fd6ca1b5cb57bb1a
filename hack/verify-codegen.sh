#!/usr/bin/env bash
# Fails when generated code or CRDs are stale: regenerates into a scratch copy of the
# tree and compares it with the working tree. Needs no warm module cache:
# update-codegen.sh downloads the generators it runs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
scratch="$(mktemp -d)"
difffile="$(mktemp)"
trap 'rm -rf "${scratch}" "${difffile}"' EXIT

# Copy the tracked and untracked (not ignored) files, so the check sees the tree as it is.
# Outside a git checkout of this tree (an exported copy, a source archive), copy all of
# it but what .gitignore lists.
cd "${root}"
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "${root}" ]; then
  git ls-files --cached --others --exclude-standard -z | xargs -0 cp --parents -t "${scratch}"
else
  tar -C "${root}" --exclude=./.git --exclude=./bin --exclude=./.cluster --exclude=./_output \
    --exclude=./.bench --exclude='*.test' --exclude='*.out' -cf - . | tar -C "${scratch}" -xf -
fi
# Drop generated output so a generator that stops producing a file is caught too.
rm -rf "${scratch}/pkg/client" "${scratch}/manifests/crds" \
  "${scratch}/manifests/install.yaml" "${scratch}/manifests/namespace-install.yaml"
find "${scratch}/pkg/apis" -name 'zz_generated.*.go' -delete

if ! (cd "${scratch}" && ./hack/update-codegen.sh >/dev/null); then
  echo "verify-codegen: hack/update-codegen.sh failed (see above)" >&2
  exit 1
fi

status=0
for path in pkg/client pkg/apis manifests/crds manifests/install.yaml manifests/namespace-install.yaml; do
  if ! diff -ru "${root}/${path}" "${scratch}/${path}" >"${difffile}" 2>&1; then
    echo "generated ${path} is stale: run 'make codegen'" >&2
    head -40 "${difffile}" >&2
    status=1
  fi
done
exit "${status}"
