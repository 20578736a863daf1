#!/usr/bin/env bash
# Quick start: install what is missing, build Release, and train the IMDB recipe.
# Arguments go to `sentiment train` (e.g. ./run.sh --out /tmp/r --seed 3).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
sentiment_install_deps
cmake --preset release -DSENTIMENT_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release --target sentiment
exec build/release/tools/sentiment train "$@"
