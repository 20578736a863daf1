// Shared CLI helpers.
#include "common.h"

#include <cstdio>

#include "kernels/cpu/gemm.h"

namespace sentiment::cli {

std::unique_ptr<ThreadPool> make_pool(int threads) {
  kernels::gemm_use_single_thread();
  return std::make_unique<ThreadPool>(static_cast<size_t>(threads < 0 ? 0 : threads));
}

std::filesystem::path find_imdb(const std::string& explicit_path, bool allow_download) {
  data::LocateOptions where;
  if (!explicit_path.empty()) where.explicit_path = std::filesystem::path(explicit_path);
  where.project_root = SENTIMENT_SOURCE_DIR;
  where.allow_download = allow_download;
  where.log = [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };
  return data::locate_imdb(where);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

data::TextReadOptions text_read_options(const std::string& format, const std::string& text_column,
                                        const std::string& label_column, bool header) {
  data::TextReadOptions ro;
  ro.format = data::parse_text_format(format);
  ro.text_column = text_column;
  ro.label_column = label_column;
  ro.header = header;
  return ro;
}

}  // namespace sentiment::cli
