// The model configuration as JSON: what model files store as their architecture and what
// `sentiment train --config` reads and --print-config shows. Reading is strict: an
// unknown key or a value of the wrong type is an error naming it, so a typo in a config
// file never silently falls back to a default.
#pragma once

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace sentiment {

nlohmann::ordered_json model_config_to_json(const ModelConfig& config);

// Fills config from the keys present in j (others keep their values), then validates.
// Throws Error naming the bad key.
void model_config_from_json(const nlohmann::json& j, ModelConfig& config);

}  // namespace sentiment
