// The shared padding run of an LSTM layer, forward and backward.
#include "layers/padding_run.h"

#include <algorithm>

#include "kernels/lstm.h"

namespace sentiment {

template <typename F>
void padding_run_forward(DirectionCache<F>& run, std::vector<F>& scratch,
                         std::vector<uint32_t>& zero_index, const F* x, size_t x_stride,
                         const F* table, RecurrentParams<const F> w, size_t P, size_t E, size_t H) {
  const kernels::RnnDims dims{P, 1, E, H};
  run.h_seq.resize((1 + P) * H);
  run.c_seq.resize((1 + P) * H);
  run.gates.resize(P * 4 * H);
  run.rmask.clear();
  scratch.resize(std::max(scratch.size(), kernels::lstm_scratch_size(dims)));
  if (table) {  // the padding token's row, P times
    zero_index.assign(P, 0);
    lstm_forward_indexed(run, scratch.data(), table, zero_index.data(), w.recurrent_kernel, dims,
                         false, false);
    return;
  }
  run.x.resize(P * E);
  for (size_t p = 0; p < P; ++p) std::copy_n(x + p * x_stride, E, run.x.data() + p * E);
  recurrent_forward(run, scratch.data(), CellType::kLstm, w, dims);
}

template <typename F>
void padding_run_start_rows(DirectionCache<F>& rows, const DirectionCache<F>& run,
                            const PackedBatch& b, size_t H) {
  for (size_t j = 0; j < b.active; ++j) {
    const size_t pad = b.T - b.lengths[j];
    std::copy_n(run.h_seq.data() + pad * H, H, rows.h_seq.data() + j * H);
    std::copy_n(run.c_seq.data() + pad * H, H, rows.c_seq.data() + j * H);
  }
}

template <typename F>
void padding_run_backward(F* dinput, bool sum_steps, DirectionCache<F>& run,
                          const DirectionCache<F>* rows, std::vector<F>& scratch,
                          const PackedBatch& b, RecurrentParams<const F> w, RecurrentParams<F> dw,
                          size_t P, size_t E, size_t H) {
  if (rows)
    for (size_t j = 0; j < b.active; ++j) {
      const size_t pad = b.T - b.lengths[j];
      if (pad == 0) continue;
      for (size_t k = 0; k < H; ++k) {
        run.dh[(pad - 1) * H + k] += rows->dh0[j * H + k];
        run.dc[(pad - 1) * H + k] += rows->dc0[j * H + k];
      }
    }
  run.dx.assign(P * E, F(0));
  run.dh0.clear();
  run.dc0.clear();
  recurrent_backward(run, scratch.data(), CellType::kLstm, w, dw, kernels::RnnDims{P, 1, E, H},
                     true);
  if (sum_steps) {
    for (size_t p = 0; p < P; ++p)
      for (size_t k = 0; k < E; ++k) dinput[k] += run.dx[p * E + k];
  } else {
    for (size_t k = 0; k < P * E; ++k) dinput[k] += run.dx[k];
  }
}

#define SENTIMENT_INSTANTIATE(F)                                                                   \
  template void padding_run_forward<F>(DirectionCache<F>&, std::vector<F>&,                        \
                                       std::vector<uint32_t>&, const F*, size_t, const F*,         \
                                       RecurrentParams<const F>, size_t, size_t, size_t);          \
  template void padding_run_start_rows<F>(DirectionCache<F>&, const DirectionCache<F>&,            \
                                          const PackedBatch&, size_t);                             \
  template void padding_run_backward<F>(                                                           \
      F*, bool, DirectionCache<F>&, const DirectionCache<F>*, std::vector<F>&, const PackedBatch&, \
      RecurrentParams<const F>, RecurrentParams<F>, size_t, size_t, size_t);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment
