// Parameter layout, Keras initialisers, and the forward/backward pass of the layer stack
// over one packed batch shard.
#include "model/model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/rnn_packed.h"
#include "kernels/dense.h"
#include "kernels/gru.h"
#include "kernels/lstm.h"
#include "kernels/simple_rnn.h"

namespace sentiment {
namespace {

void glorot_uniform(std::span<float> w, size_t fan_in, size_t fan_out, Rng& rng) {
  const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  for (auto& v : w) v = static_cast<float>(rng.uniform(-limit, limit));
}

// Keras Orthogonal for a (rows, cols) kernel with rows < cols: draw a (cols, rows) normal
// matrix, orthonormalise its columns (QR; Gram-Schmidt in double, twice for stability,
// which gives R a positive diagonal so no sign fix is needed) and store the transpose,
// whose rows are orthonormal.
void orthogonal(std::span<float> w, size_t rows, size_t cols, Rng& rng) {
  const size_t n = std::max(rows, cols), k = std::min(rows, cols);
  std::vector<double> q(n * k);  // k column vectors of length n
  for (auto& v : q) v = rng.normal();
  for (size_t j = 0; j < k; ++j) {
    double* qj = q.data() + j * n;
    for (int pass = 0; pass < 2; ++pass)
      for (size_t p = 0; p < j; ++p) {
        const double* qp = q.data() + p * n;
        double dot = 0;
        for (size_t r = 0; r < n; ++r) dot += qp[r] * qj[r];
        for (size_t r = 0; r < n; ++r) qj[r] -= dot * qp[r];
      }
    double norm = 0;
    for (size_t r = 0; r < n; ++r) norm += qj[r] * qj[r];
    norm = std::sqrt(norm);
    for (size_t r = 0; r < n; ++r) qj[r] /= norm;
  }
  // rows <= cols: row i of w is vector i; otherwise column j of w is vector j.
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      w[r * cols + c] = static_cast<float>(rows <= cols ? q[r * n + c] : q[c * n + r]);
}

size_t directions(const RecurrentLayerConfig& layer) {
  return layer.bidirectional ? 2 : 1;
}

size_t layer_input_width(const ModelConfig& cfg, size_t layer) {
  return layer == 0 ? cfg.embedding_dim : cfg.layer_width(layer - 1);
}

size_t rnn_scratch_size(CellType cell, const kernels::RnnDims& d) {
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

float* or_null(std::vector<float>& v) {
  return v.empty() ? nullptr : v.data();
}

// Draws an inverted-dropout mask: each entry 0 with probability p, else 1 / (1 - p).
void draw_mask(std::vector<float>& mask, size_t n, float p, Rng& rng) {
  mask.resize(n);
  const float keep = 1.0f / (1.0f - p);
  for (auto& m : mask) m = rng.uniform01() < static_cast<double>(p) ? 0.0f : keep;
}

// from_state (LSTM only): h_seq and c_seq already hold each row's initial state.
void rnn_forward(CellType cell, DirectionCache& dc, float* scratch, const float* W, const float* U,
                 const float* b, const kernels::RnnDims& d, bool from_state = false) {
  const float* rmask = or_null(dc.rmask);
  switch (cell) {
    case CellType::kLstm:
      (from_state ? kernels::cpu::lstm_forward_from<float>
                  : kernels::cpu::lstm_forward<float>)(dc.h_seq.data(), dc.c_seq.data(),
                                                       dc.gates.data(), scratch, dc.x.data(), W, U,
                                                       b, rmask, d);
      break;
    case CellType::kGru:
      kernels::cpu::gru_forward<float>(dc.h_seq.data(), nullptr, dc.gates.data(), scratch,
                                       dc.x.data(), W, U, b, rmask, d);
      break;
    case CellType::kSimpleRnn:
      kernels::cpu::simple_rnn_forward<float>(dc.h_seq.data(), nullptr, dc.gates.data(), scratch,
                                              dc.x.data(), W, U, b, rmask, d);
      break;
  }
}

void rnn_recurrence(CellType cell, DirectionCache& dc, float* scratch, const float* xproj,
                    const float* U, const float* b, const kernels::RnnDims& d,
                    bool from_state = false) {
  switch (cell) {
    case CellType::kLstm:
      (from_state ? kernels::cpu::lstm_recurrence_from<float>
                  : kernels::cpu::lstm_recurrence<float>)(dc.h_seq.data(), dc.c_seq.data(),
                                                          dc.gates.data(), scratch, xproj, U, b,
                                                          nullptr, d);
      break;
    case CellType::kGru:
      kernels::cpu::gru_recurrence<float>(dc.h_seq.data(), nullptr, dc.gates.data(), scratch, xproj,
                                          U, b, nullptr, d);
      break;
    case CellType::kSimpleRnn:
      kernels::cpu::simple_rnn_recurrence<float>(dc.h_seq.data(), nullptr, dc.gates.data(), scratch,
                                                 xproj, U, b, nullptr, d);
      break;
  }
}

// from_state (LSTM only): also adds dc as dL/dc_t when not empty and fills dh0 and dc0
// when sized.
void rnn_backward(CellType cell, DirectionCache& dc, float* scratch, const float* W, const float* U,
                  float* dW, float* dU, float* db, const kernels::RnnDims& d,
                  bool from_state = false) {
  const float* rmask = or_null(dc.rmask);
  switch (cell) {
    case CellType::kLstm:
      // x empty (and dx): the caller projects per distinct token and takes dW and dx itself.
      if (from_state)
        kernels::cpu::lstm_backward_from<float>(
            dc.dh0.empty() ? nullptr : dc.dh0.data(), dc.dc0.empty() ? nullptr : dc.dc0.data(),
            or_null(dc.dx), dc.x.empty() ? nullptr : dW, dU, db, dc.gates.data(), scratch,
            dc.dh.data(), or_null(dc.dc), or_null(dc.x), W, U, rmask, dc.h_seq.data(),
            dc.c_seq.data(), dc.gates.data(), d);
      else
        kernels::cpu::lstm_backward<float>(or_null(dc.dx), dc.x.empty() ? nullptr : dW, dU, db,
                                           dc.gates.data(), scratch, dc.dh.data(), or_null(dc.x), W,
                                           U, rmask, dc.h_seq.data(), dc.c_seq.data(),
                                           dc.gates.data(), d);
      break;
    case CellType::kGru:
      kernels::cpu::gru_backward<float>(dc.dx.data(), dW, dU, db, dc.dgates.data(), scratch,
                                        dc.dh.data(), dc.x.data(), W, U, rmask, dc.h_seq.data(),
                                        nullptr, dc.gates.data(), d);
      break;
    case CellType::kSimpleRnn:
      kernels::cpu::simple_rnn_backward<float>(dc.dx.data(), dW, dU, db, dc.dgates.data(), scratch,
                                               dc.dh.data(), dc.x.data(), W, U, rmask,
                                               dc.h_seq.data(), nullptr, dc.gates.data(), d);
      break;
  }
}

// Sorts the shard's rows by length (longest first, stable) and lays their valid tokens out
// in the packed order of kernels/rnn.h. A row's valid tokens are its non-padding ones with
// mask_zero, those after its leading padding when the padding is shared, else all T.
void pack_tokens(const ModelConfig& cfg, ShardCache& c, const int32_t* tokens, size_t stride,
                 bool need_mirror) {
  const size_t B = c.B, T = c.T;
  c.order.resize(B);
  c.lengths.resize(B);
  std::vector<size_t>& len = c.lengths;
  std::iota(c.order.begin(), c.order.end(), size_t{0});
  std::vector<size_t>& row_len = c.row_len;
  row_len.assign(B, T);
  if (cfg.mask_zero)
    for (size_t n = 0; n < B; ++n)
      row_len[n] = static_cast<size_t>(
          std::count_if(tokens + n * stride, tokens + n * stride + T, [](int32_t v) { return v; }));
  else if (c.shared)
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
  for (size_t j = 0; j < c.active; ++j) {
    const int32_t* row = tokens + c.order[j] * stride;
    size_t t = 0;
    for (size_t k = cfg.mask_zero ? 0 : T - len[j]; k < T; ++k)
      if (!cfg.mask_zero || row[k] != 0) c.tokens[c.offsets[t++] + j] = row[k];
  }
  c.prefix_steps = c.shared ? T - len[B - 1] : 0;
  if (need_mirror) {
    c.mirror.resize(c.packed_rows);
    for (size_t j = 0; j < c.active; ++j)
      for (size_t t = 0; t < len[j]; ++t)
        c.mirror[c.offsets[t] + j] = static_cast<uint32_t>(c.offsets[len[j] - 1 - t] + j);
  }
}

// Calls fn(p, j) for every packed row p, with j its row in the sorted shard.
template <typename Fn>
void for_each_packed(const ShardCache& c, Fn&& fn) {
  for (size_t t = 0; t < c.steps; ++t)
    for (size_t j = 0; j < c.batch_sizes[t]; ++j) fn(c.offsets[t] + j, j);
}

// Runs the pooling's parts, each writing its block of feature columns from col0 on.
template <typename Last, typename Max, typename Mean>
void apply_pooling(Pooling pooling, size_t W, Last&& last, Max&& max, Mean&& mean) {
  switch (pooling) {
    case Pooling::kLast:
      last(0);
      break;
    case Pooling::kMax:
      max(0);
      break;
    case Pooling::kMean:
      mean(0);
      break;
    case Pooling::kMaxMean:
      max(0);
      mean(W);
      break;
  }
}

void pool_forward(const ModelConfig& cfg, ShardCache& c, const float* y, size_t W, size_t H) {
  const size_t F = cfg.features(), B = c.B;
  c.features.assign(B * F, 0.0f);
  const bool bi = cfg.layers.back().bidirectional;
  auto last = [&](size_t col0) {
    for (size_t j = 0; j < c.active; ++j) {
      const float* fwd = y + (c.offsets[c.lengths[j] - 1] + j) * W;
      std::copy_n(fwd, H, c.features.data() + j * F + col0);
      if (bi) std::copy_n(y + j * W + H, H, c.features.data() + j * F + col0 + H);
    }
  };
  auto max = [&](size_t col0) {
    c.argmax.assign(B * W, 0);
    for (size_t j = 0; j < c.active; ++j) {
      float* f = c.features.data() + j * F + col0;
      uint32_t* a = c.argmax.data() + j * W;
      std::copy_n(y + j * W, W, f);  // step 0's row j is packed row j
      std::fill_n(a, W, static_cast<uint32_t>(j));
    }
    for (size_t t = 1; t < c.steps; ++t)
      for (size_t j = 0; j < c.batch_sizes[t]; ++j) {
        const size_t p = c.offsets[t] + j;
        const float* row = y + p * W;
        float* f = c.features.data() + j * F + col0;
        uint32_t* a = c.argmax.data() + j * W;
        for (size_t k = 0; k < W; ++k)
          if (row[k] > f[k]) f[k] = row[k], a[k] = static_cast<uint32_t>(p);
      }
  };
  auto mean = [&](size_t col0) {
    for_each_packed(c, [&](size_t p, size_t j) {
      const float* row = y + p * W;
      float* f = c.features.data() + j * F + col0;
      for (size_t k = 0; k < W; ++k) f[k] += row[k];
    });
    for (size_t j = 0; j < c.active; ++j) {
      const float inv = 1.0f / static_cast<float>(c.lengths[j]);
      float* f = c.features.data() + j * F + col0;
      for (size_t k = 0; k < W; ++k) f[k] *= inv;
    }
  };
  apply_pooling(cfg.pooling, W, last, max, mean);
}

void pool_backward(const ModelConfig& cfg, const ShardCache& c, std::vector<float>& dy, size_t W,
                   size_t H) {
  const size_t F = cfg.features();
  const bool bi = cfg.layers.back().bidirectional;
  const float* df = c.dfeatures.data();
  auto last = [&](size_t col0) {
    for (size_t j = 0; j < c.active; ++j) {
      float* fwd = dy.data() + (c.offsets[c.lengths[j] - 1] + j) * W;
      for (size_t k = 0; k < H; ++k) fwd[k] += df[j * F + col0 + k];
      if (bi)
        for (size_t k = 0; k < H; ++k) dy[j * W + H + k] += df[j * F + col0 + H + k];
    }
  };
  auto max = [&](size_t col0) {
    for (size_t j = 0; j < c.active; ++j)
      for (size_t k = 0; k < W; ++k) dy[c.argmax[j * W + k] * W + k] += df[j * F + col0 + k];
  };
  auto mean = [&](size_t col0) {
    for_each_packed(c, [&](size_t p, size_t j) {
      const float inv = 1.0f / static_cast<float>(c.lengths[j]);
      float* row = dy.data() + p * W;
      for (size_t k = 0; k < W; ++k) row[k] += df[j * F + col0 + k] * inv;
    });
  };
  apply_pooling(cfg.pooling, W, last, max, mean);
}

// Lists each sorted row's n-gram table rows: every run of non-padding tokens contributes its
// words and its n-grams of 2..order consecutive words.
void collect_ngrams(const ModelConfig& cfg, ShardCache& c, const int32_t* tokens, size_t stride) {
  const NgramConfig& ng = cfg.ngrams;
  c.ngram_ids.clear();
  c.ngram_offsets.assign(c.B + 1, 0);
  for (size_t j = 0; j < c.B; ++j) {
    const int32_t* row = tokens + c.order[j] * stride;
    size_t run = 0;  // non-padding tokens ending at k
    for (size_t k = 0; k < c.T; ++k) {
      if (row[k] == 0) {
        run = 0;
        continue;
      }
      ++run;
      for (size_t n = 1; n <= std::min(run, ng.order); ++n)
        c.ngram_ids.push_back(
            static_cast<uint32_t>(ngram_bucket(row + k + 1 - n, n, cfg.vocab_size, ng.buckets)));
    }
    if (ng.binary) {
      const auto first = c.ngram_ids.begin() + static_cast<ptrdiff_t>(c.ngram_offsets[j]);
      std::sort(first, c.ngram_ids.end());
      c.ngram_ids.erase(std::unique(first, c.ngram_ids.end()), c.ngram_ids.end());
    }
    c.ngram_offsets[j + 1] = c.ngram_ids.size();
  }
}

// The n-gram head: each row's mean n-gram embedding, then its dense layer.
void ngram_forward(const Model& model, ShardCache& c) {
  const size_t D = model.config().ngrams.dim, O = model.config().outputs();
  const float* table = model.param(model.ngram_view());
  c.bag.assign(c.B * D, 0.0f);
  for (size_t j = 0; j < c.B; ++j) {
    const size_t begin = c.ngram_offsets[j], end = c.ngram_offsets[j + 1];
    float* f = c.bag.data() + j * D;
    if (begin == end) continue;
    for (size_t i = begin; i < end; ++i) {
      const float* e = table + static_cast<size_t>(c.ngram_ids[i]) * D;
      for (size_t k = 0; k < D; ++k) f[k] += e[k];
    }
    const float inv = 1.0f / static_cast<float>(end - begin);
    for (size_t k = 0; k < D; ++k) f[k] *= inv;
  }
  c.ngram_logits.resize(c.B * O);
  const size_t v = model.ngram_view();
  kernels::dense_forward(c.ngram_logits.data(), c.bag.data(), model.param(v + 1),
                         model.param(v + 2), c.B, D, O);
}

// The LSTM time loop on input projections read by index (kernels::cpu::
// lstm_recurrence_indexed), from the state already in h_seq and c_seq (from_state) or from
// zero; the activated gates are kept only when backward will need them.
void lstm_indexed(DirectionCache& dc, float* scratch, const float* xbase, const uint32_t* xindex,
                  const float* U, const kernels::RnnDims& d, bool from_state, bool keep_gates) {
  if (!from_state) {
    std::fill_n(dc.h_seq.data(), d.B * d.H, 0.0f);
    std::fill_n(dc.c_seq.data(), d.B * d.H, 0.0f);
  }
  kernels::cpu::lstm_recurrence_indexed<float>(dc.h_seq.data(), dc.c_seq.data(),
                                               keep_gates ? dc.gates.data() : nullptr, scratch,
                                               xbase, xindex, U, or_null(dc.rmask), d);
}

// The shard's distinct tokens (ShardCache::by_token) and their embedding rows.
void collect_unique_tokens(const Model& model, ShardCache& c) {
  const size_t E = model.config().embedding_dim, V = model.config().vocab_size;
  if (c.slot_of.size() != V) c.slot_of.assign(V, -1);
  c.unique_tokens.clear();
  c.token_slot.resize(c.packed_rows);
  for (size_t p = 0; p < c.packed_rows; ++p) {
    int32_t& slot = c.slot_of[static_cast<size_t>(c.tokens[p])];
    if (slot < 0) {
      slot = static_cast<int32_t>(c.unique_tokens.size());
      c.unique_tokens.push_back(c.tokens[p]);
    }
    c.token_slot[p] = static_cast<uint32_t>(slot);
  }
  for (int32_t t : c.unique_tokens) c.slot_of[static_cast<size_t>(t)] = -1;
  c.unique_x.resize(c.unique_tokens.size() * E);
  for (size_t u = 0; u < c.unique_tokens.size(); ++u)
    std::copy_n(model.embedding() + static_cast<size_t>(c.unique_tokens[u]) * E, E,
                c.unique_x.data() + u * E);
}

// Shared padding, forward: layer l's run over the padding token for P steps (at least the
// shard's prefix_steps) from the zero state, one row (ShardCache::prefix). Its input is the
// padding token's embedding row, or for l > 0 the layer below's padding run; table, when
// given, is layer 0's projection table.
void padding_forward(const Model& model, ShardCache& c, size_t l, const float* table, size_t P) {
  const auto& cfg = model.config();
  const size_t H = cfg.layers[l].units, El = layer_input_width(cfg, l);
  const size_t G = 4 * H, v = model.rnn_view(l, 0);
  const kernels::RnnDims dims{P, 1, El, H};
  DirectionCache& pc = c.prefix[l];
  pc.h_seq.resize((1 + P) * H);
  pc.c_seq.resize((1 + P) * H);
  pc.gates.resize(P * G);
  pc.rmask.clear();
  c.scratch.resize(std::max(c.scratch.size(), kernels::lstm_scratch_size(dims)));
  if (table) {  // the padding token's row, P times
    c.zero_index.assign(P, 0);
    lstm_indexed(pc, c.scratch.data(), table, c.zero_index.data(), model.param(v + 1), dims, false,
                 c.training);
    return;
  }
  pc.x.resize(P * El);
  for (size_t p = 0; p < P; ++p)
    std::copy_n(l == 0 ? model.embedding() : c.prefix[l - 1].h_seq.data() + (1 + p) * El, El,
                pc.x.data() + p * El);
  rnn_forward(CellType::kLstm, pc, c.scratch.data(), model.param(v), model.param(v + 1),
              model.param(v + 2), dims);
}

// Shared padding, backward of layer l's padding run: each row's initial-state gradients
// reach the run's step pad - 1 (c's too, as injected dL/dc), and its input gradient goes to
// the layer below's run or, for layer 0, to the padding token's embedding row.
void padding_backward(const Model& model, ShardCache& c, size_t l, float* dW, float* dU,
                      float* db) {
  const auto& cfg = model.config();
  const size_t H = cfg.layers[l].units, El = layer_input_width(cfg, l), P = c.prefix_steps;
  const size_t v = model.rnn_view(l, 0);
  DirectionCache& pc = c.prefix[l];
  if (c.active > 0) {
    const DirectionCache& dc = c.layers[l][0];
    for (size_t j = 0; j < c.active; ++j) {
      const size_t pad = c.T - c.lengths[j];
      if (pad == 0) continue;
      for (size_t k = 0; k < H; ++k) {
        pc.dh[(pad - 1) * H + k] += dc.dh0[j * H + k];
        pc.dc[(pad - 1) * H + k] += dc.dc0[j * H + k];
      }
    }
  }
  pc.dx.assign(P * El, 0.0f);
  pc.dh0.clear();
  pc.dc0.clear();
  rnn_backward(CellType::kLstm, pc, c.scratch.data(), model.param(v), model.param(v + 1), dW, dU,
               db, kernels::RnnDims{P, 1, El, H}, true);
  if (l == 0) {
    c.dpadding.assign(El, 0.0f);
    for (size_t p = 0; p < P; ++p)
      for (size_t k = 0; k < El; ++k) c.dpadding[k] += pc.dx[p * El + k];
  } else {
    std::vector<float>& below = c.prefix[l - 1].dh;
    for (size_t k = 0; k < P * El; ++k) below[k] += pc.dx[k];
  }
}

}  // namespace

bool share_padding_applies(const ModelConfig& config, bool training) {
  if (config.mask_zero || config.pooling != Pooling::kLast) return false;
  return std::all_of(config.layers.begin(), config.layers.end(), [&](const auto& layer) {
    return layer.cell == CellType::kLstm && !layer.bidirectional &&
           !(training && (layer.dropout > 0.0f || layer.recurrent_dropout > 0.0f));
  });
}

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

size_t ModelConfig::layer_width(size_t layer) const {
  return layers[layer].units * directions(layers[layer]);
}

size_t ModelConfig::features() const {
  const size_t w = layer_width(layers.size() - 1);
  return pooling == Pooling::kMaxMean ? 2 * w : w;
}

ModelConfig lstm_config(size_t vocab_size, size_t embedding_dim, size_t units) {
  ModelConfig c;
  c.vocab_size = vocab_size;
  c.embedding_dim = embedding_dim;
  c.layers[0].units = units;
  return c;
}

void validate_model_config(const ModelConfig& c) {
  auto bad = [](const std::string& what) { throw Error("model: " + what); };
  if (c.vocab_size < 4 || c.vocab_size > (size_t{1} << 26))
    bad("vocab_size must be in [4, 2^26], got " + std::to_string(c.vocab_size));
  if (c.embedding_dim == 0 || c.embedding_dim > 65536)
    bad("embedding_dim must be in [1, 65536], got " + std::to_string(c.embedding_dim));
  if (c.layers.empty() || c.layers.size() > 16)
    bad("expected 1 to 16 recurrent layers, got " + std::to_string(c.layers.size()));
  for (size_t l = 0; l < c.layers.size(); ++l) {
    const auto& layer = c.layers[l];
    const std::string name = "layer " + std::to_string(l) + ": ";
    if (static_cast<uint8_t>(layer.cell) > 2) bad(name + "unknown cell type");
    if (layer.units == 0 || layer.units > 65536)
      bad(name + "units must be in [1, 65536], got " + std::to_string(layer.units));
    if (!(layer.dropout >= 0.0f && layer.dropout < 1.0f))
      bad(name + "dropout must be in [0, 1), got " + std::to_string(layer.dropout));
    if (!(layer.recurrent_dropout >= 0.0f && layer.recurrent_dropout < 1.0f))
      bad(name + "recurrent_dropout must be in [0, 1), got " +
          std::to_string(layer.recurrent_dropout));
  }
  if (static_cast<uint8_t>(c.pooling) > 3) bad("unknown pooling");
  if (!(c.dropout >= 0.0f && c.dropout < 1.0f))
    bad("dropout must be in [0, 1), got " + std::to_string(c.dropout));
  if (c.num_classes < 2 || c.num_classes > 100000)
    bad("num_classes must be in [2, 100000], got " + std::to_string(c.num_classes));
  const NgramConfig& ng = c.ngrams;
  if (ng.order > 5) bad("ngrams.order must be in [0, 5], got " + std::to_string(ng.order));
  if (ng.enabled()) {
    if (ng.dim == 0 || ng.dim > 4096)
      bad("ngrams.dim must be in [1, 4096], got " + std::to_string(ng.dim));
    if (ng.order >= 2 && (ng.buckets == 0 || ng.buckets > (size_t{1} << 26)))
      bad("ngrams.buckets must be in [1, 2^26] for order " + std::to_string(ng.order) + ", got " +
          std::to_string(ng.buckets));
    if (ng.rows(c.vocab_size) * ng.dim > (size_t{1} << 30))
      bad("the n-gram table of " + std::to_string(ng.rows(c.vocab_size)) + " x " +
          std::to_string(ng.dim) + " floats exceeds 2^30");
  }
}

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

const char* to_string(Pooling pooling) {
  switch (pooling) {
    case Pooling::kLast:
      return "last";
    case Pooling::kMax:
      return "max";
    case Pooling::kMean:
      return "mean";
    case Pooling::kMaxMean:
      return "max_mean";
  }
  return "?";
}

Pooling parse_pooling(std::string_view name) {
  if (name == "last") return Pooling::kLast;
  if (name == "max") return Pooling::kMax;
  if (name == "mean") return Pooling::kMean;
  if (name == "max_mean") return Pooling::kMaxMean;
  throw Error("unknown pooling '" + std::string(name) + "', expected last, max, mean or max_mean");
}

size_t ParamView::size() const {
  size_t s = 1;
  for (size_t d : shape) s *= d;
  return s;
}

Model::Model(const ModelConfig& config) : config_(config) {
  validate_model_config(config);
  const size_t V = config.vocab_size, E = config.embedding_dim;
  size_t offset = 0;
  auto add = [&](std::string name, std::vector<size_t> shape) {
    ParamView view{std::move(name), offset, std::move(shape)};
    offset += view.size();
    views_.push_back(std::move(view));
  };
  add("embedding", {V, E});
  if (config.ngrams.enabled()) {
    add("ngrams", {config.ngrams.rows(V), config.ngrams.dim});
    add("ngrams.kernel", {config.ngrams.dim, config.outputs()});
    add("ngrams.bias", {config.outputs()});
  }
  std::vector<size_t> counts(3, 0);
  for (size_t l = 0; l < config.layers.size(); ++l) {
    const auto& layer = config.layers[l];
    const size_t H = layer.units, G = kernels::rnn_gate_count(layer.cell);
    size_t& seen = counts[static_cast<size_t>(layer.cell)];
    std::string name = to_string(layer.cell);
    if (seen > 0) name.append("_").append(std::to_string(seen));
    ++seen;
    rnn_views_.emplace_back();
    for (size_t dir = 0; dir < directions(layer); ++dir) {
      const std::string prefix =
          layer.bidirectional ? name + (dir == 0 ? ".forward" : ".backward") : name;
      rnn_views_.back().push_back(views_.size());
      add(prefix + ".kernel", {layer_input_width(config, l), G * H});
      add(prefix + ".recurrent_kernel", {H, G * H});
      if (layer.cell == CellType::kGru)
        add(prefix + ".bias", {2, G * H});
      else
        add(prefix + ".bias", {G * H});
    }
  }
  add("dense.kernel", {config.features(), config.outputs()});
  add("dense.bias", {config.outputs()});
  params_.assign(offset, 0.0f);
}

void Model::initialize(Rng& rng) {
  auto view = [&](size_t i) {
    return std::span<float>(params_).subspan(views_[i].offset, views_[i].size());
  };
  for (auto& v : view(0)) v = static_cast<float>(rng.uniform(-0.05, 0.05));
  for (size_t l = 0; l < config_.layers.size(); ++l) {
    const auto& layer = config_.layers[l];
    const size_t H = layer.units, G = kernels::rnn_gate_count(layer.cell);
    for (size_t dir = 0; dir < directions(layer); ++dir) {
      const size_t v = rnn_views_[l][dir];
      glorot_uniform(view(v), layer_input_width(config_, l), G * H, rng);
      orthogonal(view(v + 1), H, G * H, rng);
      auto bias = view(v + 2);
      std::fill(bias.begin(), bias.end(), 0.0f);
      if (layer.cell == CellType::kLstm)
        std::fill(bias.begin() + static_cast<ptrdiff_t>(H),
                  bias.begin() + static_cast<ptrdiff_t>(2 * H), 1.0f);
    }
  }
  glorot_uniform(view(dense_view()), config_.features(), config_.outputs(), rng);
  auto bias = view(dense_view() + 1);
  std::fill(bias.begin(), bias.end(), 0.0f);
  // Drawn last, so adding an n-gram head leaves every other initial weight unchanged.
  if (config_.ngrams.enabled()) {
    for (auto& v : view(ngram_view())) v = static_cast<float>(rng.uniform(-0.05, 0.05));
    glorot_uniform(view(ngram_view() + 1), config_.ngrams.dim, config_.outputs(), rng);
    auto nbias = view(ngram_view() + 2);
    std::fill(nbias.begin(), nbias.end(), 0.0f);
  }
}

size_t projection_table_floats(const ModelConfig& config) {
  const auto& first = config.layers.at(0);
  return config.vocab_size * kernels::rnn_gate_count(first.cell) * first.units * directions(first);
}

ProjectionTables input_projection_tables(const Model& model) {
  const auto& cfg = model.config();
  const auto& layer = cfg.layers[0];
  const size_t V = cfg.vocab_size, E = cfg.embedding_dim;
  const size_t G = kernels::rnn_gate_count(layer.cell) * layer.units;
  ProjectionTables tables;
  for (size_t dir = 0; dir < directions(layer); ++dir) {
    const size_t v = model.rnn_view(0, dir);
    std::vector<float> table(V * G);
    const float* b = model.param(v + 2);  // the input bias comes first for every cell
    for (size_t w = 0; w < V; ++w)
      std::copy(b, b + G, table.begin() + static_cast<ptrdiff_t>(w * G));
    kernels::gemm<float>(kernels::Trans::kNo, kernels::Trans::kNo, V, G, E, 1.0f, model.embedding(),
                         E, model.param(v), G, 1.0f, table.data(), G);
    tables.push_back(std::move(table));
  }
  return tables;
}

void model_forward(const Model& model, ShardCache& c, const int32_t* tokens, size_t B, size_t T,
                   size_t token_stride, const ProjectionTables* projection) {
  const auto& cfg = model.config();
  const size_t E = cfg.embedding_dim, L = cfg.layers.size(), O = cfg.outputs();
  const bool any_bi = std::any_of(cfg.layers.begin(), cfg.layers.end(),
                                  [](const RecurrentLayerConfig& l) { return l.bidirectional; });
  c.B = B;
  c.T = T;
  c.shared = c.share_padding && B > 0 && share_padding_applies(cfg, c.training);
  pack_tokens(cfg, c, tokens, token_stride, any_bi);
  if (c.prefix_steps == 0) c.shared = false;  // no row starts with padding
  if (c.shared) c.prefix.resize(L);
  if (cfg.ngrams.enabled()) collect_ngrams(cfg, c, tokens, token_stride);
  c.dhead_logits.clear();
  const size_t N = c.packed_rows, A = c.active;
  Rng rng(c.dropout_seed);
  const bool use_table = projection && !projection->empty() && !c.training;
  // A cache that may keep its padding run reuses it while it is long enough and comes from
  // the same weights (and the same projection: the table's rounding differs).
  const void* padding_key =
      use_table ? static_cast<const void*>(projection->front().data()) : &model;
  bool run_padding = c.shared;
  if (!c.keep_padding_run || c.training) {
    c.padding_key = nullptr;
  } else if (c.shared) {
    // All T steps, so that one run serves every later shard of the same length.
    run_padding = c.padding_key != padding_key || c.padding_run_steps < c.prefix_steps;
    if (run_padding) c.padding_key = padding_key, c.padding_run_steps = T;
  }
  c.by_token = c.project_per_token && !use_table && L > 0 && A > 0 &&
               cfg.layers[0].cell == CellType::kLstm &&
               !(c.training && cfg.layers[0].dropout > 0.0f);
  if (c.by_token) {
    collect_unique_tokens(model, c);
    c.embedded.clear();
  } else if (!use_table) {
    c.embedded.resize(N * E);
    for (size_t p = 0; p < N; ++p)
      std::copy_n(model.embedding() + static_cast<size_t>(c.tokens[p]) * E, E,
                  c.embedded.data() + p * E);
  }
  c.layers.resize(L);
  c.outputs.resize(L);
  c.input_masks.resize(L);
  for (size_t l = 0; l < L && (A > 0 || c.shared); ++l) {
    const auto& layer = cfg.layers[l];
    const size_t H = layer.units, D = directions(layer), El = layer_input_width(cfg, l);
    const size_t G = kernels::rnn_gate_count(layer.cell) * H;
    const kernels::RnnDims dims{c.steps, A, El, H, c.ragged ? c.batch_sizes.data() : nullptr};
    const std::vector<float>& in = l == 0 ? c.embedded : c.outputs[l - 1];
    std::vector<float>& in_mask = c.input_masks[l];
    if (c.training && layer.dropout > 0.0f)
      draw_mask(in_mask, A * El, layer.dropout, rng);
    else
      in_mask.clear();
    c.layers[l].resize(D);
    const size_t W = D * H;
    std::vector<float>& out = c.outputs[l];
    // The last layer's outputs feed only the pooling, which reads a one-direction layer's
    // h_seq in place: the same rows in the same order.
    const bool gather = D > 1 || l + 1 < L;
    if (gather)
      out.resize(N * W);
    else
      out.clear();
    for (size_t dir = 0; dir < D; ++dir) {
      DirectionCache& dc = c.layers[l][dir];
      const size_t v = model.rnn_view(l, dir);
      if (run_padding)
        padding_forward(model, c, l, l == 0 && use_table ? (*projection)[0].data() : nullptr,
                        c.keep_padding_run && !c.training ? T : c.prefix_steps);
      if (A == 0) continue;
      dc.h_seq.resize((A + N) * H);
      if (layer.cell == CellType::kLstm) dc.c_seq.resize((A + N) * H);
      if (c.shared)  // each row starts from the padding run's state after its own padding
        for (size_t j = 0; j < A; ++j) {
          const size_t pad = T - c.lengths[j];
          std::copy_n(c.prefix[l].h_seq.data() + pad * H, H, dc.h_seq.data() + j * H);
          std::copy_n(c.prefix[l].c_seq.data() + pad * H, H, dc.c_seq.data() + j * H);
        }
      dc.gates.resize(N * kernels::rnn_cache_width(layer.cell, H));
      c.scratch.resize(std::max(c.scratch.size(), rnn_scratch_size(layer.cell, dims)));
      if (c.training && layer.recurrent_dropout > 0.0f)
        draw_mask(dc.rmask, A * H, layer.recurrent_dropout, rng);
      else
        dc.rmask.clear();
      if (l == 0 && (c.by_token || use_table) && layer.cell == CellType::kLstm) {
        // The projection per distinct token (training) or per word (the table), read in
        // place by index.
        const float* xbase = use_table ? (*projection)[dir].data() : dc.token_proj.data();
        if (!use_table) {
          dc.token_proj.resize(c.unique_tokens.size() * G);
          kernels::cpu::project_inputs(dc.token_proj.data(), G, c.unique_x.data(), model.param(v),
                                       model.param(v + 2), c.unique_tokens.size(), El, G);
          xbase = dc.token_proj.data();
        }
        c.xindex.resize(N);
        for (size_t p = 0; p < N; ++p) {
          const size_t src = dir == 0 ? p : c.mirror[p];
          c.xindex[p] = use_table ? static_cast<uint32_t>(c.tokens[src]) : c.token_slot[src];
        }
        dc.x.clear();
        lstm_indexed(dc, c.scratch.data(), xbase, c.xindex.data(), model.param(v + 1), dims,
                     c.shared, c.training);
      } else if (l == 0 && use_table) {
        // GRU and SimpleRNN gather the table's rows (SimpleRNN in place in its gate cache).
        std::vector<float>& xp = layer.cell == CellType::kGru ? dc.xproj : dc.gates;
        xp.resize(std::max(xp.size(), N * G));
        const float* table = (*projection)[dir].data();
        for (size_t p = 0; p < N; ++p) {
          const size_t src = dir == 0 ? p : c.mirror[p];
          std::copy_n(table + static_cast<size_t>(c.tokens[src]) * G, G, xp.data() + p * G);
        }
        rnn_recurrence(layer.cell, dc, c.scratch.data(), xp.data(), model.param(v + 1),
                       model.param(v + 2), dims, c.shared);
      } else {
        dc.x.resize(N * El);
        for_each_packed(c, [&](size_t p, size_t j) {
          const float* src = in.data() + (dir == 0 ? p : c.mirror[p]) * El;
          float* dst = dc.x.data() + p * El;
          if (in_mask.empty()) {
            std::copy_n(src, El, dst);
          } else {
            const float* m = in_mask.data() + j * El;
            for (size_t k = 0; k < El; ++k) dst[k] = src[k] * m[k];
          }
        });
        rnn_forward(layer.cell, dc, c.scratch.data(), model.param(v), model.param(v + 1),
                    model.param(v + 2), dims, c.shared);
      }
      const float* h = dc.h_seq.data() + A * H;
      if (gather)
        for (size_t p = 0; p < N; ++p)
          std::copy_n(h + (dir == 0 ? p : c.mirror[p]) * H, H, out.data() + p * W + dir * H);
    }
  }
  const size_t F = cfg.features();
  if (A > 0) {
    const std::vector<float>& out = c.outputs[L - 1];
    const size_t H = cfg.layers.back().units;
    pool_forward(cfg, c, out.empty() ? c.layers[L - 1][0].h_seq.data() + A * H : out.data(),
                 cfg.layer_width(L - 1), H);
  } else {
    c.features.assign(B * F, 0.0f);
  }
  if (c.shared)  // rows of padding only end where the padding run ends
    for (size_t j = A; j < B; ++j)
      std::copy_n(c.prefix[L - 1].h_seq.data() + c.prefix_steps * F, F, c.features.data() + j * F);
  if (c.training && cfg.dropout > 0.0f) {
    draw_mask(c.feature_mask, B * F, cfg.dropout, rng);
    for (size_t k = 0; k < B * F; ++k) c.features[k] *= c.feature_mask[k];
  } else {
    c.feature_mask.clear();
  }
  c.sorted_logits.resize(B * O);
  kernels::dense_forward(c.sorted_logits.data(), c.features.data(), model.param(model.dense_view()),
                         model.param(model.dense_view() + 1), B, F, O);
  c.logits.resize(B * O);
  if (!cfg.ngrams.enabled()) {
    c.head_logits.clear();
    for (size_t j = 0; j < B; ++j)
      std::copy_n(c.sorted_logits.data() + j * O, O, c.logits.data() + c.order[j] * O);
    return;
  }
  ngram_forward(model, c);
  c.head_logits.resize(2 * B * O);
  for (size_t j = 0; j < B; ++j) {
    const float* a = c.sorted_logits.data() + j * O;
    const float* b = c.ngram_logits.data() + j * O;
    const size_t row = c.order[j] * O;
    for (size_t k = 0; k < O; ++k) {
      c.head_logits[row + k] = a[k];
      c.head_logits[B * O + row + k] = b[k];
      c.logits[row + k] = 0.5f * (a[k] + b[k]);
    }
  }
}

void model_backward(const Model& model, ShardCache& c, float* grad_dense) {
  const auto& cfg = model.config();
  const size_t B = c.B, L = cfg.layers.size(), O = cfg.outputs(), F = cfg.features();
  const size_t N = c.packed_rows, A = c.active;
  const size_t base = model.sparse_size();
  auto grad = [&](size_t view) { return grad_dense + model.views()[view].offset - base; };
  c.dsorted_logits.resize(B * O);
  if (cfg.ngrams.enabled()) {
    // Each head's gradient: its own loss's, or half the mean's.
    const bool own = c.dhead_logits.size() == 2 * B * O;
    std::vector<float>& dngram = c.dngram_logits;
    dngram.resize(B * O);
    for (size_t j = 0; j < B; ++j)
      for (size_t k = 0; k < O; ++k) {
        const size_t row = c.order[j] * O + k;
        c.dsorted_logits[j * O + k] = own ? c.dhead_logits[row] : 0.5f * c.dlogits[row];
        dngram[j * O + k] = own ? c.dhead_logits[B * O + row] : 0.5f * c.dlogits[row];
      }
    const size_t v = model.ngram_view(), D = cfg.ngrams.dim;
    c.dbag.assign(B * D, 0.0f);
    kernels::dense_backward(c.dbag.data(), grad(v + 1), grad(v + 2), dngram.data(), c.bag.data(),
                            model.param(v + 1), B, D, O);
  } else {
    for (size_t j = 0; j < B; ++j)
      std::copy_n(c.dlogits.data() + c.order[j] * O, O, c.dsorted_logits.data() + j * O);
  }
  c.dfeatures.assign(B * F, 0.0f);
  const size_t dv = model.dense_view();
  kernels::dense_backward(c.dfeatures.data(), grad(dv), grad(dv + 1), c.dsorted_logits.data(),
                          c.features.data(), model.param(dv), B, F, O);
  if (!c.feature_mask.empty())
    for (size_t k = 0; k < B * F; ++k) c.dfeatures[k] *= c.feature_mask[k];
  if (c.shared) {
    const size_t P = c.prefix_steps;
    for (size_t l = 0; l < L; ++l) {
      c.prefix[l].dh.assign(P * cfg.layers[l].units, 0.0f);
      c.prefix[l].dc.assign(P * cfg.layers[l].units, 0.0f);
    }
    for (size_t j = A; j < B; ++j)
      for (size_t k = 0; k < F; ++k) c.prefix[L - 1].dh[(P - 1) * F + k] += c.dfeatures[j * F + k];
  }
  c.dembedded.clear();
  if (A == 0 && !c.shared) return;
  c.dy.assign(N * cfg.layer_width(L - 1), 0.0f);
  if (A > 0) pool_backward(cfg, c, c.dy, cfg.layer_width(L - 1), cfg.layers.back().units);
  std::vector<float>& below = c.dy_below;
  for (size_t l = L; l-- > 0;) {
    const auto& layer = cfg.layers[l];
    const size_t H = layer.units, D = directions(layer), El = layer_input_width(cfg, l);
    const size_t W = D * H;
    const kernels::RnnDims dims{c.steps, A, El, H, c.ragged ? c.batch_sizes.data() : nullptr};
    const bool by_token = l == 0 && c.by_token;
    std::vector<float>& dnext = l == 0 ? c.dembedded : below;
    dnext.assign(by_token ? 0 : N * El, 0.0f);
    if (by_token) c.dunique_x.assign(c.unique_tokens.size() * El, 0.0f);
    const std::vector<float>& in_mask = c.input_masks[l];
    for (size_t dir = 0; dir < D && A > 0; ++dir) {
      DirectionCache& dc = c.layers[l][dir];
      const size_t v = model.rnn_view(l, dir);
      dc.dh0.resize(c.shared ? A * H : 0);
      dc.dc0.resize(c.shared ? A * H : 0);
      dc.dc.clear();
      if (D == 1) {
        // The same rows in the same order: take the buffer instead of copying it (c.dy is
        // refilled before it is read again).
        dc.dh.swap(c.dy);
      } else {
        dc.dh.resize(N * H);
        for (size_t p = 0; p < N; ++p)
          std::copy_n(c.dy.data() + p * W + dir * H, H,
                      dc.dh.data() + (dir == 0 ? p : c.mirror[p]) * H);
      }
      dc.dx.assign(by_token ? 0 : N * El, 0.0f);
      if (layer.cell != CellType::kLstm)
        dc.dgates.resize(N * kernels::rnn_gate_count(layer.cell) * H);
      rnn_backward(layer.cell, dc, c.scratch.data(), model.param(v), model.param(v + 1), grad(v),
                   grad(v + 1), grad(v + 2), dims, c.shared);
      if (by_token) {  // dz summed per distinct token, then x^T dz and dz W^T over U rows
        const size_t U = c.unique_tokens.size(), G = 4 * H;
        dc.dtoken_proj.assign(U * G, 0.0f);
        for (size_t p = 0; p < N; ++p) {
          float* dst = dc.dtoken_proj.data() + c.token_slot[dir == 0 ? p : c.mirror[p]] * G;
          const float* src = dc.gates.data() + p * G;
          for (size_t k = 0; k < G; ++k) dst[k] += src[k];
        }
        kernels::gemm<float>(kernels::Trans::kYes, kernels::Trans::kNo, El, G, U, 1.0f,
                             c.unique_x.data(), El, dc.dtoken_proj.data(), G, 1.0f, grad(v), G);
        kernels::gemm<float>(kernels::Trans::kNo, kernels::Trans::kYes, U, El, G, 1.0f,
                             dc.dtoken_proj.data(), G, model.param(v), G, 1.0f, c.dunique_x.data(),
                             El);
        continue;
      }
      for_each_packed(c, [&](size_t p, size_t j) {
        const float* src = dc.dx.data() + (dir == 0 ? p : c.mirror[p]) * El;
        float* dst = dnext.data() + p * El;
        if (in_mask.empty()) {
          for (size_t k = 0; k < El; ++k) dst[k] += src[k];
        } else {
          const float* m = in_mask.data() + j * El;
          for (size_t k = 0; k < El; ++k) dst[k] += src[k] * m[k];
        }
      });
    }
    if (c.shared) {
      const size_t v = model.rnn_view(l, 0);
      padding_backward(model, c, l, grad(v), grad(v + 1), grad(v + 2));
    }
    if (l > 0) c.dy.swap(below);
  }
}

void model_embedding_backward(const Model& model, const ShardCache& c, float* grad_sparse) {
  const auto& cfg = model.config();
  const size_t E = cfg.embedding_dim;
  if (c.shared)
    for (size_t k = 0; k < E; ++k) grad_sparse[k] += c.dpadding[k];  // row 0, the padding token
  if (c.by_token)
    for (size_t u = 0; u < c.unique_tokens.size() && !c.dunique_x.empty(); ++u) {
      float* g = grad_sparse + static_cast<size_t>(c.unique_tokens[u]) * E;
      const float* d = c.dunique_x.data() + u * E;
      for (size_t k = 0; k < E; ++k) g[k] += d[k];
    }
  if (!c.dembedded.empty())
    for (size_t p = 0; p < c.packed_rows; ++p) {
      float* g = grad_sparse + static_cast<size_t>(c.tokens[p]) * E;
      const float* d = c.dembedded.data() + p * E;
      for (size_t k = 0; k < E; ++k) g[k] += d[k];
    }
  if (!cfg.ngrams.enabled()) return;
  // Each of a row's n-grams gets the bag's gradient over the row's n-gram count.
  const size_t D = cfg.ngrams.dim;
  float* table = grad_sparse + model.views()[model.ngram_view()].offset;
  for (size_t j = 0; j < c.B; ++j) {
    const size_t begin = c.ngram_offsets[j], end = c.ngram_offsets[j + 1];
    if (begin == end) continue;
    const float inv = 1.0f / static_cast<float>(end - begin);
    const float* d = c.dbag.data() + j * D;
    for (size_t i = begin; i < end; ++i) {
      float* g = table + static_cast<size_t>(c.ngram_ids[i]) * D;
      for (size_t k = 0; k < D; ++k) g[k] += d[k] * inv;
    }
  }
}

}  // namespace sentiment
