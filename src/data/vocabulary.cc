// Word counting, ranking and index lookup (Keras imdb conventions), plus pad_sequences.
#include "data/vocabulary.h"

#include <algorithm>
#include <exception>

#include "core/error.h"
#include "core/thread_pool.h"
#include "data/tokenizer.h"

namespace sentiment::data {
namespace {

// Several tasks per thread so that a chunk of long reviews does not leave a core idle.
constexpr size_t kTasksPerThread = 8;

void check_num_words(int32_t num_words) {
  if (num_words < kMinNumWords) {
    throw Error("num_words: got " + std::to_string(num_words) + ", expected at least " +
                std::to_string(kMinNumWords) +
                " (indices 0 pad, 1 start, 2 out-of-vocabulary and 3 are reserved)");
  }
}

}  // namespace

std::vector<WordCount> count_words(const std::vector<std::string_view>& texts, size_t threads) {
  ThreadPool pool(threads);
  const size_t tasks = std::min(texts.size(), pool.size() * kTasksPerThread);
  // One map per worker: counts are sums, so how tasks fall on workers cannot change them.
  std::vector<WordTable> per_worker(pool.size());
  // One error slot per task, so the error reported is always the first text's, whatever
  // the thread timing.
  std::vector<std::exception_ptr> errors(tasks);
  pool.parallel_for(tasks, [&](size_t task, size_t worker) {
    const size_t begin = texts.size() * task / tasks;
    const size_t end = texts.size() * (task + 1) / tasks;
    WordTable& counts = per_worker[worker];
    WordScanner scanner;
    size_t i = begin;
    try {
      for (; i < end; ++i) {
        scanner.reset(texts[i]);
        for (std::string_view word; scanner.next(word);) ++counts[word];
      }
    } catch (const Error& e) {
      errors[task] = std::make_exception_ptr(Error("text " + std::to_string(i) + ": " + e.what()));
    }
  });
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }

  WordTable& total = per_worker[0];
  for (size_t w = 1; w < per_worker.size(); ++w) {
    for (size_t i = 0; i < per_worker[w].size(); ++i) {
      total[per_worker[w].word(i)] += per_worker[w].value(i);
    }
    per_worker[w] = {};
  }
  std::vector<WordCount> ranked;
  ranked.reserve(total.size());
  for (size_t i = 0; i < total.size(); ++i) {
    ranked.push_back({std::string(total.word(i)), total.value(i)});
  }
  // std::string's operator< compares bytes as unsigned char, as Python's bytes ordering.
  std::sort(ranked.begin(), ranked.end(), [](const WordCount& a, const WordCount& b) {
    return a.count != b.count ? a.count > b.count : a.word < b.word;
  });
  return ranked;
}

Vocabulary Vocabulary::build(const std::vector<std::string_view>& texts, int32_t num_words) {
  check_num_words(num_words);
  std::vector<WordCount> ranked = count_words(texts);
  const size_t keep = std::min(ranked.size(), static_cast<size_t>(num_words - kMinNumWords));
  std::vector<std::string> words;
  words.reserve(keep);
  for (size_t r = 0; r < keep; ++r) words.push_back(std::move(ranked[r].word));
  return from_ranked(std::move(words), num_words);
}

Vocabulary Vocabulary::from_ranked(std::vector<std::string> words, int32_t num_words) {
  check_num_words(num_words);
  // index = rank + 3 must stay below num_words, so ranks 1 .. num_words - 4 are kept.
  const size_t keep = std::min(words.size(), static_cast<size_t>(num_words - kMinNumWords));
  words.resize(keep);
  Vocabulary vocab;
  vocab.num_words_ = num_words;
  for (size_t r = 0; r < keep; ++r) {
    if (words[r].empty()) {
      throw Error("vocabulary: word of rank " + std::to_string(r + 1) +
                  " is empty (expected non-empty words)");
    }
    bool inserted = false;
    int64_t& index = vocab.index_.get(words[r], inserted);
    if (!inserted) {
      throw Error("vocabulary: word '" + words[r] + "' appears twice (at rank " +
                  std::to_string(index - kIndexFrom) + " and " + std::to_string(r + 1) +
                  "; expected distinct words)");
    }
    index = static_cast<int64_t>(r + 1) + kIndexFrom;
  }
  vocab.words_ = std::move(words);
  return vocab;
}

int32_t Vocabulary::index_of(std::string_view word) const {
  const int64_t* index = index_.find(word);
  return index == nullptr ? kOovIndex : static_cast<int32_t>(*index);
}

std::vector<int32_t> Vocabulary::encode(std::string_view text) const {
  std::vector<int32_t> out;
  encode(text, out);
  return out;
}

void Vocabulary::encode(std::string_view text, std::vector<int32_t>& out) const {
  out.push_back(kStartIndex);
  WordScanner scanner(text);
  for (std::string_view word; scanner.next(word);) out.push_back(index_of(word));
}

void pad_row(std::span<const int32_t> sequence, PadMode padding, PadMode truncating, int32_t value,
             std::span<int32_t> row) {
  const size_t maxlen = row.size();
  std::span<const int32_t> kept = sequence;
  if (kept.size() > maxlen) {
    kept = truncating == PadMode::kPre ? kept.last(maxlen) : kept.first(maxlen);
  }
  const size_t fill = maxlen - kept.size();
  if (padding == PadMode::kPre) {
    std::fill_n(row.begin(), fill, value);
    std::copy(kept.begin(), kept.end(), row.begin() + static_cast<ptrdiff_t>(fill));
  } else {
    std::copy(kept.begin(), kept.end(), row.begin());
    std::fill_n(row.begin() + static_cast<ptrdiff_t>(kept.size()), fill, value);
  }
}

std::vector<int32_t> pad_sequences(const std::vector<std::vector<int32_t>>& sequences,
                                   size_t maxlen, PadMode padding, PadMode truncating,
                                   int32_t value) {
  if (maxlen == 0) throw Error("pad_sequences: maxlen: got 0, expected > 0");
  std::vector<int32_t> out(sequences.size() * maxlen);
  for (size_t i = 0; i < sequences.size(); ++i) {
    pad_row(sequences[i], padding, truncating, value,
            std::span<int32_t>(out).subspan(i * maxlen, maxlen));
  }
  return out;
}

}  // namespace sentiment::data
