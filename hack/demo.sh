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
"${kubectl}" wait rollouts.sluice.dev/demo --for=jsonpath='{.status.phase}'=Healthy --timeout=120s
"${kubectl}" get rollouts.sluice.dev demo

say "Releasing a new image: example/demo:green"
"${kubectl}" patch rollouts.sluice.dev demo --type=json \
  -p='[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"example/demo:green"}]'

show() { "${bin}/kubectl-sluice" get rollout demo --no-color; echo; }
say "Watching the steps: setWeight 20 → pause 10s → setWeight 50 → analysis → pause (until promoted)"
last=""
for _ in $(seq 1 240); do
  now="$("${kubectl}" get rollouts.sluice.dev demo -o jsonpath='{.status.currentStepIndex}/{.status.phase}/{.status.availableReplicas}/{.status.canary.currentStepAnalysisRunStatus.status}')"
  if [ "${now}" != "${last}" ]; then show; last="${now}"; fi
  case "${now}" in 4/Paused/*|*/Degraded/*) break ;; esac
  sleep 0.5
done

say "Promoting past the indefinite pause: kubectl sluice promote demo"
"${bin}/kubectl-sluice" promote demo
# Redraws in place on a terminal and exits once the rollout is Healthy.
timeout 120 "${bin}/kubectl-sluice" get rollout demo -w

cat <<MSG

The demo Rollout is Healthy on example/demo:green, and everything is still running.

  export KUBECONFIG=${KUBECONFIG}
  export PATH=${bin}:\$PATH                     # kubectl-sluice, so "kubectl sluice" works
  alias kubectl=${kubectl}

  kubectl sluice get rollout demo -w              # watch it (exits once Healthy or Degraded and settled)
  kubectl sluice set image demo '*=example/demo:v3'
  kubectl sluice promote demo                     # past the indefinite pause
  kubectl sluice abort demo                       # back to stable
  kubectl sluice retry demo
  kubectl sluice status demo -w -t 2m             # for CI: exit 0 Healthy, 1 Degraded, 2 timeout
  kubectl get analysisruns.sluice.dev             # the analysis step's runs

Make the canary fail its analysis and watch sluice abort the next release:

  curl -X POST localhost:19100/control -d '{"version":"canary","errorRate":0.5}'
  kubectl sluice set image demo '*=example/demo:red'
  kubectl sluice get rollout demo -w              # the analysis fails → aborted; exits 1 once back on stable
  curl -X POST localhost:19100/control -d '{"version":"canary","errorRate":0}'
  kubectl sluice retry demo                       # a fresh analysis run; it passes
  kubectl get events --field-selector involvedObject.name=demo

The other examples work here as they are; the comments at the top of each say what every
step does. Blue-green with a pre-promotion analysis of web-preview in Prometheus:

  kubectl apply -f manifests/examples/analysistemplate.yaml -f manifests/examples/bluegreen.yaml
  kubectl sluice set image web-bg '*=ghcr.io/example/web:1.1.0'
  kubectl sluice get rollout web-bg -w            # preview, a 2-minute analysis, then paused:
  kubectl sluice promote web-bg                   #   promote from another terminal

A routed canary (Istio VirtualService weights; the cluster has the CRDs, no mesh), with the
exporter's traffic following the weights so Prometheus sees the canary's share:

  kubectl apply -f manifests/examples/istio-canary.yaml
  curl -X POST localhost:19100/apps -d '{"name":"shop","namespace":"default","rollout":"shop","rate":100}'
  kubectl sluice set image shop '*=example/shop:2'
  kubectl sluice promote shop                      # at each pause: beta testers' header route, 10%, 50%
  kubectl get virtualservice shop -o yaml          # the weights and routes sluice set

Controller log: .cluster/logs/sluice-controller.log
Stop everything: make demo-down
MSG
