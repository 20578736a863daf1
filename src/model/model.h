// The layer stack: Embedding(V, E, optional mask_zero) -> one or more recurrent layers
// (LSTM, GRU or SimpleRNN, each optionally bidirectional, with input and recurrent dropout)
// -> pooling over time (last state, max, mean, or max and mean) -> optional dropout ->
// Dense(1, sigmoid) for two classes or Dense(K, softmax) for K > 2.
// All parameters live in one flat float buffer with named views, embedding first, so the
// optimizer, gradient reduction and saving are single loops over one array.
//
// A shard of rows runs packed (kernels/rnn.h): rows sorted by length, longest first, with
// only their valid steps, so with mask_zero padded steps cost nothing and leave the state
// unchanged; without it every row has all T steps and the layout is plain time-major.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "kernels/rnn.h"

namespace sentiment {

using kernels::CellType;

// Persisted in model files: explicit values, never renumber.
enum class Pooling : uint8_t { kLast = 0, kMax = 1, kMean = 2, kMaxMean = 3 };

struct RecurrentLayerConfig {
  CellType cell = CellType::kLstm;
  size_t units = 64;               // H
  bool bidirectional = false;      // forward and backward outputs concatenated (2H)
  float dropout = 0.0f;            // on this layer's inputs, one mask per sequence
  float recurrent_dropout = 0.0f;  // on h_{t-1} where it meets U, one mask per sequence
};

struct ModelConfig {
  size_t vocab_size = 10000;  // V
  size_t embedding_dim = 64;  // E
  std::vector<RecurrentLayerConfig> layers{RecurrentLayerConfig{}};
  bool mask_zero = false;  // token 0 is padding: masked steps keep the state
  Pooling pooling = Pooling::kLast;
  float dropout = 0.0f;    // on the pooled features, before the output layer
  size_t num_classes = 2;  // 2: one sigmoid output; more: one softmax output per class

  size_t outputs() const { return num_classes == 2 ? 1 : num_classes; }
  // Width of a layer's output sequence (H, or 2H when bidirectional).
  size_t layer_width(size_t layer) const;
  // Width of the pooled feature vector that feeds the output layer.
  size_t features() const;
};

// The recipe's shape: Embedding(V, E) -> LSTM(H) -> Dense(1, sigmoid).
ModelConfig lstm_config(size_t vocab_size, size_t embedding_dim, size_t units);

// Throws Error naming the first bad value.
void validate_model_config(const ModelConfig& config);

const char* to_string(CellType cell);
CellType parse_cell(std::string_view name);  // "lstm", "gru", "simple_rnn"
const char* to_string(Pooling pooling);
Pooling parse_pooling(std::string_view name);  // "last", "max", "mean", "max_mean"

struct ParamView {
  std::string name;
  size_t offset = 0;
  std::vector<size_t> shape;
  size_t size() const;
};

// Parameter layout (Keras names and shapes): embedding (V, E); per recurrent layer and
// direction `kernel` (E_l, G H), `recurrent_kernel` (H, G H), `bias` (see rnn_bias_size);
// dense.kernel (F, O), dense.bias (O). The recipe's layer is named "lstm"; further layers
// add "_1", "_2", ...; a bidirectional layer's directions are "<name>.forward" and
// "<name>.backward".
class Model {
 public:
  explicit Model(const ModelConfig& config);

  // Keras initialisers: embedding U(-0.05, 0.05); recurrent kernels glorot-uniform;
  // recurrent_kernels orthogonal; biases zero except the LSTM forget gate's 1; dense
  // glorot-uniform with zero bias.
  void initialize(Rng& rng);

  const ModelConfig& config() const { return config_; }
  const std::vector<ParamView>& views() const { return views_; }
  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  // Parameters after the embedding table: the dense part every batch shard updates fully.
  size_t embedding_size() const { return config_.vocab_size * config_.embedding_dim; }

  const float* embedding() const { return params_.data(); }
  // View index of the kernel of layer l, direction dir (0 forward, 1 backward); the
  // recurrent kernel and bias follow it.
  size_t rnn_view(size_t layer, size_t dir) const { return rnn_views_[layer][dir]; }
  size_t dense_view() const { return views_.size() - 2; }
  const float* param(size_t view) const { return params_.data() + views_[view].offset; }

 private:
  ModelConfig config_;
  std::vector<ParamView> views_;
  std::vector<std::vector<size_t>> rnn_views_;
  std::vector<float> params_;
};

// One recurrent layer direction's activations for one shard.
struct DirectionCache {
  std::vector<float> x;       // (N, E_l) the input as the kernel saw it (direction order)
  std::vector<float> h_seq;   // (B + N, H)
  std::vector<float> c_seq;   // (B + N, H), LSTM only
  std::vector<float> gates;   // (N, cache width)
  std::vector<float> rmask;   // (B, H) recurrent dropout mask, or empty
  std::vector<float> dh;      // (N, H) gradient of every output, direction order
  std::vector<float> dx;      // (N, E_l)
  std::vector<float> dgates;  // (N, G H)
  std::vector<float> xproj;   // (N, G H) inference: the gathered input projection (GRU)
};

// Per-shard activations and scratch for one forward/backward over B rows of T tokens.
// Caller-owned, so one const Model can run on many threads at once.
struct ShardCache {
  size_t B = 0, T = 0;
  bool training = false;
  uint64_t dropout_seed = 0;  // training: the seed of this shard's dropout masks

  // Packing: sorted position j -> row, its length, and the packed steps.
  std::vector<size_t> order, lengths, batch_sizes, offsets;
  size_t active = 0;  // rows with at least one step
  size_t steps = 0;   // the longest length
  size_t packed_rows = 0;
  bool ragged = false;           // lengths differ (batch_sizes used)
  std::vector<int32_t> tokens;   // (N) packed tokens
  std::vector<uint32_t> mirror;  // (N) packed index of the same row's mirrored step

  std::vector<std::vector<DirectionCache>> layers;       // [layer][direction]
  std::vector<std::vector<float>> outputs;               // [layer] (N, layer width)
  std::vector<std::vector<float>> input_masks;           // [layer] (B, E_l) input dropout, or empty
  std::vector<float> embedded;                           // (N, E) embedding rows
  std::vector<float> dembedded;                          // (N, E) their gradient
  std::vector<float> features, feature_mask, dfeatures;  // (B, F) in sorted order
  std::vector<uint32_t> argmax;                          // (B, F) max pooling's packed rows
  std::vector<float> sorted_logits, dsorted_logits;      // (B, O) sorted order
  std::vector<float> logits, dlogits;                    // (B, O) the caller's row order
  std::vector<float> dy, scratch;
};

// Tables of the first recurrent layer's input projection for every word, one per direction:
// (V, G H) = embedding W + input bias. The embedding feeds only this product, so inference
// can look it up per token (half the arithmetic).
using ProjectionTables = std::vector<std::vector<float>>;
ProjectionTables input_projection_tables(const Model& model);

// Forward over B rows of T tokens (row-major (B, T), row stride token_stride); writes
// (B, outputs) logits into cache.logits in the given row order. cache.training enables
// dropout (masks drawn from cache.dropout_seed) and keeps what backward needs.
// Tokens must be < vocab_size (checked by the caller). With projection tables (inference
// only) the first layer's input projection is gathered instead of computed.
void model_forward(const Model& model, ShardCache& cache, const int32_t* tokens, size_t B, size_t T,
                   size_t token_stride, const ProjectionTables* projection = nullptr);

// Backward from cache.dlogits (B, outputs) in the caller's row order. Accumulates the
// gradients of everything after the embedding into grad_dense (size params().size() -
// embedding_size(), same layout) and leaves the embedding rows' gradient in
// cache.dembedded for model_embedding_backward.
void model_backward(const Model& model, ShardCache& cache, float* grad_dense);

// Scatter-adds the shard's embedding gradient into grad_embedding (V, E). Separate from
// model_backward so shards can be reduced into one table in a fixed order.
void model_embedding_backward(const Model& model, const ShardCache& cache, float* grad_embedding);

}  // namespace sentiment
