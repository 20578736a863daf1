// Fuzzes the readers of directory trees: the class-folder corpus reader
// (data/labelled_text.cc, format "folders") and the aclImdb directory reader
// (data/imdb_read.cc). The input after the mode byte is a list of entries, each a path line
// and then the file's bytes up to a NUL; a path ending in '/' is a directory. Paths are
// confined to a scratch folder (no "..", at most 5 levels) that is rebuilt for every input.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "core/error.h"
#include "data/imdb.h"
#include "data/labelled_text.h"
#include "fuzz_util.h"

namespace fs = std::filesystem;

namespace {

// The path's safe components: letters, digits and "._- "; no "." or ".." component.
fs::path confined(std::string_view path) {
  fs::path out;
  size_t depth = 0;
  for (size_t begin = 0; begin <= path.size() && depth < 5;) {
    size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    std::string part;
    for (char c : path.substr(begin, std::min<size_t>(end - begin, 40)))
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
          c == ' ')
        part.push_back(c);
    if (!part.empty() && part != "." && part != "..") out /= part, ++depth;
    begin = end + 1;
  }
  return out;
}

void build_tree(const fs::path& root, std::string_view input) {
  for (size_t pos = 0, entries = 0; pos < input.size() && entries < 64; ++entries) {
    const size_t eol = input.find('\n', pos);
    if (eol == std::string_view::npos) return;
    const std::string_view path = input.substr(pos, eol - pos);
    size_t end = input.find('\0', eol + 1);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view body = input.substr(eol + 1, end - eol - 1);
    pos = end + 1;
    const fs::path rel = confined(path);
    if (rel.empty()) continue;
    std::error_code ec;
    if (path.ends_with('/')) {
      fs::create_directories(root / rel, ec);
    } else {
      fs::create_directories((root / rel).parent_path(), ec);
      std::ofstream(root / rel, std::ios::binary) << body;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace d = sentiment::data;
  if (size == 0) return 0;
  const fs::path root = sentiment::fuzz::scratch_path(".d");
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root);
  build_tree(root, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  try {
    if (data[0] & 1) {
      d::read_imdb(root);
    } else {
      d::TextReadOptions options;
      options.format = d::TextFormat::kFolders;
      if (data[0] & 2) options.classes = {"neg", "pos"};
      const d::LabelledTexts t = d::read_labelled_texts(root, options);
      if (t.texts.size() != t.labels.size()) std::abort();
      d::class_counts(t);
    }
  } catch (const sentiment::Error&) {
  }
  return 0;
}
