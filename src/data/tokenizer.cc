// The tokenizer's single pass over bytes: ASCII through a 128-entry table (the hot path,
// >99.9% of IMDB bytes), everything else decoded and validated as UTF-8 code points.
#include "data/tokenizer.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace sentiment::data {
namespace {

// Both are typed as apostrophes: "don’t", and "it´s" (429 of the 434 acute accents in
// IMDB sit between letters).
constexpr char32_t kRightSingleQuote = 0x2019;
constexpr char32_t kAcuteAccent = 0x00B4;

bool is_apostrophe_like(char32_t cp) {
  return cp == kRightSingleQuote || cp == kAcuteAccent;
}

// For each ASCII byte: the lowercased word character, or 0 for a separator.
constexpr std::array<char, 128> make_ascii_table() {
  std::array<char, 128> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<char>(c - 'A' + 'a');
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<char>(c);
  table['\''] = '\'';
  return table;
}
constexpr std::array<char, 128> kAsciiWord = make_ascii_table();

bool is_continuation(unsigned char b) {
  return (b & 0xC0) == 0x80;
}

// Decodes the code point starting at p (p[0] >= 0x80); returns its length in bytes, or 0
// when the sequence is invalid (bad lead byte, overlong, surrogate, > U+10FFFF, truncated).
size_t decode_utf8(const unsigned char* p, size_t avail, char32_t& cp) {
  const unsigned char b0 = p[0];
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (avail < 2 || !is_continuation(p[1])) return 0;
    cp = (char32_t{b0} & 0x1F) << 6 | (char32_t{p[1]} & 0x3F);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (avail < 3 || !is_continuation(p[1]) || !is_continuation(p[2])) return 0;
    // The second byte's range excludes overlongs (E0) and UTF-16 surrogates (ED).
    if (b0 == 0xE0 && p[1] < 0xA0) return 0;
    if (b0 == 0xED && p[1] > 0x9F) return 0;
    cp = (char32_t{b0} & 0x0F) << 12 | (char32_t{p[1]} & 0x3F) << 6 | (char32_t{p[2]} & 0x3F);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (avail < 4 || !is_continuation(p[1]) || !is_continuation(p[2]) || !is_continuation(p[3])) {
      return 0;
    }
    // Same idea: F0 must not be overlong, F4 must stay <= U+10FFFF.
    if (b0 == 0xF0 && p[1] < 0x90) return 0;
    if (b0 == 0xF4 && p[1] > 0x8F) return 0;
    cp = (char32_t{b0} & 0x07) << 18 | (char32_t{p[1]} & 0x3F) << 12 |
         (char32_t{p[2]} & 0x3F) << 6 | (char32_t{p[3]} & 0x3F);
    return 4;
  }
  return 0;
}

bool starts_with_br(const unsigned char* p, size_t avail) {
  return avail >= 6 && std::memcmp(p, "<br />", 6) == 0;
}

[[noreturn]] void throw_invalid_utf8(std::string_view text, size_t offset) {
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[offset]));
  throw Error("tokenize: invalid UTF-8 at byte offset " + std::to_string(offset) + " (got " + byte +
              ", expected valid UTF-8 text)");
}

}  // namespace

bool is_separator_code_point(char32_t cp) {
  if (cp < 0x80) return kAsciiWord[cp] == 0;
  if (is_apostrophe_like(cp)) return false;
  if (cp <= 0xBF) return true;
  if (cp == 0xD7 || cp == 0xF7) return true;
  if (cp >= 0x2000 && cp <= 0x206F) return true;
  if (cp >= 0x3000 && cp <= 0x303F) return true;
  return cp == 0xFEFF;
}

bool WordScanner::next(std::string_view& word) {
  const auto* p = reinterpret_cast<const unsigned char*>(text_.data());
  const size_t n = text_.size();
  // Strips apostrophes from the collected word; true when something is left to return.
  auto emit = [&] {
    const size_t first = word_.find_first_not_of('\'');
    if (first == std::string::npos) {
      word_.clear();
      return false;
    }
    const size_t last = word_.find_last_not_of('\'');
    word = std::string_view(word_).substr(first, last - first + 1);
    return true;
  };
  word_.clear();
  while (pos_ < n) {
    const unsigned char c = p[pos_];
    if (c < 0x80) {
      if (kAsciiWord[c] != 0) {
        // Copy the whole ASCII run at once: one capacity check per run, not per byte.
        size_t end = pos_ + 1;
        while (end < n && p[end] < 0x80 && kAsciiWord[p[end]] != 0) ++end;
        const size_t old_size = word_.size();
        word_.resize(old_size + (end - pos_));
        char* out = word_.data() + old_size;
        for (size_t i = pos_; i < end; ++i) *out++ = kAsciiWord[p[i]];
        pos_ = end;
        continue;
      }
      // "<br />" is skipped as a whole so that its "br" never becomes a word; since '<'
      // always ends a word, this equals the anchor's replace-before-split.
      pos_ += (c == '<' && starts_with_br(p + pos_, n - pos_)) ? 6 : 1;
      if (emit()) return true;
      continue;
    }
    char32_t cp = 0;
    const size_t len = decode_utf8(p + pos_, n - pos_, cp);
    if (len == 0) throw_invalid_utf8(text_, pos_);
    if (is_apostrophe_like(cp)) {
      word_.push_back('\'');
    } else if (is_separator_code_point(cp)) {
      pos_ += len;
      if (emit()) return true;
      continue;
    } else if (cp >= 0xC0 && cp <= 0xDE) {
      // Latin-1 capitals are C3 80..C3 9E; their lowercase forms are 0x20 higher.
      word_.push_back(static_cast<char>(p[pos_]));
      word_.push_back(static_cast<char>(p[pos_ + 1] + 0x20));
    } else {
      word_.append(text_.data() + pos_, len);
    }
    pos_ += len;
  }
  return emit();
}

void tokenize(std::string_view text, std::vector<std::string>& out) {
  WordScanner scanner(text);
  for (std::string_view word; scanner.next(word);) out.emplace_back(word);
}

size_t invalid_utf8_offset(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Skip 8 ASCII bytes at a time: almost all of the text.
    if (n - i >= 8) {
      uint64_t block;
      std::memcpy(&block, p + i, 8);
      if ((block & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    char32_t cp = 0;
    const size_t len = decode_utf8(p + i, n - i, cp);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace sentiment::data
