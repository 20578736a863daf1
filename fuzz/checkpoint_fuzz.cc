// Fuzzes the training checkpoint reader (train/checkpoint.cc), which reads from a path: the
// input (a mode byte, then the file; see fuzz_util.h) goes to a scratch file first.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "fuzz_util.h"
#include "train/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path =
      sentiment::fuzz::write_scratch(sentiment::fuzz::with_mode_crc(data, size), ".ckpt");
  try {
    sentiment::load_checkpoint(path);
  } catch (const sentiment::Error&) {
  }
  return 0;
}
