// File helpers shared by every writer: atomic replacement (write a temporary file beside
// the target, flush, then rename), so a crash never leaves a half-written file in place
// of a good one.
#pragma once

#include <filesystem>
#include <string_view>

namespace sentiment {

// Writes content to path atomically; throws Error naming the path on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace sentiment
