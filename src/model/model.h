// The recipe's model: Embedding(V, E) -> LSTM(H), last state -> Dense(1) -> sigmoid.
// All parameters live in one flat float buffer with named views, embedding first, so the
// optimizer, gradient reduction and (later) saving are single loops over one array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/rng.h"

namespace sentiment {

struct ModelConfig {
  size_t vocab_size = 10000;  // V
  size_t embedding_dim = 64;  // E
  size_t units = 64;          // H
};

struct ParamView {
  std::string name;
  size_t offset = 0;
  std::vector<size_t> shape;
  size_t size() const;
};

// Parameter layout (Keras names and shapes):
//   embedding (V, E) | lstm.kernel (E, 4H) | lstm.recurrent_kernel (H, 4H) | lstm.bias (4H)
//   | dense.kernel (H, 1) | dense.bias (1)
class Model {
 public:
  explicit Model(const ModelConfig& config);

  // Keras initialisers: embedding U(-0.05, 0.05); LSTM kernel glorot-uniform; recurrent
  // kernel orthogonal; LSTM bias zero except the forget gate's 1; dense glorot-uniform, bias 0.
  void initialize(Rng& rng);

  const ModelConfig& config() const { return config_; }
  const std::vector<ParamView>& views() const { return views_; }
  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  // Parameters after the embedding table: the dense part every batch shard updates fully.
  size_t embedding_size() const { return config_.vocab_size * config_.embedding_dim; }

  const float* embedding() const { return params_.data(); }
  const float* lstm_kernel() const { return params_.data() + views_[1].offset; }
  const float* lstm_recurrent() const { return params_.data() + views_[2].offset; }
  const float* lstm_bias() const { return params_.data() + views_[3].offset; }
  const float* dense_kernel() const { return params_.data() + views_[4].offset; }
  const float* dense_bias() const { return params_.data() + views_[5].offset; }

 private:
  ModelConfig config_;
  std::vector<ParamView> views_;
  std::vector<float> params_;
};

// Per-shard activations and scratch for one forward/backward over B sequences of length T.
// Caller-owned, so one const Model can run on many threads at once.
struct ShardCache {
  size_t B = 0, T = 0;
  std::vector<float> x, h_seq, c_seq, gates, dgates, dx, scratch, logits, dlogits, dh;
  void resize(const ModelConfig& config, size_t batch, size_t steps, bool training);
};

// Forward over B sequences (tokens (B, T) row-major with row stride token_stride); writes
// B logits into cache.logits. Tokens must be < vocab_size (checked by the caller).
// With a projection table (see input_projection_table) the input projection of every step
// is gathered from it instead of computed: the same values up to float rounding, half the
// arithmetic of inference. Training passes none, since backward needs cache.x.
void model_forward(const Model& model, ShardCache& cache, const int32_t* tokens,
                   size_t token_stride, const float* projection = nullptr);

// embedding W + b for every word: (V, 4H), the LSTM's input projection of each word. The
// embedding feeds only this product, so inference can look it up per token.
std::vector<float> input_projection_table(const Model& model);

// Backward from cache.dlogits (B). Accumulates the gradients of everything after the
// embedding into grad_dense (size params().size() - embedding_size(), same layout) and
// leaves the embedding output gradient in cache.dx (T, B, E) for the caller to scatter.
void model_backward(const Model& model, ShardCache& cache, float* grad_dense);

}  // namespace sentiment
