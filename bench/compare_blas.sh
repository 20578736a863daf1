#!/usr/bin/env bash
# sgemm of OpenBLAS, BLIS and oneDNN at the LSTM's shapes, side by side in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
SENTIMENT_PACKAGES+=(libblis4-serial libdnnl2)
sentiment_install_deps
cmake --preset release >/dev/null
cmake --build --preset release --target gemm_libs_bench >/dev/null
build/release/bench/gemm_libs_bench
