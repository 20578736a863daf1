// Parameter layout, Keras initialisers, and the forward/backward pass of the layer stack
// over one batch shard.
#include "model/model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/cpu/gemm.h"
#include "kernels/dense.h"
#include "kernels/embedding.h"
#include "kernels/lstm.h"

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

}  // namespace

size_t ParamView::size() const {
  size_t s = 1;
  for (size_t d : shape) s *= d;
  return s;
}

Model::Model(const ModelConfig& config) : config_(config) {
  const size_t V = config.vocab_size, E = config.embedding_dim, H = config.units;
  if (V < 4 || E == 0 || H == 0)
    throw Error("model: vocab_size must be >= 4 and embedding_dim, units > 0");
  size_t offset = 0;
  auto add = [&](std::string name, std::vector<size_t> shape) {
    ParamView view{std::move(name), offset, std::move(shape)};
    offset += view.size();
    views_.push_back(std::move(view));
  };
  add("embedding", {V, E});
  add("lstm.kernel", {E, 4 * H});
  add("lstm.recurrent_kernel", {H, 4 * H});
  add("lstm.bias", {4 * H});
  add("dense.kernel", {H, 1});
  add("dense.bias", {1});
  params_.assign(offset, 0.0f);
}

void Model::initialize(Rng& rng) {
  const size_t E = config_.embedding_dim, H = config_.units;
  auto view = [&](size_t i) {
    return std::span<float>(params_).subspan(views_[i].offset, views_[i].size());
  };
  for (auto& v : view(0)) v = static_cast<float>(rng.uniform(-0.05, 0.05));
  glorot_uniform(view(1), E, 4 * H, rng);
  orthogonal(view(2), H, 4 * H, rng);
  auto bias = view(3);
  std::fill(bias.begin(), bias.end(), 0.0f);
  std::fill(bias.begin() + static_cast<ptrdiff_t>(H), bias.begin() + static_cast<ptrdiff_t>(2 * H),
            1.0f);
  glorot_uniform(view(4), H, 1, rng);
  view(5)[0] = 0.0f;
}

void ShardCache::resize(const ModelConfig& config, size_t batch, size_t steps, bool training) {
  const size_t E = config.embedding_dim, H = config.units;
  B = batch;
  T = steps;
  x.resize(T * B * E);
  h_seq.resize((T + 1) * B * H);
  c_seq.resize((T + 1) * B * H);
  gates.resize(T * B * 4 * H);
  logits.resize(B);
  scratch.resize(kernels::lstm_scratch_size(B, H));
  if (training) {
    dgates.resize(T * B * 4 * H);
    dx.resize(T * B * E);
    dlogits.resize(B);
    dh.resize(B * H);
  }
}

void model_forward(const Model& model, ShardCache& cache, const int32_t* tokens,
                   size_t token_stride, const float* projection) {
  const auto& cfg = model.config();
  const size_t B = cache.B, T = cache.T, E = cfg.embedding_dim, H = cfg.units;
  if (projection) {
    // The table is (V, 4H), so gathering its rows is the embedding lookup with 4H columns.
    kernels::embedding_forward(cache.gates.data(), tokens, token_stride, projection, {T, B, 4 * H});
    kernels::cpu::lstm_recurrence(cache.h_seq.data(), cache.c_seq.data(), cache.gates.data(),
                                  cache.scratch.data(), model.lstm_recurrent(), {T, B, E, H});
  } else {
    kernels::embedding_forward(cache.x.data(), tokens, token_stride, model.embedding(), {T, B, E});
    kernels::cpu::lstm_forward(cache.h_seq.data(), cache.c_seq.data(), cache.gates.data(),
                               cache.scratch.data(), cache.x.data(), model.lstm_kernel(),
                               model.lstm_recurrent(), model.lstm_bias(), {T, B, E, H});
  }
  kernels::dense_forward(cache.logits.data(), cache.h_seq.data() + T * B * H, model.dense_kernel(),
                         model.dense_bias(), B, H, 1);
}

std::vector<float> input_projection_table(const Model& model) {
  const auto& cfg = model.config();
  const size_t V = cfg.vocab_size, E = cfg.embedding_dim, G = 4 * cfg.units;
  std::vector<float> table(V * G);
  for (size_t v = 0; v < V; ++v)
    std::copy(model.lstm_bias(), model.lstm_bias() + G,
              table.begin() + static_cast<ptrdiff_t>(v * G));
  kernels::gemm<float>(kernels::Trans::kNo, kernels::Trans::kNo, V, G, E, 1.0f, model.embedding(),
                       E, model.lstm_kernel(), G, 1.0f, table.data(), G);
  return table;
}

void model_backward(const Model& model, ShardCache& cache, float* grad_dense) {
  const auto& cfg = model.config();
  const size_t B = cache.B, T = cache.T, E = cfg.embedding_dim, H = cfg.units;
  const size_t base = model.embedding_size();
  auto grad = [&](size_t view) { return grad_dense + model.views()[view].offset - base; };
  std::fill(cache.dh.begin(), cache.dh.end(), 0.0f);
  kernels::dense_backward(cache.dh.data(), grad(4), grad(5), cache.dlogits.data(),
                          cache.h_seq.data() + T * B * H, model.dense_kernel(), B, H, 1);
  std::fill(cache.dx.begin(), cache.dx.end(), 0.0f);
  kernels::cpu::lstm_backward(cache.dx.data(), grad(1), grad(2), grad(3), cache.dgates.data(),
                              cache.scratch.data(), cache.dh.data(), cache.x.data(),
                              model.lstm_kernel(), model.lstm_recurrent(), cache.h_seq.data(),
                              cache.c_seq.data(), cache.gates.data(), {T, B, E, H});
}

}  // namespace sentiment
