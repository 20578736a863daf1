// File helpers shared by every writer. A regular file (or a new one) is replaced atomically:
// a temporary file beside it is written, flushed and renamed over it, so a crash never leaves
// a half-written file in place of a good one. A symlink is followed and its target replaced
// the same way; a character device or FIFO (/dev/null, a pipe) is written through; anything
// else (a directory, a socket, a block device) is refused. Also the checksum binary files
// carry, and the guard that keeps an output from overwriting an input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace sentiment {

// CRC-32 (zlib's polynomial) of n bytes, for the checksums of model and checkpoint files;
// crc32_of(b, m, crc32_of(a, n)) is the CRC of a's n bytes followed by b's m.
uint32_t crc32_of(const char* data, size_t n, uint32_t crc = 0);

// The whole content of the regular file path (through links), at most max_bytes of it.
// Throws Error "cannot read <what> <path>: <cause>" when it is missing, unreadable, a
// directory or other non-regular file, or larger than max_bytes.
std::string read_whole_file(const std::filesystem::path& path, std::string_view what,
                            size_t max_bytes);

// Writes content to path as described above; throws Error naming the path and the cause
// (e.g. "No space left on device") on failure, leaving any existing file intact.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// The same for content made in pieces: produce(write) calls write(piece) for each piece in
// order, so that a file of many hundred megabytes never exists whole in memory. An
// exception from produce leaves any existing file intact too.
using FileWriter = std::function<void(std::string_view piece)>;
void write_file_atomic(const std::filesystem::path& path,
                       const std::function<void(const FileWriter& write)>& produce);

// Moves the finished file tmp (beside path, written by another program) to path with the
// same policy: rename for a regular or new file, copy through a device or FIFO (then
// remove tmp). Throws Error naming path on failure.
void move_file_into_place(const std::filesystem::path& tmp, const std::filesystem::path& path);

// Throws Error when output names the same existing file as input (also through links):
// "refusing to write <output>: it is the <what> being read (<input>)".
void check_not_input(const std::filesystem::path& output, const std::filesystem::path& input,
                     std::string_view what);

}  // namespace sentiment
