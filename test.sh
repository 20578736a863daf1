#!/usr/bin/env bash
# Installs what is missing, builds and runs the whole test suite with ctest.
#   ./test.sh            Release build (build/release)
#   ./test.sh --asan     AddressSanitizer + UndefinedBehaviorSanitizer build (build/asan)
# The end-to-end test reads the IMDB data from $IMDB_DATA; when unset, the archive in
# ../shared/data/imdb beside the checkout is used if present.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
sentiment_install_deps
sentiment_install_onnxruntime

preset=release
[ "${1:-}" = "--asan" ] && preset=asan
if [ -z "${IMDB_DATA:-}" ] && [ -f ../shared/data/imdb/aclImdb_labeled.tar.gz ]; then
  IMDB_DATA="$(cd ../shared/data/imdb && pwd)/aclImdb_labeled.tar.gz"
fi
export IMDB_DATA="${IMDB_DATA:-}"

# Tests explicitly on: run.sh configures the same build folder with them off.
cmake --preset "$preset" -DSENTIMENT_BUILD_TESTS=ON >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j "$(nproc)"
