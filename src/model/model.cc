// The layer stack over one packed batch shard: tokens -> embedding -> recurrent layers ->
// pooling -> dropout -> dense -> logits (averaged with the n-gram head's when there is one),
// and backward mirroring it in reverse. Each step is one layer's call (src/layers); this
// file decides which exact fast path a shard takes and wires the layers' caches together.
#include "model/model.h"

#include <algorithm>

#include "layers/dropout.h"
#include "layers/padding_run.h"
#include "layers/pooling.h"

namespace sentiment {
namespace {

// Decides the shard's paths (ForwardPlan) and packs its rows.
void plan_forward(const Model& model, ShardCache& c, const int32_t* tokens, size_t B, size_t T,
                  size_t stride, const ProjectionTables* projection) {
  const ModelConfig& cfg = model.config();
  ForwardPlan& p = c.plan;
  p.shared = c.paths.share_padding && B > 0 && share_padding_applies(cfg, c.training);
  const StepsOf steps = cfg.mask_zero ? StepsOf::kNonPadding
                        : p.shared    ? StepsOf::kAfterPadding
                                      : StepsOf::kAll;
  pack_batch(c.batch, tokens, B, T, stride, steps, cfg.any_bidirectional());
  p.prefix_steps = p.shared ? T - c.batch.lengths[B - 1] : 0;
  if (p.prefix_steps == 0) p.shared = false;  // no row starts with padding
  p.use_table = projection && !projection->empty() && !c.training;
  // A cache that may keep its padding run reuses it while it is long enough and comes from
  // the same weights (and the same projection: the table's rounding differs); a kept run
  // has all T steps, so that it serves every later shard of the same length.
  const bool keep = c.paths.keep_padding_run && !c.training;
  const void* key = p.use_table ? static_cast<const void*>(projection->front().data()) : &model;
  p.run_padding = p.shared;
  if (!keep) {
    c.padding_key = nullptr;
  } else if (p.shared) {
    p.run_padding = c.padding_key != key || c.padding_run_steps < p.prefix_steps;
    if (p.run_padding) c.padding_key = key, c.padding_run_steps = T;
  }
  p.padding_steps = keep ? T : p.prefix_steps;
  p.by_token = c.paths.project_per_token && !p.use_table && c.batch.active > 0 &&
               cfg.layers[0].cell == CellType::kLstm &&
               !(c.training && cfg.layers[0].dropout > 0.0f);
}

// The first layer's inputs: per distinct token (by_token), per packed row, or none (the
// projection tables replace them).
void embed(const ModelConfig& cfg, const float* table, ShardCache& c) {
  const size_t E = cfg.embedding_dim, N = c.batch.packed_rows;
  if (c.plan.by_token) {
    find_distinct_tokens(c.distinct, c.batch.tokens.data(), N, cfg.vocab_size);
    c.unique_x.resize(c.distinct.tokens.size() * E);
    embedding_forward(c.unique_x.data(), c.distinct.tokens.data(), table, c.distinct.tokens.size(),
                      E);
    c.embedded.clear();
  } else if (!c.plan.use_table) {
    c.embedded.resize(N * E);
    embedding_forward(c.embedded.data(), c.batch.tokens.data(), table, N, E);
  }
}

// One direction of the first layer on projections read by index (per distinct token, or
// the tables) or, for GRU and SimpleRNN, gathered from the tables.
// U8: the direction's int8 recurrent weights (quantized models at inference), or null.
void forward_first_layer(ShardCache& c, DirectionCache<float>& dc, size_t dir, CellType cell,
                         RecurrentParams<const float> w, const kernels::RnnDims& dims, size_t G,
                         const ProjectionTables* projection, const kernels::Int8Matrix* U8) {
  const PackedBatch& b = c.batch;
  const size_t N = b.packed_rows;
  if (cell == CellType::kLstm) {
    const float* xbase = nullptr;
    if (c.plan.use_table) {
      xbase = (*projection)[dir].data();
    } else {
      recurrent_project_tokens(dc, c.unique_x.data(), w, c.distinct.tokens.size(), dims.E, G);
      xbase = dc.token_proj.data();
    }
    c.xindex.resize(N);
    for (size_t p = 0; p < N; ++p) {
      const size_t src = b.in_direction(p, dir);
      c.xindex[p] = c.plan.use_table ? static_cast<uint32_t>(b.tokens[src]) : c.distinct.slot[src];
    }
    dc.x.clear();
    if (U8)
      recurrent_forward_int8(dc, c.scratch, c.qscratch, cell, w, *U8, xbase, c.xindex.data(), dims,
                             c.plan.shared);
    else
      lstm_forward_indexed(dc, c.scratch.data(), xbase, c.xindex.data(), w.recurrent_kernel, dims,
                           c.plan.shared, c.training);
    return;
  }
  // SimpleRNN projects in place in its gate cache.
  std::vector<float>& xp = cell == CellType::kGru ? dc.xproj : dc.gates;
  xp.resize(std::max(xp.size(), N * G));
  const float* table = (*projection)[dir].data();
  for (size_t p = 0; p < N; ++p)
    std::copy_n(table + static_cast<size_t>(b.tokens[b.in_direction(p, dir)]) * G, G,
                xp.data() + p * G);
  if (U8)
    recurrent_forward_int8(dc, c.scratch, c.qscratch, cell, w, *U8, xp.data(), nullptr, dims,
                           false);
  else
    recurrent_forward_projected(dc, c.scratch.data(), cell, xp.data(), w, dims);
}

// Recurrent layer l's sizes over the shard: H units, D directions, E inputs, W = D H outputs
// per packed row, N packed rows, A rows with steps.
struct LayerShape {
  const RecurrentLayerConfig& layer;
  size_t H, D, E, W, N, A;
  kernels::RnnDims dims;

  LayerShape(const ModelConfig& cfg, const PackedBatch& b, size_t l)
      : layer(cfg.layers[l]),
        H(layer.units),
        D(layer.directions()),
        E(cfg.layer_input_width(l)),
        W(D * H),
        N(b.packed_rows),
        A(b.active),
        dims(b.dims(E, H)) {}
};

void forward_layer(const Model& model, const ModelParams<const float>& w, ShardCache& c, size_t l,
                   Rng& rng, const ProjectionTables* projection) {
  const ModelConfig& cfg = model.config();
  const PackedBatch& b = c.batch;
  const LayerShape s(cfg, b, l);
  const RecurrentLayerConfig& layer = s.layer;
  const size_t H = s.H, D = s.D, E = s.E, N = s.N, A = s.A, W = s.W;
  const kernels::RnnDims& dims = s.dims;
  LayerCache& lc = c.layers[l];
  if (c.training && layer.dropout > 0.0f)
    dropout_mask(lc.input_mask, A * E, layer.dropout, rng);
  else
    lc.input_mask.clear();
  lc.directions.resize(D);
  // The last layer's outputs feed only the pooling, which reads a one-direction layer's
  // h_seq in place: the same rows in the same order.
  const bool gather = D > 1 || l + 1 < cfg.layers.size();
  lc.output.resize(gather ? N * W : 0);
  if (c.plan.run_padding) {  // the padding token's embedding row, or the run below
    const bool first = l == 0;
    padding_run_forward(lc.padding_run, c.scratch, c.zero_index,
                        first ? w.embedding : c.layers[l - 1].padding_run.h_seq.data() + E,
                        first ? 0 : E,
                        first && c.plan.use_table ? (*projection)[0].data() : nullptr,
                        w.recurrent[l][0], c.plan.padding_steps, E, H);
  }
  if (A == 0) return;
  for (size_t dir = 0; dir < D; ++dir) {
    DirectionCache<float>& dc = lc.directions[dir];
    dc.resize(layer.cell, dims, N);
    if (c.plan.shared) padding_run_start_rows(dc, lc.padding_run, b, H);
    c.scratch.resize(std::max(c.scratch.size(), recurrent_scratch_size(layer.cell, dims)));
    if (c.training && layer.recurrent_dropout > 0.0f)
      dropout_mask(dc.rmask, A * H, layer.recurrent_dropout, rng);
    else
      dc.rmask.clear();
    const kernels::Int8Matrix* U8 = c.training ? nullptr : model.int8_recurrent_kernel(l, dir);
    if (l == 0 && (c.plan.by_token || c.plan.use_table)) {
      forward_first_layer(c, dc, dir, layer.cell, w.recurrent[l][dir], dims, layer.gates(),
                          projection, U8);
    } else {
      const float* in = l == 0 ? c.embedded.data() : c.layers[l - 1].output.data();
      recurrent_gather_input(dc, in, lc.input_mask, b, dir, E);
      if (U8)
        recurrent_forward_int8(dc, c.scratch, c.qscratch, layer.cell, w.recurrent[l][dir], *U8,
                               nullptr, nullptr, dims, c.plan.shared);
      else
        recurrent_forward(dc, c.scratch.data(), layer.cell, w.recurrent[l][dir], dims,
                          c.plan.shared);
    }
    if (gather) recurrent_scatter_output(lc.output.data(), dc, b, dir, H, W);
  }
}

// The pooled features of the last layer, (B, F) in sorted order.
void pool(const ModelConfig& cfg, ShardCache& c) {
  const PackedBatch& b = c.batch;
  const LayerCache& last = c.layers.back();
  const size_t H = cfg.layers.back().units, F = cfg.features();
  if (b.active > 0)
    pooling_forward(
        c.features, c.argmax,
        last.output.empty() ? last.directions[0].h_seq.data() + b.active * H : last.output.data(),
        b, cfg.pooling, cfg.layer_width(cfg.layers.size() - 1), H, cfg.layers.back().bidirectional);
  else
    c.features.assign(b.B * F, 0.0f);
  if (c.plan.shared)  // rows of padding only end where the padding run ends
    for (size_t j = b.active; j < b.B; ++j)
      std::copy_n(last.padding_run.h_seq.data() + c.plan.prefix_steps * F, F,
                  c.features.data() + j * F);
}

// The model's logits in the caller's row order: the recurrent head's, or the mean of both
// heads' (each kept in head_logits for its own loss).
void combine_heads(const Model& model, const ModelParams<const float>& w, ShardCache& c) {
  const ModelConfig& cfg = model.config();
  const size_t B = c.batch.B, O = cfg.outputs();
  const std::vector<size_t>& order = c.batch.order;
  c.logits.resize(B * O);
  if (!cfg.ngrams.enabled()) {
    c.head_logits.clear();
    for (size_t j = 0; j < B; ++j)
      std::copy_n(c.sorted_logits.data() + j * O, O, c.logits.data() + order[j] * O);
    return;
  }
  c.ngram_logits.resize(B * O);
  ngram_forward(c.bag, c.ngram_logits.data(), c.ngram, w.ngram, B, cfg.ngrams.dim, O);
  c.head_logits.resize(2 * B * O);
  for (size_t j = 0; j < B; ++j) {
    const float* a = c.sorted_logits.data() + j * O;
    const float* n = c.ngram_logits.data() + j * O;
    const size_t row = order[j] * O;
    for (size_t k = 0; k < O; ++k) {
      c.head_logits[row + k] = a[k];
      c.head_logits[B * O + row + k] = n[k];
      c.logits[row + k] = 0.5f * (a[k] + n[k]);
    }
  }
}

// Backward of combine_heads: the recurrent head's dlogits in sorted order and, with an
// n-gram head, its backward (each head's own loss gradient, or half the mean's).
void split_heads(const Model& model, const ModelParams<const float>& w, const ModelParams<float>& g,
                 ShardCache& c) {
  const ModelConfig& cfg = model.config();
  const size_t B = c.batch.B, O = cfg.outputs();
  const std::vector<size_t>& order = c.batch.order;
  c.dsorted_logits.resize(B * O);
  if (!cfg.ngrams.enabled()) {
    for (size_t j = 0; j < B; ++j)
      std::copy_n(c.dlogits.data() + order[j] * O, O, c.dsorted_logits.data() + j * O);
    return;
  }
  const bool own = c.dhead_logits.size() == 2 * B * O;
  c.dngram_logits.resize(B * O);
  for (size_t j = 0; j < B; ++j)
    for (size_t k = 0; k < O; ++k) {
      const size_t row = order[j] * O + k;
      c.dsorted_logits[j * O + k] = own ? c.dhead_logits[row] : 0.5f * c.dlogits[row];
      c.dngram_logits[j * O + k] = own ? c.dhead_logits[B * O + row] : 0.5f * c.dlogits[row];
    }
  ngram_backward(c.dbag, g.ngram.output, c.dngram_logits.data(), c.bag, w.ngram.output, B,
                 cfg.ngrams.dim, O);
}

void backward_layer(const Model& model, const ModelParams<const float>& w,
                    const ModelParams<float>& g, ShardCache& c, size_t l) {
  const PackedBatch& b = c.batch;
  const LayerShape s(model.config(), b, l);
  const RecurrentLayerConfig& layer = s.layer;
  const size_t H = s.H, D = s.D, E = s.E, N = s.N, A = s.A, W = s.W;
  const kernels::RnnDims& dims = s.dims;
  const bool by_token = l == 0 && c.plan.by_token, shared = c.plan.shared;
  LayerCache& lc = c.layers[l];
  std::vector<float>& din = l == 0 ? c.dembedded : c.dy_below;
  din.assign(by_token ? 0 : N * E, 0.0f);
  if (by_token) c.dunique_x.assign(c.distinct.tokens.size() * E, 0.0f);
  for (size_t dir = 0; dir < D && A > 0; ++dir) {
    DirectionCache<float>& dc = lc.directions[dir];
    dc.dh0.resize(shared ? A * H : 0);
    dc.dc0.resize(shared ? A * H : 0);
    dc.dc.clear();
    if (D == 1) {
      // The same rows in the same order: take the buffer instead of copying it (c.dy is
      // refilled before it is read again).
      dc.dh.swap(c.dy);
    } else {
      dc.dh.resize(N * H);
      for (size_t p = 0; p < N; ++p)
        std::copy_n(c.dy.data() + p * W + dir * H, H, dc.dh.data() + b.in_direction(p, dir) * H);
    }
    dc.dx.assign(by_token ? 0 : N * E, 0.0f);
    if (layer.cell != CellType::kLstm) dc.dgates.resize(N * layer.gates());
    recurrent_backward(dc, c.scratch.data(), layer.cell, w.recurrent[l][dir], g.recurrent[l][dir],
                       dims, shared);
    if (by_token)
      recurrent_token_backward(dc, c.dunique_x.data(), g.recurrent[l][dir].kernel,
                               c.distinct.slot.data(), dir == 0 ? nullptr : b.mirror.data(),
                               c.unique_x.data(), w.recurrent[l][dir].kernel, N,
                               c.distinct.tokens.size(), E, layer.gates());
    else
      recurrent_scatter_input_grad(din.data(), dc, lc.input_mask, b, dir, E);
  }
  if (shared) {
    if (l == 0) c.dpadding.assign(E, 0.0f);
    padding_run_backward(l == 0 ? c.dpadding.data() : c.layers[l - 1].padding_run.dh.data(), l == 0,
                         lc.padding_run, A > 0 ? &lc.directions[0] : nullptr, c.scratch, b,
                         w.recurrent[l][0], g.recurrent[l][0], c.plan.prefix_steps, E, H);
  }
  if (l > 0) c.dy.swap(c.dy_below);
}

}  // namespace

void model_forward(const Model& model, ShardCache& c, const int32_t* tokens, size_t B, size_t T,
                   size_t token_stride, const ProjectionTables* projection) {
  const ModelConfig& cfg = model.config();
  const ModelParams<const float> w = model.weights();
  const size_t L = cfg.layers.size(), F = cfg.features(), O = cfg.outputs();
  plan_forward(model, c, tokens, B, T, token_stride, projection);
  if (cfg.ngrams.enabled())
    ngram_rows(c.ngram, tokens, c.batch.order.data(), B, T, token_stride, cfg.ngrams,
               cfg.vocab_size);
  c.dhead_logits.clear();
  Rng rng(c.dropout_seed);
  embed(cfg, w.embedding, c);  // (N, E)
  c.layers.resize(L);
  for (size_t l = 0; l < L && (c.batch.active > 0 || c.plan.shared); ++l)  // (N, W_l)
    forward_layer(model, w, c, l, rng, projection);
  pool(cfg, c);  // (B, F)
  if (c.training && cfg.dropout > 0.0f) {
    dropout_mask(c.feature_mask, B * F, cfg.dropout, rng);
    dropout_apply(c.features.data(), c.feature_mask.data(), B * F);
  } else {
    c.feature_mask.clear();
  }
  c.sorted_logits.resize(B * O);
  dense_forward(c.sorted_logits.data(), c.features.data(), w.dense, B, F, O);  // (B, O)
  combine_heads(model, w, c);
}

void model_backward(const Model& model, ShardCache& c, float* grad_dense) {
  const ModelConfig& cfg = model.config();
  const ModelParams<const float> w = model.weights();
  const ModelParams<float> g = model.dense_gradients(grad_dense);
  const PackedBatch& b = c.batch;
  const size_t B = b.B, L = cfg.layers.size(), O = cfg.outputs(), F = cfg.features();
  split_heads(model, w, g, c);
  c.dfeatures.assign(B * F, 0.0f);
  dense_backward(c.dfeatures.data(), g.dense, c.dsorted_logits.data(), c.features.data(), w.dense,
                 B, F, O);
  if (!c.feature_mask.empty()) dropout_apply(c.dfeatures.data(), c.feature_mask.data(), B * F);
  if (c.plan.shared) {  // the padding run's gradients start from the all-padding rows' own
    const size_t P = c.plan.prefix_steps;
    for (size_t l = 0; l < L; ++l) {
      c.layers[l].padding_run.dh.assign(P * cfg.layers[l].units, 0.0f);
      c.layers[l].padding_run.dc.assign(P * cfg.layers[l].units, 0.0f);
    }
    float* dlast = c.layers[L - 1].padding_run.dh.data() + (P - 1) * F;
    for (size_t j = b.active; j < B; ++j)
      for (size_t k = 0; k < F; ++k) dlast[k] += c.dfeatures[j * F + k];
  }
  c.dembedded.clear();
  if (b.active == 0 && !c.plan.shared) return;
  const size_t W = cfg.layer_width(L - 1);
  c.dy.assign(b.packed_rows * W, 0.0f);
  if (b.active > 0)
    pooling_backward(c.dy.data(), c.dfeatures.data(), c.argmax, b, cfg.pooling, W,
                     cfg.layers.back().units, cfg.layers.back().bidirectional);
  for (size_t l = L; l-- > 0;) backward_layer(model, w, g, c, l);
}

void model_embedding_backward(const Model& model, const ShardCache& c, float* grad_sparse) {
  const ModelConfig& cfg = model.config();
  const size_t E = cfg.embedding_dim;
  const int32_t padding = 0;
  if (c.plan.shared) embedding_backward(grad_sparse, &padding, c.dpadding.data(), 1, E);
  if (c.plan.by_token && !c.dunique_x.empty())
    embedding_backward(grad_sparse, c.distinct.tokens.data(), c.dunique_x.data(),
                       c.distinct.tokens.size(), E);
  if (!c.dembedded.empty())
    embedding_backward(grad_sparse, c.batch.tokens.data(), c.dembedded.data(), c.batch.packed_rows,
                       E);
  if (cfg.ngrams.enabled())
    ngram_table_backward(grad_sparse + model.ngram_table_offset(), c.dbag.data(), c.ngram,
                         c.batch.B, cfg.ngrams.dim);
}

}  // namespace sentiment
