#!/usr/bin/env bash
# The Debian packages end to end: cpack writes them into a temporary folder, their contents
# and control fields are checked, dpkg installs them into this machine, the example consumer
# builds against them with no search paths given (find_package and pkg-config), the
# installed CLI and man page are checked, and dpkg purges them again, also when a check fails.
# Needs root; refuses to touch a machine that already has these packages or their files.
#   tests/packaging/deb_test.sh CPACK CPACK_CONFIG CMAKE VERSION EXAMPLE_DIR WORK_DIR \
#       MODELS_DIR CONSUMER_TEST
set -euo pipefail
cpack="$1"
cpack_config="$2"
cmake="$3"
version="$4"
example="$5"
work="$6"
models="$7"
consumer_test="$8"

packages=(sentiment libsentiment0 libsentiment-dev)
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] ||
  fail "this test installs the packages with dpkg -i and removes them again: run it as root"
for p in "${packages[@]}"; do
  if status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" &&
    [ "$status" != "unknown ok not-installed" ]; then
    fail "package $p is already on this machine ($status); this test would replace and then" \
      "remove it, so it stops here: remove it yourself (dpkg --purge $p) or run the test elsewhere"
  fi
done

rm -rf "$work"
mkdir -p "$work/debs"
"$cpack" -G DEB --config "$cpack_config" -B "$work/debs" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
arch="$(dpkg --print-architecture)"
debs=()
for p in "${packages[@]}"; do
  deb="$(ls "$work"/debs/"${p}"_"${version}"-*_"$arch".deb 2>/dev/null || true)"
  [ -n "$deb" ] || { ls "$work/debs"; fail "cpack wrote no package $p $version for $arch"; }
  debs+=("$deb")
  dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/$p.files"
  dpkg-deb -f "$deb" >"$work/$p.control"
  echo "== $p: $(basename "$deb")"
  cat "$work/$p.control"
done

# What each package holds (and what it must not).
contains() { grep -Eq "$2" "$work/$1.files" || fail "$1 lacks a file matching $2"; }
lacks() { ! grep -Eq "$2" "$work/$1.files" || fail "$1 holds $(grep -E "$2" "$work/$1.files")"; }
contains sentiment '^/usr/bin/sentiment$'
contains sentiment '^/usr/share/man/man1/sentiment\.1\.gz$'
contains sentiment '^/usr/share/doc/lstm-sentiment/README\.md$'
lacks sentiment 'libsentiment|/include/'
contains libsentiment0 '^/usr/lib/(.*/)?libsentiment\.so\.0$'
lacks libsentiment0 'libsentiment\.so$|/include/|/bin/'
contains libsentiment-dev '^/usr/include/sentiment/sentiment\.h$'
contains libsentiment-dev '^/usr/lib/(.*/)?libsentiment\.so$'
contains libsentiment-dev '^/usr/lib/(.*/)?cmake/lstm_sentiment/lstm_sentimentConfig\.cmake$'
contains libsentiment-dev '^/usr/lib/(.*/)?pkgconfig/sentiment\.pc$'
lacks libsentiment-dev 'libsentiment\.so\.0|/bin/'
grep -q "^Depends: .*libsentiment0 (= ${version}-" "$work/libsentiment-dev.control" ||
  fail "libsentiment-dev does not depend on libsentiment0 (= $version-...)"
dpkg-deb -e "${debs[1]}" "$work/libsentiment0.DEBIAN"
grep -qsx 'activate-noawait ldconfig' "$work/libsentiment0.DEBIAN/triggers" ||
  fail "libsentiment0 has no ldconfig trigger"
grep -qs "^libsentiment 0 libsentiment0 (>= $version-" "$work/libsentiment0.DEBIAN/shlibs" ||
  fail "libsentiment0 has no shlibs entry for libsentiment.so.0"

# Files these packages would overwrite belong to someone: an install from source, say.
for p in "${packages[@]}"; do
  while read -r f; do
    if [ -e "$f" ] && [ ! -d "$f" ]; then
      fail "$f is already on this machine (a cmake --install into /usr?); installing the" \
        "packages would overwrite it and removing them would delete it, so the test stops here"
    fi
  done <"$work/$p.files"
done

# From here on the packages are removed however the test ends.
purge() {
  dpkg --purge "${packages[@]}" >"$work/purge.log" 2>&1 || cat "$work/purge.log" >&2
}
trap purge EXIT
dpkg -i "${debs[@]}" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "dpkg -i failed"; }
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p")" = "install ok installed" ] || fail "$p is not installed"
done

[ "$(/usr/bin/sentiment --version)" = "sentiment $version" ] ||
  fail "/usr/bin/sentiment --version printed $(/usr/bin/sentiment --version)"
man_page="$(man -w sentiment)" || fail "man -w sentiment found no page"
[ "$man_page" = /usr/share/man/man1/sentiment.1.gz ] || fail "man -w sentiment gave $man_page"
zcat "$man_page" | grep -q '^\.SH' || fail "$man_page is not a man page"
echo "sentiment --version, man -w sentiment: $man_page"

"$consumer_test" cmake "$cmake" "$example" "$work/cmake" "$models" /usr/bin/sentiment
"$consumer_test" pkgconfig "$cmake" "$example" "$work/pkgconfig" "$models" /usr/bin/sentiment

trap - EXIT
dpkg --purge "${packages[@]}" >"$work/purge.log" 2>&1 ||
  { cat "$work/purge.log"; fail "dpkg --purge failed"; }
for p in "${packages[@]}"; do
  if status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" &&
    [ "$status" != "unknown ok not-installed" ]; then
    fail "$p is still known to dpkg after the purge: $status"
  fi
  while read -r f; do
    [ -d "$f" ] || [ ! -e "$f" ] || fail "$f is still there after the purge"
  done <"$work/$p.files"
done
echo "packages installed, used and purged: OK"
