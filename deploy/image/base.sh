#!/usr/bin/env bash
# Stand-in for the Dockerfile's base image where no image registry answers (this machine reaches
# Debian's and PyPI's mirrors, not Docker Hub): Debian bookworm, the Debian of the official
# python:3.11-slim, with Debian's Python 3.11, made by debootstrap and imported into podman under
# the base's name. The label says so; `make image-smoke` prints it. With a registry, the official
# base is pulled instead and this script is never run.
#   usage: deploy/image/base.sh <image reference, e.g. docker.io/library/python:3.11-slim>
set -euo pipefail
ref=${1:?usage: deploy/image/base.sh <image reference>}
STAND_IN_LABEL="catalogue-ml.base-stand-in"

if ! command -v debootstrap >/dev/null; then
    echo "installing debootstrap (Debian package debootstrap)"
    apt-get install -y -qq debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
fi

# The machine's own Debian mirror (deb822 or one-line sources), else Debian's.
mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
    | head -1 | awk '{print $2}' || true)
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
started=$SECONDS
echo "no registry answers for $ref: making a stand-in with debootstrap from $mirror"
# python-is-python3: the official base answers to `python`, which the Dockerfile calls.
debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log"; echo "debootstrap failed (log above)"; exit 1; }
rm -f "$root.log"
# What the official slim image leaves out too: package caches, docs, manuals, translations.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,info,locale}/*
tar -C "$root" -c . | podman import --quiet \
    --change "LABEL $STAND_IN_LABEL=\"debootstrap bookworm minbase + Debian python3 (stands in for $ref)\"" \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$ref" >/dev/null
echo "stand-in base $ref imported in $((SECONDS - started)) s"
