// The n-gram head: hashing, the rows of each text, the mean bag and its dense layer.
#include "layers/ngram.h"

#include <algorithm>

namespace sentiment {

size_t ngram_bucket(const int32_t* ids, size_t n, size_t vocab_size, size_t buckets) {
  if (n == 1) return static_cast<size_t>(ids[0]);
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t k = 0; k < n; ++k) {
    uint32_t id = static_cast<uint32_t>(ids[k]);
    for (int b = 0; b < 4; ++b, id >>= 8) {
      h ^= id & 0xffu;
      h *= 0x100000001b3ull;
    }
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return vocab_size + static_cast<size_t>(h % buckets);
}

void ngram_rows(NgramRows& r, const int32_t* tokens, const size_t* order, size_t B, size_t T,
                size_t stride, const NgramConfig& ng, size_t vocab_size) {
  r.ids.clear();
  r.offsets.assign(B + 1, 0);
  for (size_t j = 0; j < B; ++j) {
    const int32_t* row = tokens + order[j] * stride;
    size_t run = 0;  // non-padding tokens ending at k
    for (size_t k = 0; k < T; ++k) {
      if (row[k] == 0) {
        run = 0;
        continue;
      }
      ++run;
      for (size_t n = 1; n <= std::min(run, ng.order); ++n)
        r.ids.push_back(
            static_cast<uint32_t>(ngram_bucket(row + k + 1 - n, n, vocab_size, ng.buckets)));
    }
    if (ng.binary) {
      const auto first = r.ids.begin() + static_cast<ptrdiff_t>(r.offsets[j]);
      std::sort(first, r.ids.end());
      r.ids.erase(std::unique(first, r.ids.end()), r.ids.end());
    }
    r.offsets[j + 1] = r.ids.size();
  }
}

template <typename F>
void ngram_forward(std::vector<F>& bag, F* logits, const NgramRows& r, NgramParams<const F> w,
                   size_t B, size_t D, size_t O) {
  bag.assign(B * D, F(0));
  for (size_t j = 0; j < B; ++j) {
    const size_t begin = r.offsets[j], end = r.offsets[j + 1];
    F* f = bag.data() + j * D;
    if (begin == end) continue;
    for (size_t i = begin; i < end; ++i) {
      const F* e = w.table + static_cast<size_t>(r.ids[i]) * D;
      for (size_t k = 0; k < D; ++k) f[k] += e[k];
    }
    const F inv = F(1) / static_cast<F>(end - begin);
    for (size_t k = 0; k < D; ++k) f[k] *= inv;
  }
  dense_forward<F>(logits, bag.data(), w.output, B, D, O);
}

template <typename F>
void ngram_backward(std::vector<F>& dbag, DenseParams<F> doutput, const F* dlogits,
                    const std::vector<F>& bag, DenseParams<const F> output, size_t B, size_t D,
                    size_t O) {
  dbag.assign(B * D, F(0));
  dense_backward<F>(dbag.data(), doutput, dlogits, bag.data(), output, B, D, O);
}

template <typename F>
void ngram_table_backward(F* dtable, const F* dbag, const NgramRows& r, size_t B, size_t D) {
  for (size_t j = 0; j < B; ++j) {
    const size_t begin = r.offsets[j], end = r.offsets[j + 1];
    if (begin == end) continue;
    const F inv = F(1) / static_cast<F>(end - begin);
    const F* d = dbag + j * D;
    for (size_t i = begin; i < end; ++i) {
      F* g = dtable + static_cast<size_t>(r.ids[i]) * D;
      for (size_t k = 0; k < D; ++k) g[k] += d[k] * inv;
    }
  }
}

#define SENTIMENT_INSTANTIATE(F)                                                               \
  template void ngram_forward<F>(std::vector<F>&, F*, const NgramRows&, NgramParams<const F>,  \
                                 size_t, size_t, size_t);                                      \
  template void ngram_backward<F>(std::vector<F>&, DenseParams<F>, const F*,                   \
                                  const std::vector<F>&, DenseParams<const F>, size_t, size_t, \
                                  size_t);                                                     \
  template void ngram_table_backward<F>(F*, const F*, const NgramRows&, size_t, size_t);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment
