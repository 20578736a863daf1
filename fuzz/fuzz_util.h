// Shared by the libFuzzer harnesses: a per-process scratch file for the readers that take
// a path, and the checksum repair that lets the fuzzer reach past a file's CRC-32.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/file_util.h"

namespace sentiment::fuzz {

// Removes the scratch paths when the fuzzer exits (libFuzzer ends with exit()).
struct ScratchFiles {
  std::vector<std::filesystem::path> paths;
  ~ScratchFiles() {
    std::error_code ec;
    for (const auto& p : paths) std::filesystem::remove_all(p, ec);
  }
};
inline ScratchFiles scratch_files;

// A path under $TMPDIR (or /tmp) named after the process, rewritten for every input, so
// parallel fuzzer processes never share one. suffix picks a reader by extension.
inline std::filesystem::path scratch_path(std::string_view suffix) {
  auto path = std::filesystem::temp_directory_path() /
              ("sentiment-fuzz-" + std::to_string(::getpid()) + std::string(suffix));
  bool known = false;
  for (const auto& p : scratch_files.paths) known = known || p == path;
  if (!known) scratch_files.paths.push_back(path);
  return path;
}

inline std::filesystem::path write_scratch(std::string_view bytes, std::string_view suffix) {
  const auto path = scratch_path(suffix);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Input layout of the checksummed formats: one mode byte, then the file. With the mode's
// low bit set the file's last 4 bytes are replaced by the CRC-32 of the rest (appended when
// shorter), so mutations reach the parser behind the checksum; otherwise the bytes are
// taken as they are and the checksum and truncation checks get exercised.
inline std::string with_mode_crc(const uint8_t* data, size_t size) {
  if (size == 0) return {};
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) return bytes;
  if (bytes.size() >= 4) bytes.resize(bytes.size() - 4);
  const uint32_t crc = crc32_of(bytes.data(), bytes.size());
  char b[4];
  std::memcpy(b, &crc, 4);
  bytes.append(b, 4);
  return bytes;
}

}  // namespace sentiment::fuzz
