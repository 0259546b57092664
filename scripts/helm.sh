#!/usr/bin/env bash
# Provides the pinned helm CLI at .runtime/helm, for linting and rendering helm/dapr-todo.
#
# Uses an existing helm of the pinned version on PATH; otherwise builds it once from its Go
# module into a cache outside git, keyed by the version, so it is rebuilt only when the pin
# changes.
set -euo pipefail

version=v3.22.0
repo=$(cd "$(dirname "$0")/.." && pwd)
link="$repo/.runtime/helm"
mkdir -p "$repo/.runtime"

log() { echo "helm: $*" >&2; }

helm_version() { "$1" version --template '{{.Version}}' 2>/dev/null || true; }

existing=$(command -v helm 2>/dev/null || true)
if [ -n "$existing" ] && [ "$(helm_version "$existing")" = "$version" ]; then
  ln -sfn "$existing" "$link"
  exit 0
fi

cache="${DAPR_TODO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dapr-todo}/helm/$version"
if [ ! -x "$cache/helm" ] || [ "$(helm_version "$cache/helm")" != "$version" ]; then
  command -v go >/dev/null || { echo "error: Go is required to build helm $version (go not on PATH)" >&2; exit 1; }
  log "building helm $version into $cache (first time only; a few minutes)"
  tmp="$cache.tmp.$$"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp"
  # The ldflags helm's own Makefile sets: its version, and the Kubernetes version that lint
  # and template assume (that of the client-go it requires, v0.37 for this release).
  flags="-s -w -X helm.sh/helm/v3/internal/version.version=$version"
  for pkg in pkg/lint/rules pkg/chartutil; do
    flags+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=37"
  done
  CGO_ENABLED=0 GOBIN="$tmp" go install -trimpath -ldflags "$flags" "helm.sh/helm/v3/cmd/helm@$version"
  rm -rf "$cache" && mv "$tmp" "$cache"
  trap - EXIT
fi
ln -sfn "$cache/helm" "$link"
got=$(helm_version "$link")
[ "$got" = "$version" ] || { echo "error: $link reports '$got', expected $version" >&2; exit 1; }
