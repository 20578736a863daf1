#!/usr/bin/env bash
# The installed headers are the API: each compiles on its own (C++17, strict warnings) with
# nothing but the prefix on the include path, and includes nothing but other installed
# sentiment/ headers and the standard library.
#   tests/packaging/headers_test.sh CXX PREFIX
set -euo pipefail
cxx="$1"
prefix="$2"
include="$prefix/include"

shopt -s nullglob
headers=("$include"/sentiment/*.h)
[ ${#headers[@]} -gt 0 ] || { echo "FAIL: no headers in $include/sentiment" >&2; exit 1; }

# The C library's headers a C++ or C API may use, besides the C++ ones (<name>, no suffix).
c_headers='assert|ctype|errno|float|inttypes|limits|locale|math|setjmp|signal|stdalign|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|time|uchar|wchar|wctype'
failed=0
for h in "${headers[@]}"; do
  name="sentiment/$(basename "$h")"
  ok=1
  # A translation unit of its own that includes nothing else, as a user's first line would.
  if ! printf '#include <%s>\n' "$name" |
    "$cxx" -std=c++17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -fsyntax-only \
      -I "$include" -x c++ -; then
    echo "FAIL: $name does not compile on its own with -I $include" >&2
    ok=0
  fi
  while read -r target; do
    case "$target" in
      \"sentiment/*\" | \<sentiment/*\>)
        file="${target:1:${#target}-2}"
        [ -f "$include/$file" ] || { echo "FAIL: $name includes $target, not installed" >&2; ok=0; }
        ;;
      *)
        if ! [[ "$target" =~ ^\<[a-z_]+\>$ || "$target" =~ ^\<($c_headers)\.h\>$ ]]; then
          echo "FAIL: $name includes $target: neither sentiment/ nor the standard library" >&2
          ok=0
        fi
        ;;
    esac
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$h")
  if [ "$ok" -eq 1 ]; then
    echo "$name: compiles on its own, includes only sentiment/ and the standard library"
  else
    failed=1
  fi
done
exit "$failed"
