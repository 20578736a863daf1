// Which parameters each Adam step updates when a batch changes only some rows of a large
// block: the n-gram table's rows (lazy Adam), and the embedding rows the next batch does not
// read (their update is deferred to run beside that batch). These classes only choose
// ranges and when to apply them; Adam does the arithmetic, identical either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "data/dataset.h"
#include "model/model.h"
#include "optim/adam.h"

namespace sentiment {

// Splits one Adam step's parameters for a deferred embedding update: the embedding rows
// marked in `mark` (one byte per vocabulary row) and every parameter after the embedding go
// to `now`, the other rows to `later`, both as runs of consecutive rows. Clears `mark`.
void split_embedding_rows(std::vector<uint8_t>& mark, size_t dim, size_t total,
                          std::vector<ParamRange>& now, std::vector<ParamRange>& later);

// The n-gram table's lazy updates (TrainConfig::lazy_ngram_updates): a step clips and steps
// the parameters before the table, the table rows its batch used, and those after the table.
// Adam's step does not clear the gradient, so the next step zeroes these ranges first: the
// table's gradient is zero outside the rows a step marks.
class LazyTableRows {
 public:
  // The table is parameters [begin, end) in rows of dim; total counts all parameters.
  LazyTableRows(size_t begin, size_t end, size_t dim, size_t total);

  // Zeroes grad over the previous step's ranges and starts a new step's; call before the
  // step adds any gradient.
  void begin_step(std::span<float> grad);
  // Marks table rows (ids in [0, (end - begin) / dim)) the step used; repeats are fine.
  void mark(std::span<const uint32_t> rows);
  // Ends marking: ranges() then holds [0, begin), each marked row once in ascending order,
  // and [end, total).
  void end_step();
  std::span<const ParamRange> ranges() const { return ranges_; }

 private:
  size_t begin_, end_, dim_, total_;
  std::vector<ParamRange> ranges_;
  std::vector<uint32_t> touched_;    // this step's rows, in first-seen order
  std::vector<uint8_t> is_touched_;  // per table row
};

// Deferred embedding updates (TrainConfig::defer_embedding_updates): a step updates at once
// only the embedding rows the next batch reads (and every parameter after the embedding);
// the other rows keep their gradient and the step's coefficients until apply_pending(),
// which runs while the next batch does, reading none of its rows.
class DeferredEmbeddingRows {
 public:
  // Embedding of vocab_size rows of dim, at the start of total parameters.
  DeferredEmbeddingRows(size_t vocab_size, size_t dim, size_t total);

  // Marks the rows count tokens of the next batch read.
  void mark_tokens(const int32_t* tokens, size_t count);
  // Splits the step with coefficients k: returns the ranges to update now (the marked rows,
  // row 0, whose padding run every batch shares, and the rest of the parameters); the other
  // rows become pending. Clears the marks.
  std::span<const ParamRange> split(const Adam::StepCoefficients& k);

  bool has_pending() const { return !later_.empty(); }
  std::span<const ParamRange> pending() const { return later_; }
  // Applies the pending rows' update (clearing their gradient) and forgets them. Without a
  // pool: it runs as one task beside a batch's shards.
  void apply_pending(Adam& adam, std::span<float> params, std::span<float> grad);

 private:
  size_t dim_, total_;
  std::vector<uint8_t> mark_;  // per vocabulary row
  std::vector<ParamRange> now_, later_;
  Adam::StepCoefficients later_k_;
};

// The update after each batch: optional clipping by global norm, then one Adam step over
// every parameter, or over the lazy table's ranges, or over all but the deferred rows.
class ParameterUpdate {
 public:
  // lazy_ngram_updates applies to models with an n-gram head, defer_embedding_updates to
  // those without one.
  ParameterUpdate(const Model& model, bool lazy_ngram_updates, bool defer_embedding_updates,
                  double clip_norm);

  // The lazy table to mark the batch's n-gram rows in, or null.
  LazyTableRows* table() { return table_ ? &*table_ : nullptr; }

  // The previous step's deferred rows as a task to run beside the next batch's shards, or an
  // empty function when there are none.
  std::function<void()> pending_task(Adam& adam, std::span<float> params, std::span<float> grad);
  // Before the batch's gradient is added to grad (and its n-gram rows marked in table()).
  void begin_step(std::span<float> grad);
  // The step, after the batch's gradient was added. next_rows: the rows of data the next batch
  // reads, or empty at an epoch's last step (which then updates every parameter, so all are current
  // at the epoch's end).
  void step(Adam& adam, std::span<float> params, std::span<float> grad,
            const data::EncodedSplit& data, std::span<const size_t> next_rows, ThreadPool& pool);

 private:
  double clip_norm_;
  std::optional<LazyTableRows> table_;
  std::optional<DeferredEmbeddingRows> deferred_;
};

}  // namespace sentiment
