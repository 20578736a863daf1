#!/usr/bin/env bash
# Installs the build into a fresh prefix, as a user's `cmake --install` would, for the tests
# that build the example consumer and compile the headers against it.
#   tests/packaging/install_prefix.sh CMAKE BUILD_DIR PREFIX
set -euo pipefail
cmake="$1"
build="$2"
prefix="$3"
rm -rf "$prefix"
"$cmake" --install "$build" --prefix "$prefix" >/dev/null
for f in bin/sentiment include/sentiment/sentiment.h; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $prefix/$f was not installed" >&2; exit 1; }
done
echo "installed into $prefix"
