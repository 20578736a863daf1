// Runs exported models in ONNX Runtime (onnxruntime-node) for the export test, and is the
// reference for feeding them from another runtime: text -> ids by the rules of the
// .tokenizer.json, ids -> ngram_ids by its hash. Usage: node run_onnx.js MANIFEST.json
// The manifest lists cases; for each, this script
//   - tokenizes `texts` (a JSON array file) with `tokenizer` and writes the padded ids
//     (int64, little-endian) to `encoded`, for the caller to compare with its own encoding;
//   - runs `onnx` on the (B, T) int64 rows of `ids` (adding ngram_ids from them when the
//     model has an n-gram head) and writes the probabilities (float32) to `output`.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

// The tokenizer of tokenizer.json's `rules` (docs/export.md, "ONNX").
function makeEncoder(tok) {
  const r = tok.rules;
  const ascii = new Set(r.ascii_word_characters);
  const apostrophes = new Set(r.apostrophes);
  const separators = r.non_ascii_separator_ranges;
  const strip = new RegExp(`^[${r.strip}]+|[${r.strip}]+$`, 'g');
  const lower = (cp) => {
    for (const l of r.lowercase)
      if (cp >= l.first && cp <= l.last && !l.except.includes(cp)) return cp + l.add;
    return cp;
  };
  const sp = tok.special_indices;
  const index = new Map(tok.words.map((w, i) => [w, sp.index_from + 1 + i]));
  const words = (text) => {
    const out = [];
    let word = '';
    const end = () => {
      const w = word.replace(strip, '');
      if (w) out.push(w);
      word = '';
    };
    for (let i = 0; i < text.length;) {
      const seq = r.separator_sequences.find((s) => text.startsWith(s, i));
      if (seq) {
        end();
        i += seq.length;
        continue;
      }
      const cp = text.codePointAt(i);
      i += cp > 0xffff ? 2 : 1;
      if (cp < 0x80) {
        if (ascii.has(String.fromCharCode(cp))) word += String.fromCodePoint(lower(cp));
        else end();
      } else if (apostrophes.has(cp)) {
        word += "'";
      } else if (separators.some(([a, b]) => cp >= a && cp <= b)) {
        end();
      } else {
        word += String.fromCodePoint(lower(cp));
      }
    }
    end();
    return out;
  };
  // [start, ids of the words], truncated and padded to maxlen.
  return (text) => {
    let ids = [sp.start, ...words(text).map((w) => index.get(w) ?? sp.oov)];
    const T = tok.maxlen;
    if (ids.length > T) ids = tok.truncating === 'pre' ? ids.slice(ids.length - T) : ids.slice(0, T);
    const pad = new Array(T - ids.length).fill(sp.pad);
    return tok.padding === 'pre' ? [...pad, ...ids] : [...ids, ...pad];
  };
}

const MASK64 = (1n << 64n) - 1n;

// The table row of the n-gram ids[0..n): the id itself for one word, else
// vocab_size + (FNV-1a 64 over the ids' little-endian bytes, splitmix64 finalizer) mod buckets.
function ngramRow(ids, ng) {
  if (ids.length === 1) return ids[0];
  let h = 0xcbf29ce484222325n;
  for (const id of ids) {
    let v = id >>> 0;
    for (let b = 0; b < 4; ++b, v >>>= 8) {
      h ^= BigInt(v & 0xff);
      h = (h * 0x100000001b3n) & MASK64;
    }
  }
  h ^= h >> 30n;
  h = (h * 0xbf58476d1ce4e5b9n) & MASK64;
  h ^= h >> 27n;
  h = (h * 0x94d049bb133111ebn) & MASK64;
  h ^= h >> 31n;
  return ng.vocab_size + Number(h % BigInt(ng.buckets));
}

// ngram_ids (B, L) of (B, T) id rows, padded with -1 (L >= 1).
function ngramIds(rows, B, T, ng) {
  const lists = [];
  for (let j = 0; j < B; ++j) {
    const row = rows.slice(j * T, (j + 1) * T);
    let list = [];
    let run = 0;
    for (let k = 0; k < T; ++k) {
      if (row[k] === 0) {
        run = 0;
        continue;
      }
      ++run;
      for (let n = 1; n <= Math.min(run, ng.order); ++n) list.push(ngramRow(row.slice(k + 1 - n, k + 1), ng));
    }
    if (ng.binary) list = [...new Set(list)];
    lists.push(list);
  }
  const L = Math.max(1, ...lists.map((l) => l.length));
  const out = new BigInt64Array(B * L).fill(-1n);
  lists.forEach((l, j) => l.forEach((v, k) => (out[j * L + k] = BigInt(v))));
  return new ort.Tensor('int64', out, [B, L]);
}

function readInt64(file) {
  const buf = fs.readFileSync(file);
  return new BigInt64Array(buf.buffer, buf.byteOffset, buf.length / 8);
}

async function main() {
  const manifest = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const options = { intraOpNumThreads: manifest.threads || 1, interOpNumThreads: 1 };
  for (const c of manifest.cases) {
    const tok = JSON.parse(fs.readFileSync(c.tokenizer, 'utf8'));
    if (c.texts) {
      const encode = makeEncoder(tok);
      const texts = JSON.parse(fs.readFileSync(c.texts, 'utf8'));
      const ids = BigInt64Array.from(texts.flatMap(encode).map(BigInt));
      fs.writeFileSync(c.encoded, Buffer.from(ids.buffer));
    }
    const [B, T] = c.dims;
    const ids = readInt64(c.ids);
    const session = await ort.InferenceSession.create(c.onnx, options);
    const feeds = { input_ids: new ort.Tensor('int64', ids, [B, T]) };
    if (session.inputNames.includes('ngram_ids')) feeds.ngram_ids = ngramIds(Array.from(ids, Number), B, T, tok.ngrams);
    const result = await session.run(feeds);
    const p = result.probabilities.data;
    fs.writeFileSync(c.output, Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  }
}

main().catch((e) => {
  console.error(`error: ${e.message || e}`);
  process.exit(1);
});
