// The layer stack: Embedding(V, E, optional mask_zero) -> one or more recurrent layers
// (LSTM, GRU or SimpleRNN, each optionally bidirectional, with input and recurrent dropout)
// -> pooling over time (last state, max, mean, or max and mean) -> optional dropout ->
// Dense(1, sigmoid) for two classes or Dense(K, softmax) for K > 2.
// Optionally an n-gram head runs beside the recurrent stack: the mean of one embedding per
// word and per hashed n-gram of 2..order consecutive words, into its own Dense(O) (a
// fastText classifier). The model's logits are then the mean of the two heads' logits, and
// training gives each head its own loss, so the two learn as the members of an ensemble.
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

// The n-gram head. Its table has vocab_size rows for single words, then `buckets` rows that
// longer n-grams are hashed into (ngram_bucket). Padding (token 0) is never part of an n-gram,
// so the bag ignores where and how a text was padded.
struct NgramConfig {
  size_t order = 0;                  // 0: no n-gram head; 1: words; 2: words and bigrams; ...
  size_t buckets = size_t{1} << 20;  // hash buckets for n-grams of 2 or more words
  size_t dim = 16;                   // embedding width D
  bool binary = false;               // each distinct n-gram once per text, however often it occurs

  bool enabled() const { return order > 0; }
  size_t rows(size_t vocab_size) const {
    return order == 0 ? 0 : vocab_size + (order >= 2 ? buckets : 0);
  }
};

// The table row of the n-gram of `n` words ids[0..n): ids[0] itself for one word, otherwise
// vocab_size + (64-bit FNV-1a over the ids as 32-bit units, finalised by splitmix64) mod
// buckets. Fixed for all time: trained tables depend on it.
size_t ngram_bucket(const int32_t* ids, size_t n, size_t vocab_size, size_t buckets);

struct ModelConfig {
  size_t vocab_size = 10000;  // V
  size_t embedding_dim = 64;  // E
  std::vector<RecurrentLayerConfig> layers{RecurrentLayerConfig{}};
  bool mask_zero = false;  // token 0 is padding: masked steps keep the state
  Pooling pooling = Pooling::kLast;
  float dropout = 0.0f;    // on the pooled features, before the output layer
  size_t num_classes = 2;  // 2: one sigmoid output; more: one softmax output per class
  NgramConfig ngrams;      // off by default

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

// Parameter layout (Keras names and shapes): embedding (V, E); with an n-gram head
// `ngrams` (V + buckets, D), `ngrams.kernel` (D, O) and `ngrams.bias` (O); per recurrent
// layer and
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
  size_t embedding_size() const { return config_.vocab_size * config_.embedding_dim; }
  // The embedding and n-gram tables, which a batch touches only row by row; the parameters
  // after them are the dense part every batch shard updates fully.
  size_t sparse_size() const {
    return embedding_size() + config_.ngrams.rows(config_.vocab_size) * config_.ngrams.dim;
  }

  const float* embedding() const { return params_.data(); }
  // View index of the kernel of layer l, direction dir (0 forward, 1 backward); the
  // recurrent kernel and bias follow it.
  size_t rnn_view(size_t layer, size_t dir) const { return rnn_views_[layer][dir]; }
  size_t dense_view() const { return views_.size() - 2; }
  // View index of the n-gram table (only with an n-gram head); its kernel and bias follow.
  size_t ngram_view() const { return 1; }
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
  std::vector<float> gates;   // (N, cache width); LSTM: overwritten by dgates in backward
  std::vector<float> rmask;   // (B, H) recurrent dropout mask, or empty
  std::vector<float> dh;      // (N, H) gradient of every output, direction order
  std::vector<float> dx;      // (N, E_l)
  std::vector<float> dgates;  // (N, G H) GRU and SimpleRNN (the LSTM's are in gates)
  std::vector<float> xproj;   // (N, G H) inference: the gathered input projection (GRU)
  std::vector<float> dc;      // (N, H) LSTM: gradient reaching c_t from outside (shared padding)
  std::vector<float> dh0;     // (B, H) gradient of the initial state h_{-1} (shared padding)
  std::vector<float> dc0;     // (B, H) likewise c_{-1}
  // Projection per distinct token (ShardCache::by_token): (U, G H) and its gradient.
  std::vector<float> token_proj, dtoken_proj;
};

// Per-shard activations and scratch for one forward/backward over B rows of T tokens.
// Caller-owned, so one const Model can run on many threads at once.
struct ShardCache {
  size_t B = 0, T = 0;
  bool training = false;
  uint64_t dropout_seed = 0;  // training: the seed of this shard's dropout masks

  // Packing: sorted position j -> row, its length, and the packed steps.
  std::vector<size_t> order, lengths, batch_sizes, offsets, row_len;
  size_t active = 0;  // rows with at least one step
  size_t steps = 0;   // the longest length
  size_t packed_rows = 0;
  bool ragged = false;           // lengths differ (batch_sizes used)
  std::vector<int32_t> tokens;   // (N) packed tokens
  std::vector<uint32_t> mirror;  // (N) packed index of the same row's mirrored step
  // The n-gram head: sorted row j's table rows are ngram_ids[ngram_offsets[j] ..
  // ngram_offsets[j + 1]); bag (B, D) their mean, dbag its gradient, ngram_logits (B, O)
  // the head's logits and dngram_logits their gradient, all in sorted order.
  std::vector<uint32_t> ngram_ids;
  std::vector<size_t> ngram_offsets;
  std::vector<float> bag, dbag, ngram_logits, dngram_logits;

  std::vector<std::vector<DirectionCache>> layers;       // [layer][direction]
  std::vector<std::vector<float>> outputs;               // [layer] (N, layer width)
  std::vector<std::vector<float>> input_masks;           // [layer] (B, E_l) input dropout, or empty
  std::vector<float> embedded;                           // (N, E) embedding rows
  std::vector<float> dembedded;                          // (N, E) their gradient
  std::vector<float> features, feature_mask, dfeatures;  // (B, F) in sorted order
  std::vector<uint32_t> argmax;                          // (B, F) max pooling's packed rows
  std::vector<float> sorted_logits, dsorted_logits;      // (B, O) sorted order
  std::vector<float> logits, dlogits;                    // (B, O) the caller's row order
  // With an n-gram head, (2, B, O) in the caller's row order: the recurrent head's logits,
  // then the n-gram head's (logits is their mean). Training sets dhead_logits to each
  // head's own loss gradient; when it is empty, backward derives both from dlogits.
  std::vector<float> head_logits, dhead_logits;
  std::vector<float> dy, dy_below, scratch;  // dy_below: the layer below's dy, in backward

  // Shared padding. A row's leading padding tokens are the same input at every step from the
  // same zero state, so every row with p of them reaches the same state after p steps: one
  // run of P steps (P the most leading padding in the shard) gives all of them, and each row
  // runs only its own tokens from that state. Exact, so model_forward uses it wherever it
  // applies (share_padding_applies); tests clear share_padding to get the step-by-step
  // reference path.
  // Distinct tokens. The first layer's input projection x W + b depends only on the token,
  // so training (and inference without projection tables) computes it once per distinct
  // token of the shard and gathers it, and the gradients x^T dz (for W) and dz W^T (for the
  // embedding) come from dz summed per distinct token: U rows instead of N. For a first
  // layer of LSTM cells without input dropout. Tests clear project_per_token to get the
  // row-by-row reference path.
  bool project_per_token = true;
  bool by_token = false;               // this forward projected per distinct token
  std::vector<int32_t> unique_tokens;  // (U) in order of first appearance
  std::vector<uint32_t> token_slot;    // (N) packed row -> its token's index in unique_tokens
  std::vector<int32_t> slot_of;        // (V) token -> index, -1 between uses
  std::vector<float> unique_x;         // (U, E) their embedding rows
  std::vector<float> dunique_x;        // (U, E) their gradient
  std::vector<uint32_t> xindex;        // (N) each packed row's projection row, by direction
  std::vector<uint32_t> zero_index;    // (P) the padding token's, for the padding run

  bool share_padding = true;
  bool shared = false;                 // this forward shared the padding
  size_t prefix_steps = 0;             // P
  std::vector<DirectionCache> prefix;  // [layer] the padding run: one row of P steps
  std::vector<float> dpadding;         // (E) gradient of the padding token's embedding row
  // Inference only: keep the padding run between forwards and reuse it while it is long
  // enough. For callers whose model cannot change while the cache lives (predict_logits).
  bool keep_padding_run = false;
  const void* padding_key = nullptr;  // the weights (or projection table) the run comes from
  size_t padding_run_steps = 0;
};

// Whether model_forward shares the leading padding of the rows (ShardCache::share_padding):
// unidirectional LSTM layers read through the last step, padding not masked (with mask_zero
// padding costs nothing anyway), and no dropout on the layers' inputs or states (masks
// differ per row).
bool share_padding_applies(const ModelConfig& config, bool training);

// Tables of the first recurrent layer's input projection for every word, one per direction:
// (V, G H) = embedding W + input bias. The embedding feeds only this product, so inference
// can look it up per token (half the arithmetic).
using ProjectionTables = std::vector<std::vector<float>>;
ProjectionTables input_projection_tables(const Model& model);
// Their size in floats, all directions together: vocabulary x gates x units x directions.
size_t projection_table_floats(const ModelConfig& config);

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
