#!/usr/bin/env bash
# Provides the pinned Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)
# in .runtime/k8s-bin, for tests/k8s (the Helm chart admitted by a real API server), and the
# CRDs of the pinned KEDA release (ScaledObject, TriggerAuthentication) in .runtime/keda-crds.
#
# Builds all three in one `go build` from k8s_runtime/ (a Go module that requires the
# releases) into a cache outside git, keyed by the pins, so a rebuild happens only when a
# pin changes.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
src="$repo/k8s_runtime"
pin() { sed -n "s/^[[:space:]]*$1 v\([0-9.]*\)$/\1/p" "$src/go.mod"; }
k8s_version=$(pin 'k8s.io\/kubernetes')
etcd_version=$(pin 'go.etcd.io\/etcd\/server\/v3')
[ -n "$k8s_version" ] && [ -n "$etcd_version" ] \
  || { echo "error: no k8s.io/kubernetes or etcd pin in $src/go.mod" >&2; exit 1; }
link="$repo/.runtime/k8s-bin"
mkdir -p "$repo/.runtime"
binaries=(etcd kube-apiserver kube-controller-manager)
# KEDA 2.21 is built against Kubernetes 1.36 (k8s.io/api v0.36); 2.21.1 needs Go >= 1.27.4.
keda_version=v2.21.0

log() { echo "k8s-runtime: $*" >&2; }

complete() {
  local name
  for name in "${binaries[@]}"; do [ -x "$1/$name" ] || return 1; done
}

command -v go >/dev/null \
  || { echo "error: Go is required to build Kubernetes $k8s_version (go not on PATH)" >&2; exit 1; }
# Only its source (the module cache keeps it): its CRDs, config/crd/bases.
keda_dir=$(cd / && go mod download -json "github.com/kedacore/keda/v2@$keda_version" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$keda_dir/config/crd/bases" ] || { echo "error: no CRDs in KEDA $keda_version ($keda_dir)" >&2; exit 1; }
ln -sfn "$keda_dir/config/crd/bases" "$repo/.runtime/keda-crds"
key=$(cat "$src/go.mod" "$src/go.sum" "$src/tools.go" "$0" | sha256sum | cut -c1-16)
cache="${DAPR_TODO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dapr-todo}/k8s-runtime"
out="$cache/$k8s_version-$key"
if complete "$out"; then
  ln -sfn "$out" "$link"
  log "Kubernetes $k8s_version and etcd $etcd_version already built in $out"
  exit 0
fi
log "building Kubernetes $k8s_version and etcd $etcd_version into $out (first time only; several minutes)"
tmp="$out.tmp.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$src"
# What hack/lib/version.sh stamps into a release: the API server reports it at /version, and
# helm checks the chart's kubeVersion against it.
ldflags="-s -w"
minor=$(echo "$k8s_version" | cut -d. -f2)
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=v$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
done
# One build of the three: their shared packages are compiled once.
CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
  go.etcd.io/etcd/server/v3 k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager
mv "$tmp/server" "$tmp/etcd"  # the package path's last element before its /v3
complete "$tmp" || { echo "error: the build left no ${binaries[*]} in $tmp" >&2; exit 1; }
rm -rf "$out" && mv "$tmp" "$out"
trap - EXIT
ln -sfn "$out" "$link"
log "built Kubernetes $k8s_version and etcd $etcd_version: $(du -sh "$out" | cut -f1)"
