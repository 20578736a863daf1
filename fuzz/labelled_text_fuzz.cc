// Fuzzes the CSV, TSV and fastText corpus readers (data/labelled_text.cc). The first input
// byte picks the format (and so the scratch file's extension), the header flag, the columns
// (by name or by index) and whether a fixed class list is given; the rest is the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/error.h"
#include "data/labelled_text.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace d = sentiment::data;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr const char* kSuffix[4] = {".csv", ".tsv", ".txt", ".TSV"};
  constexpr d::TextFormat kFormat[4] = {d::TextFormat::kCsv, d::TextFormat::kTsv,
                                        d::TextFormat::kFastText, d::TextFormat::kAuto};
  d::TextReadOptions options;
  options.format = kFormat[mode & 3];
  options.header = (mode & 4) == 0;
  if (mode & 8) options.text_column = "1", options.label_column = "0";
  if (mode & 16) options.classes = {"neg", "pos"};
  const auto path = sentiment::fuzz::write_scratch(file, kSuffix[mode & 3]);
  try {
    const d::LabelledTexts t = d::read_labelled_texts(path, options);
    if (t.texts.size() != t.labels.size() || t.texts.size() != t.sources.size() ||
        t.classes.size() < (options.classes.empty() ? 2u : options.classes.size()))
      std::abort();
    d::class_counts(t);  // throws on a label outside the classes
  } catch (const sentiment::Error&) {
  }
  return 0;
}
