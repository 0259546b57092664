#!/usr/bin/env bash
# Provides the pinned Dapr runtime (daprd, placement, scheduler, sentry, injector) in .runtime/bin.
#
# Uses an existing daprd of the pinned version (PATH or ~/.dapr/bin, as after `dapr init`);
# otherwise builds all five from dapr_runtime/ (a Go module that requires the release) into a
# cache outside git, keyed by the pin, so a rebuild happens only when the pin changes.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
src="$repo/dapr_runtime"
version=$(sed -n 's/^[[:space:]]*github.com\/dapr\/dapr v\([0-9.]*\)$/\1/p' "$src/go.mod")
[ -n "$version" ] || { echo "error: no github.com/dapr/dapr pin in $src/go.mod" >&2; exit 1; }
link="$repo/.runtime/bin"
mkdir -p "$repo/.runtime"

log() { echo "dapr-runtime: $*" >&2; }

daprd_version() { "$1" --version 2>/dev/null | head -n 1 || true; }

use_existing() {
  local dir
  for dir in "$(dirname "$(command -v daprd 2>/dev/null || echo /nonexistent/daprd)")" "$HOME/.dapr/bin"; do
    if [ -x "$dir/daprd" ] && [ -x "$dir/placement" ] && [ -x "$dir/scheduler" ] \
      && [ -x "$dir/injector" ] && [ "$(daprd_version "$dir/daprd")" = "$version" ]; then
      ln -sfn "$dir" "$link"
      log "using existing Dapr $version in $dir"
      return 0
    fi
  done
  return 1
}

build() {
  command -v go >/dev/null || { echo "error: Go is required to build Dapr $version (go not on PATH)" >&2; exit 1; }
  local key cache out
  key=$(cat "$src/go.mod" "$src/go.sum" "$src"/cmd/daprd/*.go "$src"/patches/*.patch "$0" | sha256sum | cut -c1-16)
  cache="${DAPR_TODO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dapr-todo}/dapr-runtime"
  out="$cache/$version-$key"
  if [ -x "$out/daprd" ] && [ -x "$out/placement" ] && [ -x "$out/scheduler" ] && [ -x "$out/sentry" ] \
    && [ -x "$out/injector" ]; then
    ln -sfn "$out" "$link"
    log "Dapr $version already built in $out"
    return 0
  fi
  log "building Dapr $version into $out (first time only; several minutes)"
  tmp="$out.tmp.$$"  # global: the EXIT trap runs after this function returns
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  cd "$src"
  go mod download github.com/dapr/dapr github.com/dapr/components-contrib
  # Upstream's components package panics unless built with a tag that registers every
  # component, and Go refuses overlays of the module cache: build against a copy of the
  # release (outside git) whose no-tag guard is emptied, so cmd/daprd registers only ours.
  cp -r "$(go list -m -f '{{.Dir}}' github.com/dapr/dapr)" "$tmp/dapr-src"
  chmod -R u+w "$tmp/dapr-src"
  printf 'package components\n' >"$tmp/dapr-src/cmd/daprd/components/zz_notag.go"
  # components-contrib with this project's fixes (dapr_runtime/patches/*.patch say what and
  # why), also a copy outside git; a patch that no longer applies stops the build.
  cp -r "$(go list -m -f '{{.Dir}}' github.com/dapr/components-contrib)" "$tmp/contrib-src"
  chmod -R u+w "$tmp/contrib-src"
  local fix
  for fix in "$src"/patches/components-contrib-*.patch; do
    patch --quiet --forward -p1 -d "$tmp/contrib-src" <"$fix" \
      || { echo "error: $fix does not apply to components-contrib" >&2; exit 1; }
  done
  cp go.mod "$tmp/go.mod" && cp go.sum "$tmp/go.sum"
  go mod edit -modfile "$tmp/go.mod" -replace "github.com/dapr/dapr=$tmp/dapr-src"
  go mod edit -modfile "$tmp/go.mod" -replace "github.com/dapr/components-contrib=$tmp/contrib-src"
  local ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$version -X github.com/dapr/dapr/pkg/buildinfo.gitversion=v$version"
  CGO_ENABLED=0 go build -trimpath -modfile "$tmp/go.mod" -ldflags "$ldflags" -o "$tmp/daprd" ./cmd/daprd
  local cmd
  for cmd in placement scheduler sentry injector; do
    CGO_ENABLED=0 go build -trimpath -modfile "$tmp/go.mod" -ldflags "$ldflags" -o "$tmp/$cmd" "github.com/dapr/dapr/cmd/$cmd"
  done
  rm -rf "$tmp/dapr-src" "$tmp/contrib-src" "$tmp/go.mod" "$tmp/go.sum"
  rm -rf "$out" && mv "$tmp" "$out"
  trap - EXIT
  ln -sfn "$out" "$link"
  log "built Dapr $version: $(du -h "$out/daprd" | cut -f1) daprd"
}

use_existing || build
got=$(daprd_version "$link/daprd")
[ "$got" = "$version" ] || { echo "error: $link/daprd reports '$got', expected $version" >&2; exit 1; }
