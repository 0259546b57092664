#!/usr/bin/env bash
# Installs whatever this machine lacks to run or test Dapr Todo, and nothing it already has:
# Debian packages (redis-server, rabbitmq-server, the dedicated pub/sub broker; nats-server,
# which only the broker benchmark runs; chromium for the browser tests, prometheus), the Python
# environment (.venv), the pinned Dapr runtime, the pinned helm CLI (for the chart's tests),
# the pinned Zipkin server, the pinned Kubernetes control plane (for the chart's admission
# tests).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

log() { echo "setup: $*" >&2; }
fail() { echo "error: $*" >&2; exit 1; }

install_debian_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
  command -v nats-server >/dev/null || missing+=(nats-server)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v prometheus >/dev/null || missing+=(prometheus)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || fail "missing ${missing[*]} and no apt-get to install it"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "missing ${missing[*]}; install it as root (apt-get install ${missing[*]})"
    sudo="sudo"
  fi
  log "installing Debian packages: ${missing[*]}"
  # Keep the packages' own services (Redis on 6379, RabbitMQ on 5672, Prometheus on 9090) from
  # starting: we run our own.
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy"
    own_policy=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$own_policy" ] && $sudo rm -f "$policy"
  return 0
}

install_python_env() {
  local python=${PYTHON:-python3}
  command -v "$python" >/dev/null || fail "Python 3.11 is required ($python not on PATH)"
  "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || fail "Python 3.11 is required, $python is $("$python" --version 2>&1)"
  [ -x .venv/bin/python ] || { log "creating .venv"; "$python" -m venv .venv; }
  local stamp=.venv/.installed-from key
  key=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$key" ]; then
    log "installing Python dependencies into .venv"
    local pip_log=.venv/pip-install.log
    if ! { .venv/bin/python -m pip install --upgrade pip \
        && .venv/bin/python -m pip install -e '.[test]'; } >"$pip_log" 2>&1; then
      tail -n 30 "$pip_log" >&2
      fail "pip install failed; full log in $pip_log"
    fi
    echo "$key" >"$stamp"
  fi
}

# The trace backend: Zipkin's self-contained server jar from Maven Central (pinned), cached
# outside git and linked as .runtime/zipkin/zipkin.jar (devtools.observability starts it).
ZIPKIN_VERSION=3.6.1
install_zipkin() {
  local cache jar
  cache="${DAPR_TODO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dapr-todo}/zipkin"
  jar="$cache/zipkin-server-$ZIPKIN_VERSION-exec.jar"
  command -v java >/dev/null || fail "Java 17 or newer is required for the Zipkin trace server (java not on PATH)"
  if [ ! -s "$jar" ]; then
    command -v mvn >/dev/null || fail "missing $jar and no mvn to fetch io.zipkin:zipkin-server:$ZIPKIN_VERSION"
    log "fetching Zipkin server $ZIPKIN_VERSION into $cache"
    mkdir -p "$cache"
    if ! mvn -B dependency:copy -Dartifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" \
        -DoutputDirectory="$cache" >"$cache/mvn.log" 2>&1; then
      tail -n 20 "$cache/mvn.log" >&2
      fail "could not fetch io.zipkin:zipkin-server:$ZIPKIN_VERSION with mvn; log in $cache/mvn.log"
    fi
  fi
  mkdir -p .runtime/zipkin
  ln -sfn "$jar" .runtime/zipkin/zipkin.jar
}

install_debian_packages
install_python_env
scripts/dapr-runtime.sh
scripts/helm.sh
scripts/k8s-runtime.sh
scripts/keda-runtime.sh
install_zipkin
