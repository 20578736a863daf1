#!/usr/bin/env bash
# Side-by-side speed of lstm-sentiment and the tuned PyTorch anchor on the same recipe, one
# after the other in one invocation: one training epoch each (20,000 reviews, batch 64,
# maxlen 200, Embedding 64, LSTM 64, validation included) and inference on the 25,000 test
# reviews at batch 256. Prints both figures and the ratios.
#   bench/compare_pytorch.sh [--threads N]      (arguments go to `sentiment bench`)
# Environment: ANCHORS (default ../shared/anchors beside the checkout), IMDB_DATA, ROUNDS
# (default 1): run the pair that many times, alternating, and keep each side's best figure,
# for shared machines where other jobs slow single runs down by 10% or more.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
anchors=${ANCHORS:-$root/../shared/anchors}
[ -f "$anchors/pytorch_seed.py" ] || { echo "error: PyTorch anchor not found in $anchors (set ANCHORS)" >&2; exit 1; }

source scripts/deps.sh
SENTIMENT_PACKAGES+=(python3-torch python3-numpy)
sentiment_install_deps
cmake --preset release -DSENTIMENT_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release --target sentiment >/dev/null

rounds=${ROUNDS:-1}
ours_all=() theirs_all=()
for ((r = 1; r <= rounds; r++)); do
  echo "== round $r/$rounds: lstm-sentiment: sentiment bench $*" >&2
  ours_all+=("$(build/release/tools/sentiment bench --json "$@")")
  echo "== round $r/$rounds: PyTorch anchor: pytorch_seed.py --epochs 1" >&2
  theirs_all+=("$(/usr/bin/python3 "$anchors/pytorch_seed.py" --epochs 1 | sed -n 's/^RESULT_JSON //p')")
done

/usr/bin/python3 - "${#ours_all[@]}" "${ours_all[@]}" "${theirs_all[@]}" <<'PY'
import json, sys
n = int(sys.argv[1])
ours_runs = [json.loads(a) for a in sys.argv[2:2 + n]]
torch_runs = [json.loads(a) for a in sys.argv[2 + n:2 + 2 * n]]
# Each side's best round (shortest epoch); both sides get the same rule.
ours = min(ours_runs, key=lambda j: j["epoch_s"])
torch = min(torch_runs, key=lambda j: j["epochs"][0]["epoch_s"])
ours["inference"]["batch_256_reviews_per_s"] = max(
    j["inference"]["batch_256_reviews_per_s"] for j in ours_runs)
torch["inference_reviews_per_s"] = [max(max(j["inference_reviews_per_s"]) for j in torch_runs)]
if n > 1:
    print(f"best of {n} rounds each (epoch: shortest round; inference: fastest round)")
    print("  ours epochs (s):   ", " ".join(f"{j['epoch_s']:.1f}" for j in ours_runs))
    print("  PyTorch epochs (s):", " ".join(f"{j['epochs'][0]['epoch_s']:.1f}" for j in torch_runs))
    print("  ours inference/s:   ", " ".join(f"{j['inference']['batch_256_reviews_per_s']:.0f}" for j in ours_runs))
    print("  PyTorch inference/s:", " ".join(f"{max(j['inference_reviews_per_s']):.0f}" for j in torch_runs))
te = torch["epochs"][0]
rows = [
    ("training epoch (s, validation included)", ours["epoch_s"], te["epoch_s"], "lower"),
    ("training samples/s", ours["train_samples_per_s"], te["train_samples_per_s"], "higher"),
    ("inference reviews/s, batch 256", ours["inference"]["batch_256_reviews_per_s"],
     max(torch["inference_reviews_per_s"]), "higher"),
    ("peak RSS (MiB)", ours["peak_rss_mib"], torch["peak_rss_mib"], "lower"),
]
print(f"{'':42s} {'lstm-sentiment':>15s} {'PyTorch':>10s} {'speed-up':>9s}")
for name, a, b, better in rows:
    ratio = b / a if better == "lower" else a / b
    print(f"{name:42s} {a:15.1f} {b:10.1f} {ratio:8.2f}x")
inf = ours["inference"]
print(f"\nlstm-sentiment: {ours['threads']} threads, {ours['blas']}; training at "
      f"{ours['achieved_gflop_per_s']:.1f} GFLOP/s of the recipe's arithmetic as written "
      f"({ours['epoch_gemm_gflop']:.0f} GFLOP an epoch) = "
      f"{100 * ours['share_of_gemm_peak']:.0f}% of the sgemm peak measured in the same run "
      f"({ours['gemm_peak_gflop_per_s']['1024x1024x1024']:.1f} GFLOP/s); executed "
      f"{ours['executed_epoch_gflop']:.0f} GFLOP at {ours['executed_gflop_per_s']:.1f} GFLOP/s "
      f"= {100 * ours['executed_share_of_gemm_peak']:.0f}%")
print(f"batch 1: {inf['batch_1_reviews_per_s']:.0f} reviews/s, p50 {inf['batch_1_p50_ms']:.2f} ms, "
      f"p99 {inf['batch_1_p99_ms']:.2f} ms; batch 64: {inf['batch_64_reviews_per_s']:.0f} reviews/s")
print(f"PyTorch {torch['torch']}: {torch['threads']} threads, env {torch['env']}")
PY
