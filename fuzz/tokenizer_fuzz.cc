// Fuzzes the UTF-8 validator and the word scanner (data/tokenizer.cc) against each other:
// valid text must tokenize without an error into non-empty valid UTF-8 words, and invalid
// text must be refused.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/error.h"
#include "data/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace d = sentiment::data;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t bad = d::invalid_utf8_offset(text);
  if (bad != std::string_view::npos && bad >= size) std::abort();
  d::WordScanner scan(text);
  try {
    for (std::string_view w; scan.next(w);) {
      if (w.empty() || !d::is_valid_utf8(w) || w.front() == '\'' || w.back() == '\'') std::abort();
    }
  } catch (const sentiment::Error&) {
    if (bad == std::string_view::npos) std::abort();  // valid text refused
    return 0;
  }
  if (bad != std::string_view::npos) std::abort();  // invalid text accepted
  return 0;
}
