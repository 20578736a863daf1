// Pieces shared by the CLI verbs: the thread pool policy, finding and loading the IMDB data,
// and small formatting helpers.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/thread_pool.h"
#include "data/imdb.h"
#include "data/labelled_text.h"

namespace sentiment::cli {

// The project's own threads do all parallel work; BLAS is pinned to one thread inside them
// so two thread pools never fight over the same cores. threads == 0: one per core.
std::unique_ptr<ThreadPool> make_pool(int threads);

// --data handling shared by train and test: locate (explicit path, $IMDB_DATA, ./data,
// ../shared, cache, download) and read.
std::filesystem::path find_imdb(const std::string& explicit_path, bool allow_download);

// Standard output, checked. A verb's output that cannot be written (a full disk, /dev/full, a
// closed stdout) is an error "cannot write to standard output: <cause>", never a silent
// success. write_stdout writes text, print_stdout formatted text as printf; flush_stdout
// pushes out what is buffered; all throw. A write that failed is remembered with its cause,
// so flush_stdout names it even when the failing write was an earlier one.
void write_stdout(std::string_view text);
void print_stdout(const char* format, ...) __attribute__((format(printf, 1, 2)));
void flush_stdout();

// Run first in main: a closed descriptor 0, 1 or 2 is reopened on /dev/null read-only, so no
// file the program opens later can take its number, and every write to a closed stdout
// fails (EBADF) where it would otherwise land in that file.
void guard_standard_streams();

double seconds_since(std::chrono::steady_clock::time_point t);

inline constexpr const char* kThreadsHelp =
    "Worker threads (0 = one per core). The GEMM libraries (oneDNN for float, OpenBLAS for "
    "double) always run single-threaded inside them, so no two thread pools compete for cores; "
    "idle workers poll for up to 2 ms before sleeping, unless there are more threads than "
    "cores; results are identical for any value";

}  // namespace sentiment::cli
