#!/usr/bin/env bash
# Promote the canary's image to the main Deployment (rolling, maxUnavailable 0), remove the
# canary; roll back to the previous ReplicaSet if the rollout does not become ready.
set -euo pipefail
image="$1"; ctx="${KUBE_CONTEXT:-production}"
kubectl --context "$ctx" set image deployment/catalogue-ml server="$image"
if ! kubectl --context "$ctx" rollout status deployment/catalogue-ml --timeout=10m; then
  echo "rollout failed: rolling back"; kubectl --context "$ctx" rollout undo deployment/catalogue-ml; exit 1
fi
kubectl --context "$ctx" delete deployment/catalogue-ml-canary --ignore-not-found
