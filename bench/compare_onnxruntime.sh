#!/usr/bin/env bash
# Side-by-side inference speed of lstm-sentiment and ONNX Runtime (onnxruntime-node, the
# version pinned in tests/onnx/package-lock.json) on the same model and the same encoded
# IMDB test reviews, in one invocation: reviews/s at batch 1, 64 and 256, on 1 and on 2
# threads (ONNX Runtime's intraOpNumThreads; ours a pool of that many workers), with the
# ratios. The model is the recipe (Embedding 10000 -> 64, LSTM 64, maxlen 200), trained for
# one epoch here unless MODEL names a saved one; it is exported with `sentiment export --onnx`.
#   bench/compare_onnxruntime.sh
# Environment: MODEL (a .model file), IMDB_DATA, REVIEWS (default 4096 test reviews, every
# k-th), THREADS (default "1 2"), ROUNDS (default 1): run the pair that many times per
# thread count, alternating, and keep each side's best figure (shared machines).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source scripts/deps.sh
sentiment_install_deps
sentiment_install_onnxruntime
cmake --preset release -DSENTIMENT_BUILD_TESTS=OFF -DSENTIMENT_BUILD_BENCH=ON >/dev/null
cmake --build --preset release --target sentiment infer_compare >/dev/null

if [ -z "${IMDB_DATA:-}" ] && [ -f ../shared/data/imdb/aclImdb_labeled.tar.gz ]; then
  IMDB_DATA="$(cd ../shared/data/imdb && pwd)/aclImdb_labeled.tar.gz"
fi
[ -n "${IMDB_DATA:-}" ] || { echo "error: set IMDB_DATA to the IMDB archive" >&2; exit 1; }
work=$root/build/onnx-bench
mkdir -p "$work"
model=${MODEL:-}
if [ -z "$model" ]; then
  echo "== training the recipe for one epoch" >&2
  build/release/tools/sentiment train --data "$IMDB_DATA" --epochs 1 --no-plot --overwrite \
    --out "$work/run" >/dev/null
  model=$work/run/final.model
fi
build/release/tools/sentiment export "$model" --onnx "$work/model.onnx" >/dev/null

reviews=${REVIEWS:-4096}
rounds=${ROUNDS:-1}
export NODE_PATH=$root/build/onnxruntime-node/node_modules
results=()
for threads in ${THREADS:-1 2}; do
  for ((r = 1; r <= rounds; r++)); do
    echo "== $threads thread(s), round $r/$rounds: lstm-sentiment" >&2
    ours=$(build/release/bench/infer_compare "$model" "$IMDB_DATA" "$reviews" "$threads" "$work/ids.bin")
    n=$(echo "$ours" | sed -n 's/.*"reviews": \([0-9]*\).*/\1/p')
    maxlen=$(echo "$ours" | sed -n 's/.*"maxlen": \([0-9]*\).*/\1/p')
    echo "== $threads thread(s), round $r/$rounds: ONNX Runtime" >&2
    theirs=$(node bench/onnxruntime_bench.js "$work/model.onnx" "$work/ids.bin" "$n" "$maxlen" "$threads")
    results+=("$threads" "$ours" "$theirs")
  done
done

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; ONNX Runtime $(node -e \
  "console.log(require('onnxruntime-node/package.json').version)"); $reviews reviews"
/usr/bin/python3 - "${results[@]}" <<'PY'
import json, sys
args = sys.argv[1:]
best = {}
for k in range(0, len(args), 3):
    threads, ours, theirs = int(args[k]), json.loads(args[k + 1]), json.loads(args[k + 2])
    b = best.setdefault(threads, [{}, {}])
    for side, run in ((0, ours), (1, theirs)):
        for key, v in run.items():
            if key.startswith("batch_"):
                b[side][key] = max(b[side].get(key, 0.0), v)
print(f"{'reviews/s':24s} {'lstm-sentiment':>15s} {'ONNX Runtime':>13s} {'ours / ORT':>11s}")
for threads in sorted(best):
    ours, theirs = best[threads]
    for key in ("batch_1", "batch_64", "batch_256"):
        name = f"{threads} thread{'s' if threads > 1 else ''}, batch {key[6:]}"
        print(f"{name:24s} {ours[key]:15.0f} {theirs[key]:13.0f} {ours[key] / theirs[key]:10.2f}x")
PY
