// The model: its parameters in one flat float buffer with named views (embedding first, so
// the optimizer, gradient reduction and saving are single loops over one array), and the
// forward and backward pass of the layer stack (model/config.h) over one batch shard.
//
// A shard's rows run packed (layers/packed_batch.h): sorted by length, longest first, with
// only their valid steps, so with mask_zero padded steps cost nothing and leave the state
// unchanged; without it every row has all T steps and the layout is plain time-major.
// Training gives an n-gram head its own loss, so the two heads learn as an ensemble.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/rng.h"
#include "kernels/int8.h"
#include "layers/dense.h"
#include "layers/embedding.h"
#include "layers/ngram.h"
#include "layers/packed_batch.h"
#include "layers/recurrent.h"
#include "model/config.h"

namespace sentiment {

struct QuantizedWeights;  // model/quantized.h

struct ParamView {
  std::string name;
  size_t offset = 0;
  std::vector<size_t> shape;
  size_t size() const;
};

// Every parameter tensor of a model by name, as pointers into one flat buffer.
template <typename F>
struct ModelParams {
  F* embedding;                                            // (V, E)
  NgramParams<F> ngram;                                    // all null without an n-gram head
  std::vector<std::vector<RecurrentParams<F>>> recurrent;  // [layer][direction]
  DenseParams<F> dense;                                    // (features, O), (O)
};

// Parameter layout (Keras names and shapes): embedding (V, E); with an n-gram head
// `ngrams` (V + buckets, D), `ngrams.kernel` (D, O) and `ngrams.bias` (O); per recurrent
// layer and direction `kernel` (E_l, G H), `recurrent_kernel` (H, G H), `bias` (see
// rnn_bias_size); dense.kernel (F, O), dense.bias (O). The recipe's layer is named "lstm";
// further layers add "_1", "_2", ...; a bidirectional layer's directions are
// "<name>.forward" and "<name>.backward".
class Model {
 public:
  explicit Model(const ModelConfig& config);

  // params().size() of Model(config), without allocating it (for readers that must check a
  // file's weight count before trusting its configuration). Validates config.
  static size_t parameter_count(const ModelConfig& config);
  // views() of Model(config), without allocating its parameters. Validates config.
  static std::vector<ParamView> views_of(const ModelConfig& config);

  // Keras initialisers: embedding U(-0.05, 0.05); recurrent kernels glorot-uniform;
  // recurrent_kernels orthogonal; biases zero except the LSTM forget gate's 1; dense
  // glorot-uniform with zero bias.
  void initialize(Rng& rng);

  const ModelConfig& config() const { return config_; }
  const std::vector<ParamView>& views() const { return views_; }
  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  size_t embedding_size() const { return config_.vocab_size * config_.embedding_dim; }
  // The embedding and n-gram tables, which a batch touches only row by row; the parameters
  // after them are the dense part every batch shard updates fully.
  size_t sparse_size() const {
    return embedding_size() + config_.ngrams.rows(config_.vocab_size) * config_.ngrams.dim;
  }

  // The weights by name.
  ModelParams<const float> weights() const;
  ModelParams<float> weights();
  // The same names over a gradient buffer of the dense part (params().size() - sparse_size()
  // floats, the layout after the tables); the embedding and n-gram table are null.
  ModelParams<float> dense_gradients(float* grad_dense) const;
  // The name of the first tensor holding a NaN or an infinity, or "" when every weight is
  // finite (a diverged run's weights; refused by training and by the model loader).
  std::string non_finite_tensor() const;
  // Offset of the n-gram table in the flat buffer (only with an n-gram head).
  size_t ngram_table_offset() const { return embedding_size(); }

  // A quantized model's int8 weights (model/quantized.h), or null for a float model.
  const QuantizedWeights* quantized() const { return quantized_.get(); }
  // Attaches int8 weights (one per quantized_views(views()), checked) and sets the float
  // parameters they cover to their dequantized values. Inference then runs the recurrent
  // step products in int8; training ignores them (and must not start from such a model).
  void set_quantized(QuantizedWeights weights);
  // Layer l's int8 recurrent_kernel for direction dir, or null for a float model and where
  // the int8 step products are off.
  const kernels::Int8Matrix* int8_recurrent_kernel(size_t l, size_t dir) const {
    if (!quantized_) return nullptr;
    const bool on =
        int8_mode_ == Int8Steps::kDefault ? int8_default_[l] : int8_mode_ == Int8Steps::kOn;
    return on ? &int8_recurrent_[l][dir] : nullptr;
  }
  // A quantized model runs a layer's recurrent step products in int8 where that is faster
  // (kernels::cpu::int8_steps_pay, the default), else in float on the same dequantized
  // weights; benchmarks and tests can switch every layer on or off.
  void set_int8_steps(bool on) { int8_mode_ = on ? Int8Steps::kOn : Int8Steps::kOff; }
  // Whether any layer runs int8 step products.
  bool int8_steps() const {
    for (size_t l = 0; l < int8_recurrent_.size(); ++l)
      if (int8_recurrent_kernel(l, 0)) return true;
    return false;
  }

 private:
  // View indices of each named tensor.
  struct Names {
    size_t ngram_table = 0;                      // then its kernel and bias
    std::vector<std::vector<size_t>> recurrent;  // [layer][direction]: kernel, recurrent, bias
    size_t dense = 0;                            // kernel, then bias
  };
  template <typename F>
  ModelParams<F> named(F* base, size_t first) const;
  // Fills views and names for config (validated first); returns the parameter count.
  static size_t layout(const ModelConfig& config, std::vector<ParamView>& views, Names& names);

  ModelConfig config_;
  std::vector<ParamView> views_;
  Names names_;
  std::vector<float> params_;
  // Shared between copies: the int8 tensors never change once attached.
  std::shared_ptr<const QuantizedWeights> quantized_;
  std::vector<std::vector<kernels::Int8Matrix>> int8_recurrent_;  // [layer][direction]
  enum class Int8Steps : uint8_t { kDefault, kOn, kOff };
  Int8Steps int8_mode_ = Int8Steps::kDefault;
  std::vector<bool> int8_default_;  // [layer]: kernels::cpu::int8_steps_pay
};

// Which exact fast paths model_forward may take; tests switch them off to compare with the
// reference paths.
struct ForwardPaths {
  bool share_padding = true;      // one run over the rows' leading padding (padding_run.h)
  bool project_per_token = true;  // first LSTM layer: project each distinct token once
  // Inference only: keep the padding run between forwards and reuse it while it is long
  // enough. For callers whose model cannot change while the cache lives (predict_logits).
  bool keep_padding_run = false;
};

// The paths one forward took, decided once per shard.
struct ForwardPlan {
  bool shared = false;       // rows start from the padding run's state
  bool run_padding = false;  // this forward computes the padding run (else it is kept)
  size_t prefix_steps = 0;   // P: the most leading padding of the shard's rows
  size_t padding_steps = 0;  // steps the run computes (P, or T when kept)
  bool by_token = false;     // the first layer projects per distinct token
  bool use_table = false;    // the first layer reads the per-word projection tables
};

// One recurrent layer's activations over a shard.
struct LayerCache {
  std::vector<DirectionCache<float>> directions;
  std::vector<float> output;          // (N, W); empty for a one-direction last layer (pooling
                                      // reads its h_seq in place)
  std::vector<float> input_mask;      // (A, E_l) input dropout, or empty
  DirectionCache<float> padding_run;  // the shared padding: one row of P steps
};

// Per-shard activations and scratch for one forward/backward over B rows of T tokens.
// Caller-owned, so one const Model can run on many threads at once.
struct ShardCache {
  bool training = false;
  uint64_t dropout_seed = 0;  // training: the seed of this shard's dropout masks
  ForwardPaths paths;
  ForwardPlan plan;

  PackedBatch batch;
  DistinctTokens distinct;                 // by_token: the shard's distinct tokens
  std::vector<float> unique_x, dunique_x;  // (U, E) their embedding rows and gradient
  std::vector<float> embedded, dembedded;  // (N, E) the rows' embedding and gradient
  std::vector<uint32_t> xindex;            // (N) each packed row's projection row
  std::vector<uint32_t> zero_index;        // (P) the padding token's
  std::vector<float> dpadding;             // (E) the padding token row's gradient
  const void* padding_key = nullptr;       // what a kept padding run was computed from
  size_t padding_run_steps = 0;
  std::vector<LayerCache> layers;
  std::vector<float> features, feature_mask, dfeatures;  // (B, F) in sorted order
  std::vector<uint32_t> argmax;                          // (B, W) max pooling's packed rows
  std::vector<float> sorted_logits, dsorted_logits;      // (B, O) sorted order
  // The n-gram head, sorted order: each row's table rows, bag (B, D), logits (B, O).
  NgramRows ngram;
  std::vector<float> bag, dbag, ngram_logits, dngram_logits;
  std::vector<float> logits, dlogits;  // (B, O) the caller's row order
  // With an n-gram head, (2, B, O) in the caller's row order: the recurrent head's logits,
  // then the n-gram head's (logits is their mean). Training sets dhead_logits to each
  // head's own loss gradient; when it is empty, backward derives both from dlogits.
  std::vector<float> head_logits, dhead_logits;
  std::vector<float> dy, dy_below, scratch;  // dy_below: the layer below's dy, in backward
  std::vector<int16_t> qscratch;             // quantized models: a step's int8 h_{t-1} rows
};

// Tables of the first recurrent layer's input projection for every word, one per direction:
// (V, G H) = embedding W + input bias. The embedding feeds only this product, so inference
// can look it up per token (half the arithmetic).
using ProjectionTables = std::vector<std::vector<float>>;
ProjectionTables input_projection_tables(const Model& model);
// Their size in floats, all directions together: vocabulary x gates x units x directions.
size_t projection_table_floats(const ModelConfig& config);
// The largest tables evaluation and prediction build (floats, 256 MiB); larger models run
// the input projection step by step.
inline constexpr size_t kMaxProjectionFloats = size_t{1} << 26;

// Forward over B rows of T tokens (row-major (B, T), row stride token_stride); writes
// (B, outputs) logits into cache.logits in the given row order. cache.training enables
// dropout (masks drawn from cache.dropout_seed) and keeps what backward needs.
// Tokens must be < vocab_size (checked by the caller). With projection tables (inference
// only) the first layer's input projection is gathered instead of computed.
void model_forward(const Model& model, ShardCache& cache, const int32_t* tokens, size_t B, size_t T,
                   size_t token_stride, const ProjectionTables* projection = nullptr);

// Backward from cache.dlogits (B, outputs) in the caller's row order, or from
// cache.dhead_logits when the model has an n-gram head and it is set. Accumulates the
// gradients of everything after the embedding and n-gram tables into grad_dense (size
// params().size() - sparse_size(), same layout) and leaves the gradients of the table rows
// the shard used in the cache for model_embedding_backward.
void model_backward(const Model& model, ShardCache& cache, float* grad_dense);

// Scatter-adds the shard's embedding and n-gram table gradients into grad_sparse (the first
// sparse_size() parameters' gradient). Separate from model_backward so shards can be
// reduced into one table in a fixed order.
void model_embedding_backward(const Model& model, const ShardCache& cache, float* grad_sparse);

}  // namespace sentiment
