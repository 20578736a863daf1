#!/usr/bin/env bash
# Builds examples/consumer against an installed lstm-sentiment, one of two ways, and checks
# what it prints against `sentiment predict` on the tiny test model:
#   cmake      find_package(lstm_sentiment CONFIG) -> sentiment::sentiment
#   pkgconfig  the Makefile: pkg-config --cflags --libs sentiment
# With PREFIX the package is looked for there (CMAKE_PREFIX_PATH, PKG_CONFIG_PATH); without,
# where the Debian packages put it, and the test fails if it is found anywhere else.
# $CONSUMER_CXXFLAGS, when set, is added to the consumer's compile and link flags (the
# sanitizer build's library needs its runtime linked into the program).
#   tests/packaging/consumer_test.sh cmake|pkgconfig CMAKE EXAMPLE_DIR WORK_DIR MODELS_DIR \
#       SENTIMENT_BINARY [PREFIX LIBDIR]
set -euo pipefail
how="$1"
cmake="$2"
example="$3"
work="$4"
models="$5"
sentiment="$6"
prefix="${7:-}"
libdir="${8:-lib}"  # relative to PREFIX: lib, or Debian's lib/x86_64-linux-gnu

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A copy outside the source tree, so nothing there can be found by a relative path.
rm -rf "$work"
mkdir -p "$work"
cp "$example"/CMakeLists.txt "$example"/Makefile "$example"/classify.cc "$work"/
cd "$work"

case "$how" in
  cmake)
    args=()
    [ -n "$prefix" ] && args+=("-DCMAKE_PREFIX_PATH=$prefix")
    "$cmake" -S . -B build -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=${CONSUMER_CXXFLAGS:-}" \
      "${args[@]}" >configure.log 2>&1 ||
      { cat configure.log; fail "configuring the consumer with find_package failed"; }
    "$cmake" --build build >build.log 2>&1 || { cat build.log; fail "building the consumer failed"; }
    found="$(sed -n 's/^lstm_sentiment_DIR:PATH=//p' build/CMakeCache.txt)"
    classify=build/classify
    ;;
  pkgconfig)
    make_args=("CXXFLAGS=-O2 ${CONSUMER_CXXFLAGS:-}")
    if [ -n "$prefix" ]; then
      export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
      make_args+=("LDFLAGS=-Wl,-rpath,$prefix/$libdir")
    fi
    make "${make_args[@]}" >build.log 2>&1 || { cat build.log; fail "building with pkg-config failed"; }
    found="$(pkg-config --variable=pcfiledir sentiment)"
    classify=./classify
    ;;
  *) fail "unknown way to build: $how (expected cmake or pkgconfig)" ;;
esac
echo "$how: the package was found in $found"
expected_dir="${prefix:-/usr/lib}"  # never /usr/local
found="$(realpath "$found")"
case "$found" in
  "$(realpath "$expected_dir")"/*) ;;
  *) fail "the package was found in $found, expected it under $expected_dir" ;;
esac
readelf -d "$classify" | grep -q 'NEEDED.*libsentiment\.so\.0' ||
  fail "$classify does not link libsentiment.so.0"

# The same texts through the consumer and the CLI: the same labels; the consumer prints the
# probability of its label, the CLI P(good) for this binary model.
texts=$'a wonderful film, truly great\na dull movie, truly awful\nwords the model never saw'
got="$(printf '%s\n' "$texts" | "$classify" "$models/tiny.model")"
want="$(printf '%s\n' "$texts" | "$sentiment" predict "$models/tiny.model" -)"
printf 'consumer:\n%s\nsentiment predict:\n%s\n' "$got" "$want"
paste <(printf '%s\n' "$got") <(printf '%s\n' "$want") | awk -F'\t' '
  NF != 4 || ($1 != "good" && $1 != "bad") { print "FAIL: malformed line: " $0; bad = 1; next }
  $1 != $3 { print "FAIL: label " $1 " but sentiment predict says " $3; bad = 1; next }
  {
    p = ($1 == "good") ? $4 : 1 - $4
    if ($2 - p > 2e-4 || p - $2 > 2e-4) { print "FAIL: probability " $2 ", expected " p; bad = 1 }
  }
  END { if (NR != 3) { print "FAIL: " NR " lines, expected 3"; bad = 1 }; exit bad }' >&2 ||
  fail "the consumer disagrees with sentiment predict"

# Errors come back as sentiment::Error: a missing model, and an empty text.
set +e
"$classify" "$work/missing.model" </dev/null >out.txt 2>err.txt
status=$?
set -e
[ "$status" -eq 1 ] || fail "a missing model: exit status $status, expected 1"
grep -q '^error: .*missing\.model' err.txt || fail "a missing model: stderr was: $(cat err.txt)"
set +e
printf 'a fine film\n\n' | "$classify" "$models/tiny.model" >out.txt 2>err.txt
status=$?
set -e
[ "$status" -eq 1 ] || fail "an empty text: exit status $status, expected 1"
grep -q '^error: ' err.txt || fail "an empty text: stderr was: $(cat err.txt)"
echo "consumer built with $how: OK"
