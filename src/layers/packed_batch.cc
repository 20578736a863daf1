// Sorting a shard's rows by length and laying their steps out packed.
#include "layers/packed_batch.h"

#include <algorithm>
#include <numeric>

namespace sentiment {

void pack_batch(PackedBatch& c, const int32_t* tokens, size_t B, size_t T, size_t stride,
                StepsOf steps, bool with_mirror) {
  c.B = B;
  c.T = T;
  c.order.resize(B);
  c.lengths.resize(B);
  std::vector<size_t>& len = c.lengths;
  std::iota(c.order.begin(), c.order.end(), size_t{0});
  std::vector<size_t>& row_len = c.row_len;
  row_len.assign(B, T);
  if (steps == StepsOf::kNonPadding)
    for (size_t n = 0; n < B; ++n)
      row_len[n] = static_cast<size_t>(
          std::count_if(tokens + n * stride, tokens + n * stride + T, [](int32_t v) { return v; }));
  else if (steps == StepsOf::kAfterPadding)
    for (size_t n = 0; n < B; ++n) {
      const int32_t* row = tokens + n * stride;
      row_len[n] = static_cast<size_t>(
          row + T - std::find_if(row, row + T, [](int32_t v) { return v != 0; }));
    }
  std::stable_sort(c.order.begin(), c.order.end(),
                   [&](size_t a, size_t b) { return row_len[a] > row_len[b]; });
  for (size_t j = 0; j < B; ++j) len[j] = row_len[c.order[j]];
  c.active = static_cast<size_t>(std::count_if(len.begin(), len.end(), [](size_t l) { return l; }));
  c.steps = c.active ? len[0] : 0;
  c.ragged = c.active && len[c.active - 1] != c.steps;
  c.batch_sizes.assign(c.steps, 0);
  c.offsets.assign(c.steps + 1, 0);
  for (size_t j = 0; j < c.active; ++j)
    for (size_t t = 0; t < len[j]; ++t) ++c.batch_sizes[t];
  for (size_t t = 0; t < c.steps; ++t) c.offsets[t + 1] = c.offsets[t] + c.batch_sizes[t];
  c.packed_rows = c.offsets[c.steps];
  c.tokens.resize(c.packed_rows);
  const bool skip_padding = steps == StepsOf::kNonPadding;
  for (size_t j = 0; j < c.active; ++j) {
    const int32_t* row = tokens + c.order[j] * stride;
    size_t t = 0;
    for (size_t k = skip_padding ? 0 : T - len[j]; k < T; ++k)
      if (!skip_padding || row[k] != 0) c.tokens[c.offsets[t++] + j] = row[k];
  }
  if (with_mirror) {
    c.mirror.resize(c.packed_rows);
    for (size_t j = 0; j < c.active; ++j)
      for (size_t t = 0; t < len[j]; ++t)
        c.mirror[c.offsets[t] + j] = static_cast<uint32_t>(c.offsets[len[j] - 1 - t] + j);
  }
}

}  // namespace sentiment
