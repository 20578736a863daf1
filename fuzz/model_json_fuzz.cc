// Fuzzes the strict model configuration reader (model/model_json.cc) on any JSON document,
// and checks that a configuration it accepts survives a write and read unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/error.h"
#include "model/model_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Parsed as the product parses files: nesting limited (model_json.h).
  nlohmann::json j;
  try {
    j = sentiment::parse_json_limited<nlohmann::json>(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const nlohmann::json::exception&) {
    return 0;
  } catch (const sentiment::Error&) {
    return 0;
  }
  sentiment::ModelConfig c;
  try {
    sentiment::model_config_from_json(j, c);
  } catch (const sentiment::Error&) {
    return 0;
  }
  const nlohmann::ordered_json out = sentiment::model_config_to_json(c);
  sentiment::ModelConfig again;
  sentiment::model_config_from_json(nlohmann::json(out), again);
  if (sentiment::model_config_to_json(again) != out) std::abort();
  return 0;
}
