// File helpers shared by every writer: atomic replacement (write a temporary file beside
// the target, flush, then rename), so a crash never leaves a half-written file in place
// of a good one, and the checksum binary files carry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace sentiment {

// CRC-32 (zlib's polynomial) of n bytes, for the checksums of model and checkpoint files.
uint32_t crc32_of(const char* data, size_t n);

// Writes content to path atomically; throws Error naming the path on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace sentiment
