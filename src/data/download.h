// Fetching a file over HTTP(S) (or file://) with libcurl into a verified destination, and
// SHA-256 of files (OpenSSL). Used to fetch the official IMDB archive into the user cache.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace sentiment::data {

// Downloads url to dest + ".part", checks its SHA-256 against sha256_hex (lowercase or
// uppercase hex), then renames it to dest, so dest only ever holds a verified file. Shows
// a progress bar on stderr when stderr is a terminal, otherwise passes a line to log (or
// stderr when log is empty) every 10%. On any failure or checksum mismatch the .part file
// is removed, an existing dest is left untouched, and Error says what failed and to pass
// --data PATH or set IMDB_DATA instead.
void download_file(const std::string& url, const std::filesystem::path& dest,
                   const std::string& sha256_hex,
                   const std::function<void(const std::string&)>& log);

// Lowercase hex SHA-256 of a file's contents; throws Error if it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

// Lowercase hex SHA-256 of bytes.
std::string sha256_hex(std::string_view bytes);

}  // namespace sentiment::data
