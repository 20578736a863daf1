// The model configuration as JSON: what model files store as their architecture and what
// `sentiment train --config` reads and --print-config shows. Reading is strict: an
// unknown key or a value of the wrong type is an error naming it, so a typo in a config
// file never silently falls back to a default.
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>

#include "model/model.h"

namespace sentiment {

[[noreturn]] void throw_json_type_error(const nlohmann::json& j, const char* key,
                                        const std::string& where);

nlohmann::ordered_json model_config_to_json(const ModelConfig& config);

// Strict reading helpers, shared with the other config readers. json_check_keys throws
// Error "<where>: unknown key 'k' (known: ...)" for a key not in known, or when j is not
// an object; json_read sets out from j[key] when present and throws Error naming the key
// when its type is wrong.
void json_check_keys(const nlohmann::json& j, std::initializer_list<const char*> known,
                     const std::string& where);

template <typename T>
void json_read(const nlohmann::json& j, const char* key, T& out, const std::string& where) {
  if (!j.contains(key)) return;
  try {
    out = j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw_json_type_error(j, key, where);
  }
}

// Fills config from the keys present in j (others keep their values), then validates.
// Throws Error naming the bad key.
void model_config_from_json(const nlohmann::json& j, ModelConfig& config);

}  // namespace sentiment
