// The n-gram head, a fastText classifier beside the recurrent stack: each row's bag is the
// mean of one table row per word and per hashed n-gram of 2..order consecutive words, and
// its logits are a dense layer over the bag:
//   bag_j = (1 / |G_j|) sum_{g in G_j} table[g]      logits_j = bag_j kernel + bias
// Padding (token 0) is never part of an n-gram, so the bag ignores where and how a text was
// padded. Backward spreads dbag_j evenly over the rows G_j of the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "layers/dense.h"

namespace sentiment {

// The table has vocab_size rows for single words, then `buckets` rows that longer n-grams
// are hashed into (ngram_bucket).
struct NgramConfig {
  size_t order = 0;                  // 0: no n-gram head; 1: words; 2: words and bigrams; ...
  size_t buckets = size_t{1} << 20;  // hash buckets for n-grams of 2 or more words
  size_t dim = 16;                   // embedding width D
  bool binary = false;               // each distinct n-gram once per text, however often it occurs

  bool enabled() const { return order > 0; }
  size_t rows(size_t vocab_size) const {
    return order == 0 ? 0 : vocab_size + (order >= 2 ? buckets : 0);
  }
};

// The table row of the n-gram of `n` words ids[0..n): ids[0] itself for one word, otherwise
// vocab_size + (64-bit FNV-1a over the ids as 32-bit units, finalised by splitmix64) mod
// buckets. Fixed for all time: trained tables depend on it.
size_t ngram_bucket(const int32_t* ids, size_t n, size_t vocab_size, size_t buckets);

// Each row's table rows: row j's are ids[offsets[j] .. offsets[j + 1]).
struct NgramRows {
  std::vector<uint32_t> ids;
  std::vector<size_t> offsets;  // (B + 1)
};

// Lists the table rows of B rows of T tokens, row j being tokens + order[j] * stride.
void ngram_rows(NgramRows& rows, const int32_t* tokens, const size_t* order, size_t B, size_t T,
                size_t stride, const NgramConfig& config, size_t vocab_size);

template <typename F>
struct NgramParams {
  F* table;               // (rows, D)
  DenseParams<F> output;  // (D, O), (O)
};

template <typename F>
void ngram_forward(std::vector<F>& bag,  // (B, D) out
                   F* logits,            // (B, O) out
                   const NgramRows& rows, NgramParams<const F> w, size_t B, size_t D, size_t O);

// Dense part: dbag (B, D) is overwritten; the kernel and bias gradients accumulate.
template <typename F>
void ngram_backward(std::vector<F>& dbag,       // (B, D) out
                    DenseParams<F> doutput,     // accumulated
                    const F* dlogits,           // (B, O)
                    const std::vector<F>& bag,  // (B, D) from forward
                    DenseParams<const F> output, size_t B, size_t D, size_t O);

// Table part: dtable[g] += dbag_j / |G_j| for every g in G_j, rows j in order.
template <typename F>
void ngram_table_backward(F* dtable,      // (rows, D) accumulated
                          const F* dbag,  // (B, D)
                          const NgramRows& rows, size_t B, size_t D);

}  // namespace sentiment
