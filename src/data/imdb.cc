// encode_imdb (vocabulary, encoding, seeded shuffle, padding) and locate_imdb (the data
// search order and the download fallback). Reading lives in imdb_read.cc.
#include "data/imdb.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <numeric>
#include <span>

#include "core/error.h"
#include "core/rng.h"
#include "core/thread_pool.h"
#include "data/download.h"

namespace sentiment::data {
namespace {

namespace fs = std::filesystem;

// Rows are independent; a few tasks per thread even out long and short reviews.
constexpr size_t kTasksPerThread = 8;

EncodedSplit encode_split(const std::vector<Review>& reviews, const Vocabulary& vocab,
                          const EncodeOptions& options, Rng& rng, ThreadPool& pool) {
  EncodedSplit split;
  split.n = reviews.size();
  split.maxlen = options.maxlen;
  split.tokens.resize(split.n * split.maxlen);
  split.labels.resize(split.n);
  // Row i of the output holds review order[i].
  std::vector<size_t> order(split.n);
  std::iota(order.begin(), order.end(), size_t{0});
  rng.shuffle(std::span<size_t>(order));

  const size_t tasks = std::min(split.n, pool.size() * kTasksPerThread);
  std::vector<std::exception_ptr> errors(tasks);  // first failing row wins, whatever the timing
  pool.parallel_for(tasks, [&](size_t task, size_t) {
    std::vector<int32_t> sequence;
    size_t i = split.n * task / tasks;
    try {
      for (const size_t end = split.n * (task + 1) / tasks; i < end; ++i) {
        const Review& review = reviews[order[i]];
        sequence.clear();
        vocab.encode(review.text, sequence);
        pad_row(sequence, options.padding, options.truncating, kPadIndex,
                std::span<int32_t>(split.tokens).subspan(i * split.maxlen, split.maxlen));
        split.labels[i] = static_cast<float>(review.label);
      }
    } catch (const Error& e) {
      errors[task] = std::make_exception_ptr(
          Error("encode_imdb: review '" + reviews[order[i]].source + "': " + e.what()));
    }
  });
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  return split;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

EncodedImdb encode_imdb(const ImdbReviews& reviews, const EncodeOptions& options) {
  if (options.maxlen == 0) throw Error("encode_imdb: maxlen: got 0, expected > 0");
  std::vector<std::string_view> train_texts;
  train_texts.reserve(reviews.train.size());
  for (const Review& review : reviews.train) train_texts.push_back(review.text);
  EncodedImdb encoded{Vocabulary::build(train_texts, options.num_words), {}, {}};

  ThreadPool pool(0);
  Rng rng(options.shuffle_seed);
  encoded.train = encode_split(reviews.train, encoded.vocab, options, rng, pool);
  encoded.test = encode_split(reviews.test, encoded.vocab, options, rng, pool);
  return encoded;
}

fs::path imdb_cache_path() {
  fs::path cache = env("XDG_CACHE_HOME");
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (cache.empty() || cache.is_relative()) {
    const std::string home = env("HOME");
    if (home.empty()) return {};
    cache = fs::path(home) / ".cache";
  }
  return cache / "lstm-sentiment" / "aclImdb_v1.tar.gz";
}

fs::path locate_imdb(const LocateOptions& options) {
  const auto say = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  constexpr const char* kExpected =
      "expected the aclImdb directory, its parent, or a .tar.gz/.tgz/.tar archive of it";
  if (options.explicit_path) {
    const fs::path& path = *options.explicit_path;
    if (!fs::exists(path)) {
      throw Error("--data '" + path.string() + "' does not exist (" + kExpected + ")");
    }
    return path;
  }
  if (const std::string from_env = env("IMDB_DATA"); !from_env.empty()) {
    if (!fs::exists(from_env)) {
      throw Error("IMDB_DATA='" + from_env + "' does not exist (" + kExpected +
                  "; unset IMDB_DATA to search the default places)");
    }
    say("IMDB data: " + from_env + " (from $IMDB_DATA)");
    return from_env;
  }

  std::vector<fs::path> candidates;
  if (!options.project_root.empty()) {
    const fs::path data = options.project_root / "data";
    candidates.push_back(data / "aclImdb");
    candidates.push_back(data / "aclImdb_v1.tar.gz");
    candidates.push_back(data / "aclImdb_labeled.tar.gz");
    candidates.push_back(
        (options.project_root / ".." / "shared" / "data" / "imdb" / "aclImdb_labeled.tar.gz")
            .lexically_normal());
  }
  const fs::path cache = imdb_cache_path();
  if (!cache.empty()) candidates.push_back(cache);
  std::string looked;
  for (const fs::path& candidate : candidates) {
    if (fs::exists(candidate)) {
      say("IMDB data: " + candidate.string());
      return candidate;
    }
    looked += (looked.empty() ? "" : ", ") + candidate.string();
  }

  const std::string not_found = "IMDB data not found (looked for " + looked + ")";
  if (!options.allow_download) {
    throw Error(not_found + " and downloading is off; pass --data PATH or set IMDB_DATA");
  }
  if (cache.empty()) {
    throw Error(not_found +
                " and there is no cache directory to download into (neither "
                "XDG_CACHE_HOME nor HOME is set); pass --data PATH or set IMDB_DATA");
  }
  say(not_found + "; downloading the official archive (84 MB) once into " + cache.string());
  download_file(kImdbUrl, cache, kImdbSha256, options.log);
  return cache;
}

}  // namespace sentiment::data
