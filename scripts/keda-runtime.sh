#!/usr/bin/env bash
# Provides KEDA's operator and metrics API server (the pinned release's cmd/operator and
# cmd/adapter) in .runtime/keda-bin, for tests/k8s/test_keda_scaling.py and bench/scaling.
#
# Built from the module's own source with KEDA's own go.mod: it replaces
# github.com/nexus-rpc/nexus-proto-annotations (its temporal scaler), which a module that
# merely required KEDA would not see, and it pins k8s.io/* at v0.36.4 where k8s_runtime/
# pins v0.36.3 (MVS would move the control plane). One `go build` of the two; cached outside
# git, keyed by the pin and this script, so a rebuild happens only when one changes.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# The release scripts/k8s-runtime.sh links the CRDs of; 2.21.1 needs Go >= 1.27.4.
keda_version=v2.21.0
link="$repo/.runtime/keda-bin"
binaries=(keda keda-adapter)
log() { echo "keda-runtime: $*" >&2; }

complete() {
  local name
  for name in "${binaries[@]}"; do [ -x "$1/$name" ] || return 1; done
}

command -v go >/dev/null \
  || { echo "error: Go is required to build KEDA $keda_version (go not on PATH)" >&2; exit 1; }
mkdir -p "$repo/.runtime"
key=$(echo "$keda_version" | cat - "$0" | sha256sum | cut -c1-16)
cache="${DAPR_TODO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dapr-todo}/keda-runtime"
out="$cache/${keda_version#v}-$key"
if complete "$out"; then
  ln -sfn "$out" "$link"
  log "KEDA $keda_version already built in $out"
  exit 0
fi
src=$(cd / && go mod download -json "github.com/kedacore/keda/v2@$keda_version" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -f "$src/go.mod" ] || { echo "error: no source for KEDA $keda_version ($src)" >&2; exit 1; }
log "building KEDA $keda_version operator and metrics server into $out (first time only; several minutes)"
tmp="$out.tmp.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$src"
# What KEDA's Makefile stamps (the operator logs it; the metrics server reports it).
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/kedacore/keda/v2/version.Version=${keda_version#v}" \
  -o "$tmp/" ./cmd/operator ./cmd/adapter
mv "$tmp/operator" "$tmp/keda" && mv "$tmp/adapter" "$tmp/keda-adapter"  # as KEDA's images name them
complete "$tmp" || { echo "error: the build left no ${binaries[*]} in $tmp" >&2; exit 1; }
rm -rf "$out" && mv "$tmp" "$out"
trap - EXIT
ln -sfn "$out" "$link"
log "built KEDA $keda_version: $(du -sh "$out" | cut -f1)"
