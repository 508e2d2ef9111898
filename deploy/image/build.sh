#!/usr/bin/env bash
# `make image`: builds the Dockerfile, unchanged, with docker where an engine answers, else podman.
# Everything this machine needs (podman itself, a stand-in base, the CA certificate pip must trust)
# is added here, at build time, never written into the Dockerfile.
#   ENGINE=docker|podman (default: docker if `docker info` answers), IMAGE=<tag> (default catalogue-ml)
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=${ENGINE:-$(docker info >/dev/null 2>&1 && echo docker || echo podman)}
image=${IMAGE:-catalogue-ml}
base=$(awk 'toupper($1) == "FROM" { print $2; exit }' Dockerfile)
started=$SECONDS

case "$engine" in
docker)
    docker build -t "$image" .
    ;;
podman)
    if ! command -v podman >/dev/null; then
        [ "$(id -u)" = 0 ] || { echo "podman is missing: install it (apt-get install podman) or run make image as root"; exit 1; }
        echo "installing podman (Debian package podman)"
        apt-get install -y -qq podman >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq podman >/dev/null; }
    fi
    # Short names are Docker Hub's library images; podman wants them spelled out to pull.
    case "$base" in */*) ref=$base ;; *) ref=docker.io/library/$base ;; esac
    if ! podman image exists "$ref" && ! timeout 120 podman pull --quiet "$ref" >/dev/null 2>&1; then
        deploy/image/base.sh "$ref"
    fi
    # A machine behind a TLS-inspecting proxy gives pip its CA file in the environment; the build's
    # RUN steps see it in the usual place for as long as they run (a mount is not part of the image).
    mounts=()
    for cert in "${PIP_CERT:-}" "${REQUESTS_CA_BUNDLE:-}" "${SSL_CERT_FILE:-}"; do
        if [ -n "$cert" ] && [ -f "$cert" ]; then
            mounts=(--volume "$cert:/etc/ssl/certs/ca-certificates.crt:ro")
            break
        fi
    done
    # chroot isolation: no OCI runtime is needed to build (none can run here); docker format keeps
    # the Dockerfile's HEALTHCHECK, which the OCI format drops.
    podman build --isolation chroot --format docker --pull=never "${mounts[@]}" -t "$image" .
    podman image prune --force >/dev/null  # the build stage's layers
    ;;
*)
    echo "ENGINE=$engine is not an engine this builds with: use ENGINE=docker or ENGINE=podman"
    exit 2
    ;;
esac

size=$($engine image inspect "$image" --format '{{.Size}}')
echo "image $image built by $engine in $((SECONDS - started)) s: $((size / 1000000)) MB"
