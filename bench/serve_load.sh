#!/usr/bin/env bash
# Load test of `sentiment serve` with wrk on loopback: POST /predict with one 235-word review
# per request (the one of docs/serve.md), at 1, 16, 64 and 256 connections, DURATION seconds
# each, for every sentiment binary given; then the in-process rate of the same model on the
# same review (`sentiment predict --batch-size 64` over ENGINE_REVIEWS copies, text to
# probability, on 1 and 2 threads), the ceiling a batching server approaches. Installs
# Debian's wrk when it is missing (root only).
#
#   bench/serve_load.sh MODEL BINARY [BINARY...]
#   e.g. bench/serve_load.sh runs/tiny/final.model build/before/sentiment build/dev/tools/sentiment
#
# Environment: DURATION (default 15), CONNECTIONS (default "1 16 64 256"), PORT (default 18080),
# SERVE_ARGS (extra flags for every server, e.g. "--threads 2"), ROUNDS (default 1: on a
# shared machine run several; even rounds take the binaries in reverse order, so that a
# change in the machine's load does not always favour the same one). Each run prints the
# load average before it, and each server's own count of /predict forward passes when it
# reports one. ENGINE_REVIEWS (default 20000; 0 skips the in-process figure).
set -euo pipefail

model=${1:?usage: $0 MODEL BINARY [BINARY...]}
shift
[ $# -ge 1 ] || { echo "usage: $0 MODEL BINARY [BINARY...]" >&2; exit 2; }
duration=${DURATION:-15}
connections=${CONNECTIONS:-1 16 64 256}
port=${PORT:-18080}

if ! command -v wrk > /dev/null; then
  apt-get install -y wrk > /dev/null
fi

script=$(mktemp --suffix=.lua)
log=$(mktemp)
reviews=$(mktemp)
pid=
# A failed run must not leave its server holding the port.
trap 'rm -f "$script" "$log" "$reviews"; [ -z "$pid" ] || kill "$pid" 2> /dev/null || true' EXIT
cat > "$script" << 'EOF'
local review = "I went into this film with fairly low expectations, having heard mixed things from friends, " ..
  "and I came out pleasantly surprised. The story follows a retired detective who is pulled back into " ..
  "one last case when a young woman disappears from his small coastal town. It sounds like a setup we " ..
  "have seen a hundred times, and in many ways it is, but the script takes its time with the characters " ..
  "and lets the quiet moments breathe. The lead performance is the real reason to watch: he plays the " ..
  "detective as tired and stubborn rather than heroic, and every scene with his estranged daughter feels " ..
  "honest. The supporting cast is mostly solid, although the villain is a bit of a cartoon and his " ..
  "motives are explained in a clumsy speech near the end. The cinematography is beautiful, all grey " ..
  "skies and cold water, and the music never tells you what to feel. My main complaint is the pacing in " ..
  "the second hour, which drags badly, and a twist that I guessed about forty minutes before it arrived. " ..
  "Still, the final scene on the pier is moving and stayed with me for days. It is not a masterpiece, " ..
  "and it will not change the genre, but it is a thoughtful, well acted mystery that respects its " ..
  "audience. I would recommend it to anyone who enjoys slow burning crime dramas, and I will happily " ..
  "watch it again."
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"text": "' .. review .. '"}'
EOF

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
bins=("$@")
for round in $(seq "${ROUNDS:-1}"); do
  order=("${bins[@]}")
  if [ $((round % 2)) -eq 0 ]; then
    order=()
    for ((k = ${#bins[@]} - 1; k >= 0; k--)); do order+=("${bins[k]}"); done
  fi
  for bin in "${order[@]}"; do
    for c in $connections; do
      # shellcheck disable=SC2086
      "$bin" serve "$model" --port "$port" ${SERVE_ARGS:-} > "$log" 2>&1 &
      pid=$!
      for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
        sleep 0.1
      done
      echo "== round $round: $bin, $c connections, ${duration}s (load average $(cut -d' ' -f1 /proc/loadavg))"
      # wrk's default 2 s request timeout: a request slower than that counts as timed out.
      # wrk needs at least one connection per thread.
      wrk -t"$((c < 2 ? c : 2))" -c"$c" -d"${duration}s" --latency -s "$script" \
        "http://127.0.0.1:$port/predict" |
        grep -E "Requests/sec|Latency  |99%|50%|Non-2xx|Socket errors|requests in"
      kill -TERM "$pid"
      wait "$pid" || true
      pid=
      grep -o '/predict: .*' "$log" || true
    done
  done
done

engine_reviews=${ENGINE_REVIEWS:-20000}
if [ "$engine_reviews" -gt 0 ]; then
  # The review of predict.lua, one per line.
  sed -n 's/^local review = "//; s/^  "//; s/" \.\.$//; s/"$//; /^wrk\./d; p' "$script" |
    tr -d '\n' > "$reviews.one"
  for _ in $(seq "$engine_reviews"); do cat "$reviews.one"; echo; done > "$reviews"
  rm -f "$reviews.one"
  for threads in 1 2; do
    start=$(date +%s.%N)
    "${bins[-1]}" predict "$model" --batch-size 64 --threads "$threads" < "$reviews" > /dev/null
    end=$(date +%s.%N)
    echo "== in-process, ${bins[-1]} predict --batch-size 64 --threads $threads: $engine_reviews reviews in $(echo "$end - $start" | bc) s, $(echo "$engine_reviews / ($end - $start)" | bc) reviews/s"
  done
fi
