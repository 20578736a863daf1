// libarchive read loop. Member bodies go straight from the decompressor into one string
// each (sized from the header), so a 28 MB .tar.gz is read without temporary files.
#include "data/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "core/error.h"

namespace sentiment::data {
namespace {

// Large reads keep the per-call overhead of the gzip filter negligible.
constexpr size_t kReadBlockBytes = 1 << 20;
// Opening already decodes the first block to detect the format, so a truncated or foreign
// file can fail at open as well as at the first header.
constexpr const char* kExpectedArchive =
    " (expected a complete tar archive, optionally gzip, bzip2, xz or zstd compressed)";

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string libarchive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown libarchive error";
}

[[noreturn]] void fail(archive* a, const std::filesystem::path& file, const std::string& where) {
  throw Error("cannot read archive '" + file.string() + "': " + libarchive_message(a) + where);
}

}  // namespace

void read_archive(const std::filesystem::path& file,
                  const std::function<bool(const ArchiveMember&)>& select,
                  const std::function<void(const ArchiveMember&, std::string&& bytes)>& take) {
  std::unique_ptr<archive, ArchiveFree> owner(archive_read_new());
  archive* a = owner.get();
  if (a == nullptr) throw Error("cannot read archive '" + file.string() + "': out of memory");
  // Only the compressions libarchive decodes itself: "all" would also hand an archive to
  // external programs (lrzip, lzop, grzip, ...), which an untrusted file should never start.
  archive_read_support_filter_none(a);
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, file.c_str(), kReadBlockBytes) != ARCHIVE_OK) {
    fail(a, file, kExpectedArchive);
  }

  std::string previous;  // for errors that strike between members
  for (bool first = true;; first = false) {
    archive_entry* entry = nullptr;
    const int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF) break;
    // ARCHIVE_WARN (e.g. an unknown pax header field) still yields a usable entry.
    if (status < ARCHIVE_WARN) {
      if (first) fail(a, file, kExpectedArchive);
      fail(a, file, " (after member '" + previous + "'; the archive is corrupt or truncated)");
    }
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr) name = archive_entry_pathname_utf8(entry);
    previous = name != nullptr ? name : "<unnamed>";
    if (archive_entry_filetype(entry) != AE_IFREG) continue;

    ArchiveMember member{previous, archive_entry_size(entry)};
    if (member.size < 0) {
      throw Error("cannot read archive '" + file.string() + "': member '" + member.path +
                  "' has no size in its header (expected a regular file with a size)");
    }
    if (!select(member)) continue;  // the next header call skips the body

    std::string bytes(static_cast<size_t>(member.size), '\0');
    size_t got = 0;
    while (got < bytes.size()) {
      const la_ssize_t n = archive_read_data(a, bytes.data() + got, bytes.size() - got);
      if (n < 0) fail(a, file, " (in member '" + member.path + "'; the archive is corrupt)");
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    if (got != bytes.size()) {
      throw Error("cannot read archive '" + file.string() + "': member '" + member.path +
                  "' is truncated (got " + std::to_string(got) + " bytes, expected " +
                  std::to_string(member.size) + ")");
    }
    take(member, std::move(bytes));
  }
}

}  // namespace sentiment::data
