#!/usr/bin/env bash
# Canary: run the new image beside the current pods under the same Service, sized so that it
# takes about PERCENT of the traffic (a Service spreads requests over ready pods), then watch the
# page-level alerts (deploy/prometheus/alerts.yml) for WATCH_MINUTES. Exit 1 (and remove the
# canary) if any fires. Needs kubectl with the production context and PROMETHEUS_URL.
set -euo pipefail
image="$1"; percent="${2:-10}"; watch="${WATCH_MINUTES:-30}"; ctx="${KUBE_CONTEXT:-production}"
current=$(kubectl --context "$ctx" get deployment catalogue-ml -o jsonpath='{.spec.replicas}')
canary=$(( (current * percent + 99 - percent) / (100 - percent) )); canary=$(( canary < 1 ? 1 : canary ))
# The committed Deployment, renamed, on track "canary", with the new image and its share of pods.
sed -e 's/^  name: catalogue-ml$/  name: catalogue-ml-canary/' -e 's/track: stable/track: canary/' \
    -e "s|image: .*|image: $image|" -e "s/replicas: .*/replicas: $canary/" deploy/k8s/deployment.yaml \
  | kubectl --context "$ctx" apply -f -
kubectl --context "$ctx" rollout status deployment/catalogue-ml-canary --timeout=5m
for _ in $(seq "$watch"); do
  sleep 60
  firing=$(curl -fsG "$PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=ALERTS{alertstate="firing",severity="page"}' | jq '.data.result | length')
  if [ "$firing" != 0 ]; then
    echo "page alerts firing during the canary: removing it"; kubectl --context "$ctx" delete deployment/catalogue-ml-canary; exit 1
  fi
done
echo "canary healthy for $watch minutes"
