#!/usr/bin/env bash
# make demo: a local cluster, the sluice controller, and a canary Rollout moving
# through its steps. Leaves everything running for you to play with; `make
# demo-down` stops it all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"
state="${root}/.cluster"
bin="${root}/bin"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "Building sluice"
make -s build

# A previous demo (or a cluster left by an interrupted test run) is stopped first.
"${root}/hack/demo-down.sh" >/dev/null 2>&1 || true

say "Starting the local cluster (the first run builds Kubernetes from source: ~7 minutes)"
go run ./hack/cluster up
eval "$(go run ./hack/cluster env)"
kubectl="$(sed -n 's/.*"kubectl": "\(.*\)".*/\1/p' "${state}/cluster.json")"

say "Starting sluice-controller (log: .cluster/logs/sluice-controller.log)"
setsid "${bin}/sluice-controller" --kubeconfig="${KUBECONFIG}" --leader-elect=false \
  --health-addr=127.0.0.1:18080 --metrics-addr=127.0.0.1:18090 \
  --prometheus-address=http://127.0.0.1:19090 \
  >"${state}/logs/sluice-controller.log" 2>&1 < /dev/null &
echo $! >"${state}/sluice-controller.pid"
for _ in $(seq 1 100); do
  curl -fs http://127.0.0.1:18080/healthz >/dev/null 2>&1 && break
  sleep 0.1
done

say "Deploying the demo Rollout (first deploy goes straight to 100%)"
"${kubectl}" apply -f manifests/examples/demo/rollout.yaml
"${kubectl}" wait rollout/demo --for=jsonpath='{.status.phase}'=Healthy --timeout=120s
"${kubectl}" get rollout demo

say "Releasing a new image: example/demo:green"
"${kubectl}" patch rollout demo --type=json \
  -p='[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"example/demo:green"}]'

show() {
  "${kubectl}" get rollout demo -o jsonpath='{"step "}{.status.currentStepIndex}{"/4  phase "}{.status.phase}{"  "}{.status.message}{"\n"}'
  "${kubectl}" get rs -l app=demo -L sluice.dev/pod-template-hash --no-headers | awk '{printf "    ReplicaSet %-22s desired %s ready %s\n", $1, $2, $4}'
  printf '    Service demo-stable → %s, demo-canary → %s\n' \
    "$("${kubectl}" get svc demo-stable -o jsonpath='{.spec.selector.sluice\.dev/pod-template-hash}')" \
    "$("${kubectl}" get svc demo-canary -o jsonpath='{.spec.selector.sluice\.dev/pod-template-hash}')"
}
say "Watching the steps: setWeight 20 → pause 10s → setWeight 50 → pause (until promoted)"
last=""
for _ in $(seq 1 120); do
  now="$("${kubectl}" get rollout demo -o jsonpath='{.status.currentStepIndex}/{.status.phase}/{.status.availableReplicas}')"
  if [ "${now}" != "${last}" ]; then show; last="${now}"; fi
  case "${now}" in 3/Paused/*) break ;; esac
  sleep 0.5
done

say "Promoting past the indefinite pause"
"${kubectl}" patch rollout demo --subresource=status --type=merge -p '{"status":{"pauseConditions":null}}'
"${kubectl}" wait rollout/demo --for=jsonpath='{.status.phase}'=Healthy --timeout=120s >/dev/null
show

cat <<MSG

The demo Rollout is Healthy on example/demo:green, and everything is still running.

  export KUBECONFIG=${KUBECONFIG}
  export PATH=${bin}:\$PATH                     # kubectl-sluice, so "kubectl sluice" works
  alias kubectl=${kubectl}

  kubectl sluice get rollout demo -w              # watch it (exits when Healthy or Degraded)
  kubectl sluice set image demo '*=example/demo:v3'
  kubectl sluice promote demo                     # past the indefinite pause
  kubectl sluice abort demo                       # back to stable
  kubectl sluice retry demo
  kubectl sluice status demo -w -t 2m             # for CI: exit 0 Healthy, 1 Degraded, 2 timeout
  kubectl get events --field-selector involvedObject.name=demo

Controller log: .cluster/logs/sluice-controller.log
Stop everything: make demo-down
MSG
