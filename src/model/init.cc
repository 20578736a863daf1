// Keras initialisers for a model's parameters.
#include <algorithm>
#include <cmath>

#include "model/model.h"

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

void uniform(std::span<float> w, double limit, Rng& rng) {
  for (auto& v : w) v = static_cast<float>(rng.uniform(-limit, limit));
}

}  // namespace

void Model::initialize(Rng& rng) {
  const ModelConfig& cfg = config_;
  const ModelParams<float> w = weights();
  uniform({w.embedding, embedding_size()}, 0.05, rng);
  for (size_t l = 0; l < cfg.layers.size(); ++l) {
    const RecurrentLayerConfig& layer = cfg.layers[l];
    const size_t H = layer.units, G = layer.gates();
    for (const RecurrentParams<float>& r : w.recurrent[l]) {
      glorot_uniform({r.kernel, cfg.layer_input_width(l) * G}, cfg.layer_input_width(l), G, rng);
      orthogonal({r.recurrent_kernel, H * G}, H, G, rng);
      std::fill_n(r.bias, kernels::rnn_bias_size(layer.cell, H), 0.0f);
      if (layer.cell == CellType::kLstm) std::fill_n(r.bias + H, H, 1.0f);  // forget gate
    }
  }
  const size_t F = cfg.features(), O = cfg.outputs();
  glorot_uniform({w.dense.kernel, F * O}, F, O, rng);
  std::fill_n(w.dense.bias, O, 0.0f);
  // Drawn last, so adding an n-gram head leaves every other initial weight unchanged.
  if (cfg.ngrams.enabled()) {
    const size_t D = cfg.ngrams.dim;
    uniform({w.ngram.table, cfg.ngrams.rows(cfg.vocab_size) * D}, 0.05, rng);
    glorot_uniform({w.ngram.output.kernel, D * O}, D, O, rng);
    std::fill_n(w.ngram.output.bias, O, 0.0f);
  }
}

}  // namespace sentiment
