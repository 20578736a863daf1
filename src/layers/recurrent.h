// The recurrent layer: one direction of an LSTM, GRU or SimpleRNN layer over a packed,
// length-aware batch (layers/packed_batch.h), through the backend's kernels. The cell's
// equations are in kernels/lstm.h, gru.h and simple_rnn.h; this file picks the kernel and
// owns the direction's cache. Two exact optimisations of the first layer live here too:
// projecting each distinct token once (recurrent_project_tokens), and reading a per-word
// projection table by index at inference; the shared padding run is in padding_run.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "kernels/backend.h"
#include "kernels/rnn.h"
#include "layers/packed_batch.h"

namespace sentiment {

using kernels::CellType;

const char* to_string(CellType cell);
CellType parse_cell(std::string_view name);  // "lstm", "gru", "simple_rnn"

struct RecurrentLayerConfig {
  CellType cell = CellType::kLstm;
  size_t units = 64;               // H
  bool bidirectional = false;      // forward and backward outputs concatenated (2H)
  float dropout = 0.0f;            // on this layer's inputs, one mask per sequence
  float recurrent_dropout = 0.0f;  // on h_{t-1} where it meets U, one mask per sequence

  size_t directions() const { return bidirectional ? 2 : 1; }
  size_t gates() const { return kernels::rnn_gate_count(cell) * units; }  // G H
};

// One direction's weights: W (E, G H), U (H, G H), b (kernels::rnn_bias_size).
template <typename F>
struct RecurrentParams {
  F* kernel;
  F* recurrent_kernel;
  F* bias;
};

// One direction's activations and gradients over one shard (N packed rows, B at step 0).
template <typename F>
struct DirectionCache {
  std::vector<F> x;       // (N, E) the input as the kernel saw it (direction order)
  std::vector<F> h_seq;   // (B + N, H)
  std::vector<F> c_seq;   // (B + N, H), LSTM only
  std::vector<F> gates;   // (N, cache width); LSTM: overwritten by dgates in backward
  std::vector<F> rmask;   // (B, H) recurrent dropout mask, or empty
  std::vector<F> dh;      // (N, H) gradient of every output, direction order
  std::vector<F> dx;      // (N, E)
  std::vector<F> dgates;  // (N, G H) GRU and SimpleRNN (the LSTM's are in gates)
  std::vector<F> xproj;   // (N, G H) inference: the GRU's gathered input projection
  std::vector<F> dc;      // (N, H) LSTM: gradient reaching c_t from outside (padding run)
  std::vector<F> dh0;     // (B, H) gradient of the initial state h_{-1} (padding run)
  std::vector<F> dc0;     // (B, H) likewise c_{-1}
  // The first layer's projection per distinct token, (U, G H), and its gradient.
  std::vector<F> token_proj, dtoken_proj;

  // Sizes the state and gate tensors for d (B rows, N packed rows) and cell.
  void resize(CellType cell, const kernels::RnnDims& d, size_t N);
};

size_t recurrent_scratch_size(CellType cell, const kernels::RnnDims& d);

// h_seq (and c_seq) from x. from_state (LSTM only): h_seq and c_seq already hold each row's
// initial state; otherwise it is zero.
template <typename F>
void recurrent_forward(DirectionCache<F>& dc, F* scratch, CellType cell, RecurrentParams<const F> w,
                       const kernels::RnnDims& d, bool from_state = false);

// The time loop alone on an input projection xproj (N, G H) = x W + b that the caller
// gathered (GRU and SimpleRNN; the LSTM reads its projection by index instead).
template <typename F>
void recurrent_forward_projected(DirectionCache<F>& dc, F* scratch, CellType cell, const F* xproj,
                                 RecurrentParams<const F> w, const kernels::RnnDims& d);

// LSTM time loop on projections read by index: packed row p's x W + b is
// xbase + xindex[p] * 4H (a per-word table, or recurrent_project_tokens' rows). From the
// state in h_seq and c_seq (from_state) or zero; gates kept only when keep_gates.
template <typename F>
void lstm_forward_indexed(DirectionCache<F>& dc, F* scratch, const F* xbase, const uint32_t* xindex,
                          const F* U, const kernels::RnnDims& d, bool from_state, bool keep_gates);

// Inference on int8 recurrent weights U (kernels/rnn_int8.h). With xbase null, on dc.x
// projected here with w.kernel and w.bias (as recurrent_forward); else on the projection
// read from xbase by index (LSTM: xindex, or in order when null; GRU and SimpleRNN: in order,
// xindex null). LSTM: from the state in h_seq and c_seq (from_state) or zero. scratch and
// qscratch grow as needed.
void recurrent_forward_int8(DirectionCache<float>& dc, std::vector<float>& scratch,
                            std::vector<int16_t>& qscratch, CellType cell,
                            RecurrentParams<const float> w, const kernels::Int8Matrix& U,
                            const float* xbase, const uint32_t* xindex, const kernels::RnnDims& d,
                            bool from_state);

// Backward from dc.dh: accumulates dW, dU, db and writes dc.dx (and, from_state, the
// initial-state gradients dc.dh0 and dc.dc0 when sized, adding dc.dc as dL/dc_t when not
// empty). An empty dc.x (per-token projection) skips dW and dx: recurrent_token_backward
// takes them from the gate gradients.
template <typename F>
void recurrent_backward(DirectionCache<F>& dc, F* scratch, CellType cell,
                        RecurrentParams<const F> w, RecurrentParams<F> dw,
                        const kernels::RnnDims& d, bool from_state = false);

// Per distinct token: dc.token_proj (U, G) = x (U, E) W + b.
template <typename F>
void recurrent_project_tokens(DirectionCache<F>& dc, const F* x, RecurrentParams<const F> w,
                              size_t U, size_t E, size_t G);

// Per distinct token, backward: dz summed per token (slot[p] is packed row p's token),
// then dW += x^T dz and dx += dz W^T over U rows instead of N.
// Packed row p's token is slot[p], or slot[mirror[p]] for the backward direction.
template <typename F>
void recurrent_token_backward(DirectionCache<F>& dc,
                              F* dx,                   // (U, E) accumulated
                              F* dW,                   // (E, G) accumulated
                              const uint32_t* slot,    // (N) packed row -> its token's index
                              const uint32_t* mirror,  // (N) or null (forward direction)
                              const F* x,              // (U, E)
                              const F* W,              // (E, G)
                              size_t N, size_t U, size_t E, size_t G);

// A direction's input x (N, E) from the layer's input in (N, E), in the direction's order
// (packed row p reads in_direction(p, dir)), times the input dropout mask (A, E) when given.
template <typename F>
void recurrent_gather_input(DirectionCache<F>& dc, const F* in, const std::vector<F>& mask,
                            const PackedBatch& b, size_t dir, size_t E);

// Backward of recurrent_gather_input: din (N, E) += dc.dx in the caller's order, masked.
template <typename F>
void recurrent_scatter_input_grad(F* din, const DirectionCache<F>& dc, const std::vector<F>& mask,
                                  const PackedBatch& b, size_t dir, size_t E);

// The direction's outputs into columns [dir H, (dir + 1) H) of the layer's output (N, W).
template <typename F>
void recurrent_scatter_output(F* out, const DirectionCache<F>& dc, const PackedBatch& b, size_t dir,
                              size_t H, size_t W);

}  // namespace sentiment
