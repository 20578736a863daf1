// Streaming reader for tar archives (plain, gzip, bzip2 or xz compressed) through
// libarchive: members are read into memory one by one, nothing is extracted to disk.
// libarchive is used only here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace sentiment::data {

struct ArchiveMember {
  std::string path;  // as stored in the archive, e.g. "aclImdb/train/pos/0_9.txt"
  int64_t size = 0;  // bytes, from the member's header
};

// Calls select(member) for every regular-file member in archive order; when it returns
// true the member's bytes are read and passed to take(member, bytes), otherwise they are
// skipped without copying. Either callback may throw to stop reading. Throws Error naming
// the archive (and the member, when known) if the file cannot be opened, is not a tar
// archive, or is corrupt or truncated.
void read_archive(const std::filesystem::path& archive,
                  const std::function<bool(const ArchiveMember&)>& select,
                  const std::function<void(const ArchiveMember&, std::string&& bytes)>& take);

}  // namespace sentiment::data
