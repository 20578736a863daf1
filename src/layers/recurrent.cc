// The recurrent layer's kernel dispatch, per direction, and the first layer's per-token
// projection.
#include "layers/recurrent.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "core/error.h"
#include "kernels/gru.h"
#include "kernels/lstm.h"
#include "kernels/simple_rnn.h"

namespace sentiment {
namespace {

template <typename F>
const F* or_null(const std::vector<F>& v) {
  return v.empty() ? nullptr : v.data();
}
template <typename F>
F* or_null(std::vector<F>& v) {
  return v.empty() ? nullptr : v.data();
}

}  // namespace

const char* to_string(CellType cell) {
  switch (cell) {
    case CellType::kLstm:
      return "lstm";
    case CellType::kGru:
      return "gru";
    case CellType::kSimpleRnn:
      return "simple_rnn";
  }
  return "?";
}

CellType parse_cell(std::string_view name) {
  if (name == "lstm") return CellType::kLstm;
  if (name == "gru") return CellType::kGru;
  if (name == "simple_rnn" || name == "rnn") return CellType::kSimpleRnn;
  throw Error("unknown cell '" + std::string(name) + "', expected lstm, gru or simple_rnn");
}

template <typename F>
void DirectionCache<F>::resize(CellType cell, const kernels::RnnDims& d, size_t N) {
  h_seq.resize((d.B + N) * d.H);
  if (cell == CellType::kLstm) c_seq.resize((d.B + N) * d.H);
  gates.resize(N * kernels::rnn_cache_width(cell, d.H));
}

size_t recurrent_scratch_size(CellType cell, const kernels::RnnDims& d) {
  switch (cell) {
    case CellType::kLstm:
      return kernels::lstm_scratch_size(d);
    case CellType::kGru:
      return kernels::gru_scratch_size(d);
    case CellType::kSimpleRnn:
      return kernels::simple_rnn_scratch_size(d);
  }
  return 0;
}

template <typename F>
void recurrent_forward(DirectionCache<F>& dc, F* scratch, CellType cell, RecurrentParams<const F> w,
                       const kernels::RnnDims& d, bool from_state) {
  const kernels::Backend<F>& be = kernels::backend<F>();
  auto* forward = cell == CellType::kLstm && from_state ? be.lstm_forward_from
                                                        : be.rnn_forward[static_cast<size_t>(cell)];
  forward(dc.h_seq.data(), cell == CellType::kLstm ? dc.c_seq.data() : nullptr, dc.gates.data(),
          scratch, dc.x.data(), w.kernel, w.recurrent_kernel, w.bias, or_null(dc.rmask), d);
}

template <typename F>
void recurrent_forward_projected(DirectionCache<F>& dc, F* scratch, CellType cell, const F* xproj,
                                 RecurrentParams<const F> w, const kernels::RnnDims& d) {
  assert(cell != CellType::kLstm);  // the LSTM reads its projection by index
  kernels::backend<F>().rnn_recurrence[static_cast<size_t>(cell)](
      dc.h_seq.data(), nullptr, dc.gates.data(), scratch, xproj, w.recurrent_kernel, w.bias,
      nullptr, d);
}

template <typename F>
void lstm_forward_indexed(DirectionCache<F>& dc, F* scratch, const F* xbase, const uint32_t* xindex,
                          const F* U, const kernels::RnnDims& d, bool from_state, bool keep_gates) {
  if (!from_state) {
    std::fill_n(dc.h_seq.data(), d.B * d.H, F(0));
    std::fill_n(dc.c_seq.data(), d.B * d.H, F(0));
  }
  kernels::backend<F>().lstm_recurrence_indexed(dc.h_seq.data(), dc.c_seq.data(),
                                                keep_gates ? dc.gates.data() : nullptr, scratch,
                                                xbase, xindex, U, or_null(dc.rmask), d);
}

void recurrent_forward_int8(DirectionCache<float>& dc, std::vector<float>& scratch,
                            std::vector<int16_t>& qscratch, CellType cell,
                            RecurrentParams<const float> w, const kernels::Int8Matrix& U,
                            const float* xbase, const uint32_t* xindex, const kernels::RnnDims& d,
                            bool from_state) {
  const kernels::Backend<float>& be = kernels::backend<float>();
  const size_t G = kernels::rnn_gate_count(cell) * d.H, N = kernels::rnn_packed_rows(d);
  assert(U.K == d.H && U.N == G && (cell == CellType::kLstm || !xindex));
  scratch.resize(std::max(scratch.size(), kernels::rnn_int8_scratch_size(cell, d)));
  qscratch.resize(std::max(qscratch.size(), kernels::int8_gemm_scratch_size(d.B, d.H)));
  if (!xbase) {
    // The GRU's gate cache holds four blocks per row, so its projection goes beside it.
    float* proj = dc.gates.data();
    if (cell == CellType::kGru) {
      dc.xproj.resize(std::max(dc.xproj.size(), N * G));
      proj = dc.xproj.data();
    }
    be.project_inputs(proj, G, dc.x.data(), w.kernel, w.bias, N, d.E, G);
    xbase = proj;
    xindex = nullptr;
  }
  if (cell == CellType::kLstm && !from_state) {
    std::fill_n(dc.h_seq.data(), d.B * d.H, 0.0f);
    std::fill_n(dc.c_seq.data(), d.B * d.H, 0.0f);
  }
  be.rnn_recurrence_int8[static_cast<size_t>(cell)](
      dc.h_seq.data(), cell == CellType::kLstm ? dc.c_seq.data() : nullptr, dc.gates.data(),
      scratch.data(), qscratch.data(), xbase, xindex, U, w.bias, d);
}

template <typename F>
void recurrent_backward(DirectionCache<F>& dc, F* scratch, CellType cell,
                        RecurrentParams<const F> w, RecurrentParams<F> dw,
                        const kernels::RnnDims& d, bool from_state) {
  const kernels::Backend<F>& be = kernels::backend<F>();
  const F* rmask = or_null(dc.rmask);
  if (cell == CellType::kLstm) {
    // The LSTM's gate gradients overwrite its gate cache in place.
    F* dx = or_null(dc.dx);
    F* dW = dc.x.empty() ? nullptr : dw.kernel;
    if (from_state)
      be.lstm_backward_from(or_null(dc.dh0), or_null(dc.dc0), dx, dW, dw.recurrent_kernel, dw.bias,
                            dc.gates.data(), scratch, dc.dh.data(), or_null(dc.dc), or_null(dc.x),
                            w.kernel, w.recurrent_kernel, rmask, dc.h_seq.data(), dc.c_seq.data(),
                            dc.gates.data(), d);
    else
      be.rnn_backward[0](dx, dW, dw.recurrent_kernel, dw.bias, dc.gates.data(), scratch,
                         dc.dh.data(), or_null(dc.x), w.kernel, w.recurrent_kernel, rmask,
                         dc.h_seq.data(), dc.c_seq.data(), dc.gates.data(), d);
    return;
  }
  be.rnn_backward[static_cast<size_t>(cell)](dc.dx.data(), dw.kernel, dw.recurrent_kernel, dw.bias,
                                             dc.dgates.data(), scratch, dc.dh.data(), dc.x.data(),
                                             w.kernel, w.recurrent_kernel, rmask, dc.h_seq.data(),
                                             nullptr, dc.gates.data(), d);
}

template <typename F>
void recurrent_project_tokens(DirectionCache<F>& dc, const F* x, RecurrentParams<const F> w,
                              size_t U, size_t E, size_t G) {
  dc.token_proj.resize(U * G);
  kernels::backend<F>().project_inputs(dc.token_proj.data(), G, x, w.kernel, w.bias, U, E, G);
}

template <typename F>
void recurrent_token_backward(DirectionCache<F>& dc, F* dx, F* dW, const uint32_t* slot,
                              const uint32_t* mirror, const F* x, const F* W, size_t N, size_t U,
                              size_t E, size_t G) {
  dc.dtoken_proj.assign(U * G, F(0));
  for (size_t p = 0; p < N; ++p) {
    F* dst = dc.dtoken_proj.data() + slot[mirror ? mirror[p] : p] * G;
    const F* src = dc.gates.data() + p * G;
    for (size_t k = 0; k < G; ++k) dst[k] += src[k];
  }
  const kernels::Backend<F>& be = kernels::backend<F>();
  be.gemm(true, false, E, G, U, F(1), x, E, dc.dtoken_proj.data(), G, F(1), dW, G);
  be.gemm(false, true, U, E, G, F(1), dc.dtoken_proj.data(), G, W, G, F(1), dx, E);
}

template <typename F>
void recurrent_gather_input(DirectionCache<F>& dc, const F* in, const std::vector<F>& mask,
                            const PackedBatch& b, size_t dir, size_t E) {
  dc.x.resize(b.packed_rows * E);
  b.for_each([&](size_t p, size_t j) {
    const F* src = in + b.in_direction(p, dir) * E;
    F* dst = dc.x.data() + p * E;
    if (mask.empty()) {
      std::copy_n(src, E, dst);
    } else {
      const F* m = mask.data() + j * E;
      for (size_t k = 0; k < E; ++k) dst[k] = src[k] * m[k];
    }
  });
}

template <typename F>
void recurrent_scatter_input_grad(F* din, const DirectionCache<F>& dc, const std::vector<F>& mask,
                                  const PackedBatch& b, size_t dir, size_t E) {
  b.for_each([&](size_t p, size_t j) {
    const F* src = dc.dx.data() + b.in_direction(p, dir) * E;
    F* dst = din + p * E;
    if (mask.empty()) {
      for (size_t k = 0; k < E; ++k) dst[k] += src[k];
    } else {
      const F* m = mask.data() + j * E;
      for (size_t k = 0; k < E; ++k) dst[k] += src[k] * m[k];
    }
  });
}

template <typename F>
void recurrent_scatter_output(F* out, const DirectionCache<F>& dc, const PackedBatch& b, size_t dir,
                              size_t H, size_t W) {
  const F* h = dc.h_seq.data() + b.active * H;
  for (size_t p = 0; p < b.packed_rows; ++p)
    std::copy_n(h + b.in_direction(p, dir) * H, H, out + p * W + dir * H);
}

#define SENTIMENT_INSTANTIATE(F)                                                                   \
  template struct DirectionCache<F>;                                                               \
  template void recurrent_forward<F>(DirectionCache<F>&, F*, CellType, RecurrentParams<const F>,   \
                                     const kernels::RnnDims&, bool);                               \
  template void recurrent_forward_projected<F>(DirectionCache<F>&, F*, CellType, const F*,         \
                                               RecurrentParams<const F>, const kernels::RnnDims&); \
  template void lstm_forward_indexed<F>(DirectionCache<F>&, F*, const F*, const uint32_t*,         \
                                        const F*, const kernels::RnnDims&, bool, bool);            \
  template void recurrent_backward<F>(DirectionCache<F>&, F*, CellType, RecurrentParams<const F>,  \
                                      RecurrentParams<F>, const kernels::RnnDims&, bool);          \
  template void recurrent_project_tokens<F>(DirectionCache<F>&, const F*,                          \
                                            RecurrentParams<const F>, size_t, size_t, size_t);     \
  template void recurrent_token_backward<F>(DirectionCache<F>&, F*, F*, const uint32_t*,           \
                                            const uint32_t*, const F*, const F*, size_t, size_t,   \
                                            size_t, size_t);                                       \
  template void recurrent_gather_input<F>(DirectionCache<F>&, const F*, const std::vector<F>&,     \
                                          const PackedBatch&, size_t, size_t);                     \
  template void recurrent_scatter_input_grad<F>(                                                   \
      F*, const DirectionCache<F>&, const std::vector<F>&, const PackedBatch&, size_t, size_t);    \
  template void recurrent_scatter_output<F>(F*, const DirectionCache<F>&, const PackedBatch&,      \
                                            size_t, size_t, size_t);
SENTIMENT_INSTANTIATE(float)
SENTIMENT_INSTANTIATE(double)
#undef SENTIMENT_INSTANTIATE

}  // namespace sentiment
