// Embedding gather and scatter, and a shard's distinct tokens.
#include "layers/embedding.h"

#include <algorithm>

namespace sentiment {

template <typename F>
void embedding_forward(F* out, const int32_t* tokens, const F* table, size_t N, size_t E) noexcept {
  for (size_t n = 0; n < N; ++n)
    std::copy_n(table + static_cast<size_t>(tokens[n]) * E, E, out + n * E);
}

template <typename F>
void embedding_backward(F* dtable, const int32_t* tokens, const F* dout, size_t N,
                        size_t E) noexcept {
  for (size_t n = 0; n < N; ++n) {
    F* g = dtable + static_cast<size_t>(tokens[n]) * E;
    const F* d = dout + n * E;
    for (size_t k = 0; k < E; ++k) g[k] += d[k];
  }
}

template void embedding_forward<float>(float*, const int32_t*, const float*, size_t,
                                       size_t) noexcept;
template void embedding_forward<double>(double*, const int32_t*, const double*, size_t,
                                        size_t) noexcept;
template void embedding_backward<float>(float*, const int32_t*, const float*, size_t,
                                        size_t) noexcept;
template void embedding_backward<double>(double*, const int32_t*, const double*, size_t,
                                         size_t) noexcept;

void find_distinct_tokens(DistinctTokens& d, const int32_t* tokens, size_t N, size_t V) {
  if (d.slot_of.size() != V) d.slot_of.assign(V, -1);
  d.tokens.clear();
  d.slot.resize(N);
  for (size_t p = 0; p < N; ++p) {
    int32_t& slot = d.slot_of[static_cast<size_t>(tokens[p])];
    if (slot < 0) {
      slot = static_cast<int32_t>(d.tokens.size());
      d.tokens.push_back(tokens[p]);
    }
    d.slot[p] = static_cast<uint32_t>(slot);
  }
  for (int32_t t : d.tokens) d.slot_of[static_cast<size_t>(t)] = -1;
}

}  // namespace sentiment
