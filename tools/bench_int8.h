// `sentiment bench --int8 MODEL`: a float model and its int8 form (docs/quantize.md) side by
// side on the IMDB test split in one process: accuracy, reviews/s in alternating rounds, and
// file sizes.
#pragma once

#include <string>

namespace sentiment::cli {

struct Int8BenchOptions {
  std::string model;
  std::string data;
  int threads = 0;
  int rounds = 3;
  bool json = false;
  bool no_download = false;
};

int run_int8_bench(const Int8BenchOptions& o);

}  // namespace sentiment::cli
