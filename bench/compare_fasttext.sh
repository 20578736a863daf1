#!/usr/bin/env bash
# Raw text to predictions, lstm-sentiment against fastText, side by side in one invocation:
# the wall time of `sentiment predict MODEL < test_raw.txt` (the 25,000 IMDB test reviews as
# stored, one a line, "<br />" kept) and of `fasttext predict model.bin test_ft.txt` (the same
# reviews already tokenised into fastText's input format), each including its model load,
# output to a file. Installs Debian's fasttext, trains fastText's default supervised model
# (lr 0.1, dim 100, 5 epochs, unigrams, -thread 2) on the 25,000 training reviews, and prints
# both figures, reviews/s, accuracies and the ratio, for --threads 1 and the default threads.
#   bench/compare_fasttext.sh
# Environment: MODEL (a saved model of ours; default: the recipe trained for one epoch, which
# has the recipe's shapes and so its speed), IMDB_DATA, ROUNDS (default 5: alternating rounds,
# each side's fastest kept), WORK (default /tmp/sentiment-compare-fasttext).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/deps.sh
SENTIMENT_PACKAGES+=(fasttext python3)
sentiment_install_deps
cmake --preset release -DSENTIMENT_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release --target sentiment >/dev/null
bin=$root/build/release/tools/sentiment

data=${IMDB_DATA:-$root/../shared/data/imdb/aclImdb_labeled.tar.gz}
[ -f "$data" ] || { echo "error: IMDB archive not found at $data (set IMDB_DATA)" >&2; exit 1; }
work=${WORK:-/tmp/sentiment-compare-fasttext}
mkdir -p "$work"
if [ ! -s "$work/test_raw.txt" ] || [ ! -s "$work/train_ft.txt" ]; then
  echo "== writing the reviews one a line into $work" >&2
  /usr/bin/python3 bench/imdb_lines.py "$data" "$work"
fi
if [ ! -s "$work/ft.bin" ]; then
  echo "== fasttext supervised (defaults, -thread 2) on the 25,000 training reviews" >&2
  fasttext supervised -input "$work/train_ft.txt" -output "$work/ft" -thread 2 -verbose 0
fi
model=${MODEL:-}
if [ -z "$model" ]; then
  model=$work/recipe/final.model
  if [ ! -s "$model" ]; then
    echo "== sentiment train --epochs 1 (the recipe's shapes)" >&2
    IMDB_DATA=$data "$bin" train --epochs 1 --out "$work/recipe" --overwrite --no-plot >/dev/null
  fi
fi

/usr/bin/python3 - "$bin" "$model" "$work" "${ROUNDS:-5}" <<'PY'
import subprocess, sys, time
bin_, model, work, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
n = sum(1 for _ in open(f"{work}/test_raw.txt", "rb"))
truth = open(f"{work}/test_labels.txt").read().split()

def timed(cmd, stdin_path, out_path):
    with open(stdin_path, "rb") as i, open(out_path, "wb") as o:
        t = time.perf_counter()
        subprocess.run(cmd, stdin=i, stdout=o, check=True)
        return time.perf_counter() - t

runs = {
    "sentiment predict --threads 1": ([bin_, "predict", model, "--threads", "1"], "test_raw.txt"),
    "sentiment predict": ([bin_, "predict", model], "test_raw.txt"),
    "fasttext predict": (["fasttext", "predict", f"{work}/ft.bin", "-"], "test_ft.txt"),
}
best = {k: float("inf") for k in runs}
for r in range(rounds):
    for name, (cmd, inp) in runs.items():
        best[name] = min(best[name], timed(cmd, f"{work}/{inp}", f"{work}/out.{name.replace(' ', '_')}"))

def accuracy(path, fasttext):
    got = [l.split()[0] for l in open(path)]
    if fasttext:
        got = ["positive" if g == "__label__pos" else "negative" for g in got]
    assert len(got) == len(truth), (path, len(got))
    return sum(g == t for g, t in zip(got, truth)) / len(truth)

ft = best["fasttext predict"]
print(f"{n} raw test reviews, one a line; wall clock including the model load, fastest of {rounds} alternating rounds")
print(f"{'':32s} {'wall (s)':>9s} {'reviews/s':>10s} {'accuracy':>9s} {'vs fastText':>12s}")
for name in runs:
    acc = accuracy(f"{work}/out.{name.replace(' ', '_')}", name.startswith("fasttext"))
    print(f"{name:32s} {best[name]:9.3f} {n / best[name]:10.0f} {acc:9.4f} {ft / best[name]:11.2f}x")
PY
