// Fuzzes the tar reader (data/archive.cc, through libarchive: plain, gzip, bzip2 or xz) and
// the IMDB reader on top of it (data/imdb_read.cc: member paths, directory entries, review
// names). The first input byte picks which; the rest is the archive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.h"
#include "data/archive.h"
#include "data/imdb.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace d = sentiment::data;
  if (size == 0) return 0;
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto path = sentiment::fuzz::write_scratch(file, ".tar.gz");
  try {
    if (data[0] & 1) {
      d::read_imdb(path);
    } else {
      d::read_archive(
          path, [](const d::ArchiveMember& m) { return m.size < (1 << 20); },
          [](const d::ArchiveMember& m, std::string&& bytes) {
            if (static_cast<int64_t>(bytes.size()) != m.size) std::abort();
          });
    }
  } catch (const sentiment::Error&) {
  }
  return 0;
}
