// Fuzzes the model file reader (io/model_file.cc) and, for models small enough to run
// quickly, one prediction with what it loaded. Input: a mode byte, then the file (see
// fuzz_util.h). Only sentiment::Error may escape the reader; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "fuzz_util.h"
#include "io/model_file.h"

namespace {

// Predicting costs about maxlen x parameters; above this the input is only loaded.
constexpr size_t kMaxPredictWork = size_t{1} << 24;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = sentiment::fuzz::with_mode_crc(data, size);
  try {
    const sentiment::Classifier c = sentiment::deserialize_model(bytes, "fuzz.model");
    if (c.preprocessing().maxlen * c.model().params().size() <= kMaxPredictWork) {
      sentiment::ThreadPool pool(1);
      const std::vector<std::string_view> texts = {"good film", "é ’ <br /> bad"};
      c.predict_proba(texts, pool);
    }
  } catch (const sentiment::Error&) {
  }
  return 0;
}
