// The IMDB Large Movie Review Dataset in its aclImdb layout: finding it, reading it from
// a directory or a .tar.gz (streamed through libarchive), and encoding it the way Keras's
// imdb.load_data + pad_sequences do.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "data/dataset.h"
#include "data/input_policy.h"
#include "data/vocabulary.h"

namespace sentiment::data {

inline constexpr size_t kMaxReviewBytes = 1 << 20;  // 1 MiB; the largest IMDB review is ~14 KB

// The official archive (Maas et al., 2011) and its SHA-256, for locate_imdb's download.
inline constexpr const char* kImdbUrl =
    "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";
inline constexpr const char* kImdbSha256 =
    "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe";

// Reads train/{pos,neg} and test/{pos,neg} from an aclImdb directory (or its parent) or a
// .tar.gz/.tgz/.tar archive of it (any file is tried as a tar archive; the archive may hold
// the tree under any one prefix, usually aclImdb/). Ignores train/unsup, *.feat,
// urls_*.txt, imdb.vocab, README and hidden files (".*"). Files are ordered neg then pos,
// each by numeric id. Throws Error naming the file on a missing path, a corrupt or
// truncated archive, wrong layout (a split/label folder missing or without reviews), a file
// name other than ID_RATING.txt (rating 1..10), a duplicate id, or an empty (or blank), oversized
// (> kMaxReviewBytes) or non-UTF-8 review. Reads and validates on all cores. Reviews are
// decoded by policy.encoding; under OnError::kSkip an empty or non-UTF-8 review is dropped
// and counted in ImdbReviews::skipped, under kReplace its bad bytes become U+FFFD.
ImdbReviews read_imdb(const std::filesystem::path& path, const InputPolicy& policy = {});

struct EncodeOptions {
  int32_t num_words = 10000;
  size_t maxlen = 200;
  PadMode padding = PadMode::kPre;
  PadMode truncating = PadMode::kPre;
  uint64_t shuffle_seed = 113;  // train and test are each shuffled once with this seed
};

struct EncodedImdb {
  Vocabulary vocab;
  EncodedSplit train;
  EncodedSplit test;
};

// Builds the vocabulary from the training reviews only, encodes both splits with a
// leading start marker, shuffles each split (one Rng(seed), train first, then test) and
// pads/truncates to maxlen. Throws Error on maxlen == 0 or num_words < kMinNumWords.
EncodedImdb encode_imdb(const ImdbReviews& reviews, const EncodeOptions& options);

// Where the data is, in this order: explicit path; $IMDB_DATA; <project>/data (its
// aclImdb/ folder, aclImdb_v1.tar.gz or aclImdb_labeled.tar.gz);
// <project>/../shared/data/imdb/aclImdb_labeled.tar.gz; the user cache
// ($XDG_CACHE_HOME or ~/.cache)/lstm-sentiment/aclImdb_v1.tar.gz; else download the
// official archive into the cache (verified by SHA-256). project_root is where to look
// for data/ and ../shared (skipped when empty). An explicit path or $IMDB_DATA that does
// not exist is an error, never skipped. Throws Error with a hint about --data when
// nothing works.
struct LocateOptions {
  std::optional<std::filesystem::path> explicit_path;
  std::filesystem::path project_root;
  bool allow_download = true;
  std::function<void(const std::string&)> log;  // progress messages (may be empty)
};
std::filesystem::path locate_imdb(const LocateOptions& options);

// ($XDG_CACHE_HOME or $HOME/.cache)/lstm-sentiment/aclImdb_v1.tar.gz; empty when neither
// variable is set.
std::filesystem::path imdb_cache_path();

}  // namespace sentiment::data
