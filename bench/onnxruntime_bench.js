// ONNX Runtime's side of bench/compare_onnxruntime.sh: reviews/s of an exported model on
// the rows infer_compare wrote, at batch 1, 64 and 256, as JSON (same rules: best of 3,
// one warm-up pass, batch 1 over the first 1000 reviews).
//   node onnxruntime_bench.js MODEL.onnx IDS REVIEWS MAXLEN THREADS
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const REPEATS = 3;
const BATCH_ONE_ROWS = 1000;

async function main() {
  const [model, idsFile, reviews, maxlen, threads] = process.argv.slice(2);
  const n = Number(reviews), T = Number(maxlen);
  const buf = fs.readFileSync(idsFile);
  const ids = new BigInt64Array(buf.buffer, buf.byteOffset, n * T);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const pass = async (batch, rows) => {
    for (let j = 0; j < rows; j += batch) {
      const b = Math.min(batch, rows - j);
      const x = new ort.Tensor('int64', ids.subarray(j * T, (j + b) * T), [b, T]);
      await session.run({ input_ids: x });
    }
  };
  const result = { reviews: n, maxlen: T };
  for (const batch of [64, 256]) {
    await pass(batch, n);
    let best = Infinity;
    for (let r = 0; r < REPEATS; ++r) {
      const t = process.hrtime.bigint();
      await pass(batch, n);
      best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
    }
    result[`batch_${batch}`] = n / best;
  }
  const n1 = Math.min(n, BATCH_ONE_ROWS);
  let best = Infinity;
  for (let r = 0; r < REPEATS; ++r) {
    const t = process.hrtime.bigint();
    await pass(1, n1);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  result.batch_1 = n1 / best;
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(`error: ${e.message || e}`);
  process.exit(1);
});
