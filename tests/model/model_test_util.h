// What the model tests share: small stacks of every cell, random weights larger than the
// initialisers give, rows pre- and post-padded, and the shard loss as training computes it.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "layers/loss.h"
#include "model/model.h"

namespace sentiment::testing {

inline ModelConfig stack(CellType cell, bool bi, Pooling pooling, size_t layers, bool mask,
                         size_t classes = 2) {
  ModelConfig cfg;
  cfg.vocab_size = 12;
  cfg.embedding_dim = 3;
  cfg.mask_zero = mask;
  cfg.pooling = pooling;
  cfg.num_classes = classes;
  cfg.layers.assign(layers, RecurrentLayerConfig{cell, 4, bi, 0.0f, 0.0f});
  return cfg;
}

// Fills every parameter with larger values than the initialisers give, so every gate and
// path is exercised.
inline Model random_model(const ModelConfig& cfg, uint64_t seed, double scale = 0.6) {
  Model model(cfg);
  Rng rng(seed);
  for (auto& p : model.params()) p = static_cast<float>(rng.uniform(-scale, scale));
  return model;
}

inline std::vector<float> forward_logits(const Model& model, const std::vector<int32_t>& tokens,
                                         size_t B, size_t T,
                                         const ProjectionTables* tables = nullptr) {
  ShardCache cache;
  model_forward(model, cache, tokens.data(), B, T, T, tables);
  return cache.logits;
}

// Rows of different lengths, pre-padded with 0 to T, and the same rows post-padded.
struct PaddedRows {
  std::vector<int32_t> pre, post;
  size_t B, T;
};

inline PaddedRows padded_rows(const std::vector<std::vector<int32_t>>& rows, size_t T) {
  PaddedRows p{std::vector<int32_t>(rows.size() * T, 0), std::vector<int32_t>(rows.size() * T, 0),
               rows.size(), T};
  for (size_t n = 0; n < rows.size(); ++n) {
    std::copy(rows[n].begin(), rows[n].end(),
              p.pre.begin() + static_cast<ptrdiff_t>(n * T + T - rows[n].size()));
    std::copy(rows[n].begin(), rows[n].end(), p.post.begin() + static_cast<ptrdiff_t>(n * T));
  }
  return p;
}

inline const std::vector<std::vector<int32_t>> kRows = {{1, 4, 5, 11}, {3}, {1, 7, 7, 9, 2, 8},
                                                        {6, 6},        {},  {1, 2, 3, 4, 5, 6}};

struct Variant {
  CellType cell;
  bool bi;
  Pooling pooling;
  size_t layers;
  size_t classes;
};

inline const Variant kVariants[] = {
    {CellType::kLstm, false, Pooling::kLast, 1, 2},
    {CellType::kGru, false, Pooling::kMean, 1, 2},
    {CellType::kSimpleRnn, false, Pooling::kMax, 1, 3},
    {CellType::kLstm, true, Pooling::kLast, 2, 2},
    {CellType::kGru, true, Pooling::kMaxMean, 2, 4},
    {CellType::kSimpleRnn, true, Pooling::kMean, 1, 2},
};

inline std::string variant_name(const Variant& v) {
  return std::string(to_string(v.cell)) + (v.bi ? " bidirectional " : " ") + to_string(v.pooling) +
         " x" + std::to_string(v.layers) + " K=" + std::to_string(v.classes);
}

// Summed loss over the shard: BCE for one output, softmax cross-entropy for more.
inline double logits_loss(const float* logits, const std::vector<float>& y, size_t O,
                          float* dlogits) {
  const size_t B = y.size();
  if (O == 1) return bce_with_logits<float>(dlogits, logits, y.data(), B, 1.0f);
  double total = 0.0;
  for (size_t n = 0; n < B; ++n) {
    const float* z = logits + n * O;
    double s = 0.0;
    for (size_t k = 0; k < O; ++k) s += std::exp(double(z[k]));
    const auto yk = static_cast<size_t>(y[n]);
    total += std::log(s) - z[yk];
    if (dlogits)
      for (size_t k = 0; k < O; ++k)
        dlogits[n * O + k] = static_cast<float>(std::exp(double(z[k])) / s - (k == yk ? 1.0 : 0.0));
  }
  return total;
}

// The loss of the model's logits or, with heads, the sum of each head's loss (as training
// has it); the gradient goes to dlogits or dhead_logits.
inline double shard_loss(ShardCache& c, const std::vector<float>& y, size_t O, bool heads,
                         bool grad) {
  if (!heads) {
    c.dlogits.resize(c.logits.size());
    return logits_loss(c.logits.data(), y, O, grad ? c.dlogits.data() : nullptr);
  }
  const size_t n = y.size() * O;
  c.dhead_logits.resize(2 * n);
  return logits_loss(c.head_logits.data(), y, O, grad ? c.dhead_logits.data() : nullptr) +
         logits_loss(c.head_logits.data() + n, y, O, grad ? c.dhead_logits.data() + n : nullptr);
}

}  // namespace sentiment::testing
