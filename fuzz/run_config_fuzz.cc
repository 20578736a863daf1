// Fuzzes the run configuration reader of `sentiment train --config` (tools/run_config.cc),
// and checks that a configuration it accepts survives a write and read unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/error.h"
#include "model/model_json.h"
#include "run/run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Parsed as the product parses files: nesting limited (model_json.h).
  nlohmann::json j;
  try {
    j = sentiment::parse_json_limited<nlohmann::json>(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", /*comments=*/true);
  } catch (const nlohmann::json::exception&) {
    return 0;
  } catch (const sentiment::Error&) {
    return 0;
  }
  sentiment::RunConfig c;
  try {
    sentiment::run_config_from_json(j, c);
  } catch (const sentiment::Error&) {
    return 0;
  }
  const nlohmann::json out = sentiment::run_config_to_json(c);
  sentiment::RunConfig again;
  sentiment::run_config_from_json(out, again);
  if (nlohmann::json(sentiment::run_config_to_json(again)) != out) std::abort();
  return 0;
}
