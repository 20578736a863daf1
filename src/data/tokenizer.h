// Text -> words: the byte-level tokenizer shared by vocabulary building and encoding.
// It matches the anchor's imdb_prep.py exactly on ASCII text and extends it to UTF-8
// (the anchor splits at every non-ASCII byte, so "café" -> "caf"; here it stays "café").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sentiment::data {

// The rules, applied in one left-to-right pass:
//   1. the exact bytes "<br />" are a separator; ASCII letters A-Z are lowercased;
//   2. a word is a maximal run of word characters: a-z, 0-9, the apostrophe, and every
//      non-ASCII code point outside the separator set below; U+2019 (’) and U+00B4 (´),
//      both typed as apostrophes in reviews, are read as "'"; U+00C0..U+00DE except
//      U+00D7 (Latin-1 capitals) are lowercased to U+00E0..U+00FE;
//   3. leading and trailing apostrophes are stripped and empty words dropped ("don't"
//      stays whole, "'quoted'" -> "quoted", "''" -> nothing).
// Input must be valid UTF-8; anything else throws Error.
//
// Non-ASCII code points that separate words (everything else non-ASCII is part of a word):
//   U+0080..U+00BF  C1 controls (IMDB has cp1252 dashes there: U+0096, U+0097, U+0085),
//                   no-break space, Latin-1 punctuation and symbols (« » ¿ ° £ ...),
//                   except U+00B4, an apostrophe
//   U+00D7, U+00F7  multiplication and division signs
//   U+2000..U+206F  General Punctuation: typographic spaces, dashes, quotes, ellipsis
//                   (except U+2019, an apostrophe: "don’t" -> "don't")
//   U+3000..U+303F  CJK symbols and punctuation (ideographic space, 。「」)
//   U+FEFF          zero-width no-break space / byte-order mark
// Everything else (accented letters, Greek, Cyrillic, CJK, emoji, ...) is kept verbatim.
bool is_separator_code_point(char32_t cp);

// Streams the words of one text without allocating per word; the scanner owns the word
// buffer, so reusing one scanner across texts (reset) makes tokenizing allocation-free.
//   WordScanner scan(text);
//   for (std::string_view w; scan.next(w);) use(w);  // w is valid until the next call
// Throws Error on invalid UTF-8, naming the byte offset.
class WordScanner {
 public:
  WordScanner() = default;
  explicit WordScanner(std::string_view text) : text_(text) {}

  void reset(std::string_view text) {
    text_ = text;
    pos_ = 0;
  }
  bool next(std::string_view& word);

 private:
  std::string_view text_;
  size_t pos_ = 0;
  std::string word_;
};

// Appends the words of text to out (out is not cleared).
void tokenize(std::string_view text, std::vector<std::string>& out);

// Offset of the first byte that breaks UTF-8 validity (overlongs, surrogates, > U+10FFFF,
// truncated or stray continuation bytes), or std::string_view::npos when text is valid.
size_t invalid_utf8_offset(std::string_view text);

// True when text is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
inline bool is_valid_utf8(std::string_view text) {
  return invalid_utf8_offset(text) == std::string_view::npos;
}

}  // namespace sentiment::data
