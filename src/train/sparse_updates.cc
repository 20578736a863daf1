// Range bookkeeping for the lazy n-gram table and the deferred embedding rows, and the
// clip-then-Adam step that uses it.
#include "train/sparse_updates.h"

#include <algorithm>

#include "train/callbacks.h"

namespace sentiment {

void split_embedding_rows(std::vector<uint8_t>& mark, size_t dim, size_t total,
                          std::vector<ParamRange>& now, std::vector<ParamRange>& later) {
  now.clear();
  later.clear();
  const size_t rows = mark.size();
  for (size_t r = 0; r < rows;) {
    const uint8_t m = mark[r];
    size_t end = r + 1;
    while (end < rows && mark[end] == m) ++end;
    (m ? now : later).push_back({r * dim, end * dim});
    r = end;
  }
  std::fill(mark.begin(), mark.end(), uint8_t{0});
  if (rows * dim < total) now.push_back({rows * dim, total});
}

// ---------------------------------------------------------------------------------------
// LazyTableRows

LazyTableRows::LazyTableRows(size_t begin, size_t end, size_t dim, size_t total)
    : begin_(begin), end_(end), dim_(dim), total_(total), is_touched_((end - begin) / dim, 0) {}

void LazyTableRows::begin_step(std::span<float> grad) {
  for (const ParamRange& r : ranges_)
    std::fill(grad.begin() + static_cast<ptrdiff_t>(r.begin),
              grad.begin() + static_cast<ptrdiff_t>(r.end), 0.0f);
  ranges_.assign({{0, begin_}});
  touched_.clear();
}

void LazyTableRows::mark(std::span<const uint32_t> rows) {
  for (uint32_t row : rows)
    if (!is_touched_[row]) is_touched_[row] = 1, touched_.push_back(row);
}

void LazyTableRows::end_step() {
  std::sort(touched_.begin(), touched_.end());
  for (uint32_t row : touched_) {
    is_touched_[row] = 0;
    const size_t b = begin_ + size_t{row} * dim_;
    ranges_.push_back({b, b + dim_});
  }
  ranges_.push_back({end_, total_});
}

// ---------------------------------------------------------------------------------------
// DeferredEmbeddingRows

DeferredEmbeddingRows::DeferredEmbeddingRows(size_t vocab_size, size_t dim, size_t total)
    : dim_(dim), total_(total), mark_(vocab_size, 0) {}

void DeferredEmbeddingRows::mark_tokens(const int32_t* tokens, size_t count) {
  for (size_t t = 0; t < count; ++t) mark_[static_cast<size_t>(tokens[t])] = 1;
}

std::span<const ParamRange> DeferredEmbeddingRows::split(const Adam::StepCoefficients& k) {
  mark_[0] = 1;
  split_embedding_rows(mark_, dim_, total_, now_, later_);
  later_k_ = k;
  return now_;
}

void DeferredEmbeddingRows::apply_pending(Adam& adam, std::span<float> params,
                                          std::span<float> grad) {
  adam.update(params, grad, later_, later_k_, true);
  later_.clear();
}

// ---------------------------------------------------------------------------------------
// ParameterUpdate

ParameterUpdate::ParameterUpdate(const Model& model, bool lazy_ngram_updates,
                                 bool defer_embedding_updates, double clip_norm)
    : clip_norm_(clip_norm) {
  const ModelConfig& cfg = model.config();
  const size_t total = model.params().size();
  if (cfg.ngrams.enabled() && lazy_ngram_updates)
    table_.emplace(model.embedding_size(), model.sparse_size(), cfg.ngrams.dim, total);
  if (!cfg.ngrams.enabled() && defer_embedding_updates)
    deferred_.emplace(cfg.vocab_size, cfg.embedding_dim, total);
}

std::function<void()> ParameterUpdate::pending_task(Adam& adam, std::span<float> params,
                                                    std::span<float> grad) {
  if (!deferred_ || !deferred_->has_pending()) return {};
  return [this, &adam, params, grad] { deferred_->apply_pending(adam, params, grad); };
}

void ParameterUpdate::begin_step(std::span<float> grad) {
  if (table_) table_->begin_step(grad);
}

void ParameterUpdate::step(Adam& adam, std::span<float> params, std::span<float> grad,
                           const data::EncodedSplit& data, std::span<const size_t> next_rows,
                           ThreadPool& pool) {
  if (table_) {
    table_->end_step();
    if (clip_norm_ > 0.0) clip_by_global_norm(grad, table_->ranges(), clip_norm_);
    adam.step(params, grad, table_->ranges(), &pool);
    return;
  }
  // Without a lazy table, grad is all zeros when the next batch's gradient is added: every
  // update (the deferred one included) clears what it read.
  if (clip_norm_ > 0.0) clip_by_global_norm(grad, clip_norm_);
  const Adam::StepCoefficients k = adam.begin_step();
  const ParamRange all{0, grad.size()};
  std::span<const ParamRange> now(&all, 1);
  if (deferred_ && !next_rows.empty()) {
    const size_t T = data.maxlen;
    for (size_t row : next_rows) deferred_->mark_tokens(data.tokens.data() + row * T, T);
    now = deferred_->split(k);
  }
  adam.update(params, grad, now, k, true, &pool);
}

}  // namespace sentiment
