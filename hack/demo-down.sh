#!/usr/bin/env bash
# make demo-down: stop the demo's controller and the local cluster.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pidfile="${root}/.cluster/sluice-controller.pid"
if [ -f "${pidfile}" ]; then
  pid="$(cat "${pidfile}")"
  if kill -0 "${pid}" 2>/dev/null; then
    kill -TERM "${pid}"
    for _ in $(seq 1 100); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pid}" 2>/dev/null || true
  fi
  rm -f "${pidfile}"
fi
cd "${root}" && go run ./hack/cluster down
