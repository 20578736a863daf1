// The tokenizer JSON. The character classes are read off data::is_separator_code_point
// itself, so the document always states the rules the code applies.
#include "io/tokenizer_json.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "data/tokenizer.h"
#include "io/model_file.h"

namespace sentiment {
namespace {

using Json = nlohmann::ordered_json;

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kSurrogateFirst = 0xD800, kSurrogateLast = 0xDFFF;
// Read as "'" (data/tokenizer.h): U+2019 and U+00B4.
constexpr char32_t kApostrophes[] = {0x2019, 0x00B4};

bool is_apostrophe(char32_t cp) {
  for (char32_t a : kApostrophes)
    if (cp == a) return true;
  return false;
}

// Inclusive [first, last] ranges of the non-ASCII code points that separate words.
Json separator_ranges() {
  Json ranges = Json::array();
  char32_t first = 0;
  bool open = false;
  for (char32_t cp = 0x80; cp <= kMaxCodePoint + 1; ++cp) {
    const bool sep = cp <= kMaxCodePoint && !(cp >= kSurrogateFirst && cp <= kSurrogateLast) &&
                     !is_apostrophe(cp) && data::is_separator_code_point(cp);
    if (sep && !open) first = cp, open = true;
    if (!sep && open) {
      ranges.push_back({static_cast<uint32_t>(first), static_cast<uint32_t>(cp - 1)});
      open = false;
    }
  }
  return ranges;
}

std::string ascii_word_characters() {
  std::string chars;
  for (char32_t c = 0; c < 0x80; ++c)
    if (!data::is_separator_code_point(c)) chars.push_back(static_cast<char>(c));
  return chars;
}

const char* pad_name(data::PadMode mode) {
  return mode == data::PadMode::kPre ? "pre" : "post";
}

Json ngram_json(const ModelConfig& cfg) {
  if (!cfg.ngrams.enabled()) return nullptr;
  return {{"order", cfg.ngrams.order},
          {"buckets", cfg.ngrams.buckets},
          {"binary", cfg.ngrams.binary},
          {"vocab_size", cfg.vocab_size},
          {"hash",
           {{"fnv1a64_offset", "0xcbf29ce484222325"},
            {"fnv1a64_prime", "0x100000001b3"},
            {"bytes", "each id as 4 little-endian bytes (uint32), in order"},
            {"finalizer",
             "h ^= h >> 30; h *= 0xbf58476d1ce4e5b9; h ^= h >> 27; "
             "h *= 0x94d049bb133111eb; h ^= h >> 31 (uint64, wrapping)"},
            {"row", "n = 1: the id itself; n >= 2: vocab_size + h mod buckets"}}},
          {"rows",
           "over the padded id row fed to input_ids: for each maximal run of non-zero ids and "
           "each position k in it, the rows of the n-grams ending at k for n = 1 .. "
           "min(order, ids of the run so far); binary: each distinct row once; pad with -1"}};
}

}  // namespace

std::string tokenizer_json(const Classifier& c) {
  const Preprocessing& pre = c.preprocessing();
  Json rules = {
      {"name", kTokenizerName},
      {"input", "UTF-8 text; anything else is an error"},
      {"separator_sequences", {"<br />"}},
      {"ascii_word_characters", ascii_word_characters()},
      {"apostrophes", {0x2019, 0x00B4}},
      {"non_ascii_separator_ranges", separator_ranges()},
      {"lowercase",
       {{{"first", 0x41}, {"last", 0x5A}, {"except", Json::array()}, {"add", 0x20}},
        {{"first", 0xC0}, {"last", 0xDE}, {"except", {0xD7}}, {"add", 0x20}}}},
      {"strip", "'"},
      {"steps",
       {"scan left to right; the exact bytes of a separator sequence end the current word and "
        "are skipped",
        "an ASCII byte is a word character when it is in ascii_word_characters, else it ends "
        "the word",
        "a non-ASCII code point in apostrophes is the word character \"'\"; one in "
        "non_ascii_separator_ranges ends the word; any other is a word character",
        "word characters are lowercased by the lowercase ranges (code point + add)",
        "each word loses its leading and trailing strip characters; empty words are dropped"}}};
  Json doc = {
      {"format", kTokenizerJsonFormat},
      {"version", kTokenizerJsonVersion},
      {"rules", rules},
      {"special_indices",
       {{"pad", data::kPadIndex},
        {"start", data::kStartIndex},
        {"oov", data::kOovIndex},
        {"index_from", data::kIndexFrom}}},
      {"encoding",
       {"ids = [start] + for each word: index_from + its position in words (0-based) + 1, or "
        "oov when absent",
        "pad or truncate to maxlen: truncating pre drops the first ids, post the last; padding "
        "pre puts pad ids before, post after"}},
      {"num_words", c.vocabulary().num_words()},
      {"vocab_size", c.model().config().vocab_size},
      {"maxlen", pre.maxlen},
      {"padding", pad_name(pre.padding)},
      {"truncating", pad_name(pre.truncating)},
      {"mask_zero", c.model().config().mask_zero},
      {"labels", c.labels()},
      {"ngrams", ngram_json(c.model().config())},
      {"words", c.vocabulary().words()}};
  return doc.dump(1) + "\n";
}

}  // namespace sentiment
