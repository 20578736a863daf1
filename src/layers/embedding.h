// The embedding layer: a row of the (V, E) table per token. Forward gathers rows; backward
// scatter-adds row gradients into the table's gradient. A shard's distinct tokens
// (DistinctTokens) let the first recurrent layer project each of them once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sentiment {

// out[n] = table[tokens[n]]
template <typename F>
void embedding_forward(F* out,                 // (N, E)
                       const int32_t* tokens,  // (N) values in [0, V)
                       const F* table,         // (V, E)
                       size_t N, size_t E) noexcept;

// dtable[tokens[n]] += dout[n], rows in order n = 0, 1, ...
template <typename F>
void embedding_backward(F* dtable,              // (V, E) accumulated
                        const int32_t* tokens,  // (N)
                        const F* dout,          // (N, E)
                        size_t N, size_t E) noexcept;

// A shard's distinct tokens in order of first appearance, and each packed row's index
// among them.
struct DistinctTokens {
  std::vector<int32_t> tokens;   // (U)
  std::vector<uint32_t> slot;    // (N) row -> index in tokens
  std::vector<int32_t> slot_of;  // (V) token -> index, -1 between calls
};

void find_distinct_tokens(DistinctTokens& d, const int32_t* tokens, size_t N, size_t V);

}  // namespace sentiment
