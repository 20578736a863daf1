#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those that are missing.
# Sourced by run.sh and test.sh; safe to run on its own.
set -euo pipefail

SENTIMENT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libopenblas-dev libdnnl-dev libcli11-dev nlohmann-json3-dev libarchive-dev libcpp-httplib-dev libbrotli-dev
  libcurl4-openssl-dev libssl-dev ca-certificates
  gnuplot-nox fonts-dejavu-core
  zlib1g-dev libgtest-dev libbenchmark-dev
  help2man dpkg-dev file
  python3-dev pybind11-dev python3-numpy python3-pytest python3-pip python3-setuptools python3-wheel
  libonnx-dev libprotobuf-dev
)

# Only for scripts/fuzz.sh: Clang 14 and its libFuzzer/sanitizer runtimes.
SENTIMENT_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)

# sentiment_install_deps [PACKAGE...]: the given packages, or SENTIMENT_PACKAGES.
sentiment_install_deps() {
  local wanted=("$@")
  [ ${#wanted[@]} -eq 0 ] && wanted=("${SENTIMENT_PACKAGES[@]}")
  local missing=()
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing missing packages: ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# sentiment_install_onnxruntime [DIR]: ONNX Runtime for Node.js, the exact version pinned in
# tests/onnx/package-lock.json (its CPU library ships inside the npm package; no install
# scripts run), into DIR (default build/onnxruntime-node, where the ONNX export test and
# bench/compare_onnxruntime.sh look). Installs nodejs and npm first when node is missing.
sentiment_install_onnxruntime() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local dir="${1:-$root/build/onnxruntime-node}"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    sentiment_install_deps nodejs npm
  fi
  if [ -f "$dir/node_modules/onnxruntime-node/package.json" ] &&
    cmp -s "$root/tests/onnx/package-lock.json" "$dir/package-lock.json"; then
    return 0
  fi
  mkdir -p "$dir"
  cp "$root/tests/onnx/package.json" "$root/tests/onnx/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  sentiment_install_deps
fi
