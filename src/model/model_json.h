// The model configuration as JSON: what model files store as their architecture and what
// `sentiment train --config` reads and --print-config shows. Reading is strict: an
// unknown key or a value of the wrong type is an error naming it, so a typo in a config
// file never silently falls back to a default.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/error.h"
#include "model/model.h"

namespace sentiment {

// Deepest nesting a JSON document read from a file may have. Real configurations and
// headers nest a few levels; nlohmann parses any depth without recursion, but printing a
// value (dump(), as error messages and re-saved headers do) recurses once per level and
// overflows the stack somewhere past 50,000 levels.
inline constexpr int kMaxJsonDepth = 100;

// Parses text (comments allowed when asked) and throws Error "<where>: JSON nested deeper
// than 100 levels" for a deeper document; syntax errors throw nlohmann's parse_error.
template <typename J>
J parse_json_limited(std::string_view text, const std::string& where, bool comments = false) {
  typename J::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t, J&) {
    if (depth > kMaxJsonDepth)
      throw Error(where + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return true;
  };
  return J::parse(text, limit, true, comments);
}

[[noreturn]] void throw_json_type_error(const nlohmann::json& j, const char* key,
                                        const std::string& where);

nlohmann::ordered_json model_config_to_json(const ModelConfig& config);

// Strict reading helpers, shared with the other config readers. json_check_keys throws
// Error "<where>: unknown key 'k' (known: ...)" for a key not in known, or when j is not
// an object; json_read sets out from j[key] when present and throws Error naming the key
// when its type is wrong.
void json_check_keys(const nlohmann::json& j, std::initializer_list<const char*> known,
                     const std::string& where);

// Throws Error "<where>: '<key>' is <value as written>, expected <what>".
[[noreturn]] void throw_json_range_error(const nlohmann::json& j, const char* key,
                                         const std::string& where, const std::string& what);

// j[key] as an integer of type T, range-checked on the value as written (nlohmann's own
// get<T> wraps -5 into a huge size_t, truncates 2^40 into an int32 and casts 1e30 with
// undefined behaviour). Integral floats (1e3) are accepted, fractions are a type error.
template <typename T>
T json_integer(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = j.at(key);
  constexpr auto lo = std::numeric_limits<T>::min();
  constexpr auto hi = std::numeric_limits<T>::max();
  const std::string range =
      "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(hi)) throw_json_range_error(j, key, where, range);
  } else if (v.is_number_integer()) {
    const auto i = v.get<int64_t>();
    if (i < static_cast<int64_t>(lo) || (i > 0 && static_cast<uint64_t>(i) > uint64_t{hi}))
      throw_json_range_error(j, key, where, range);
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) throw_json_type_error(j, key, where);
    // 2^64 and -2^63 are exact doubles: the comparisons below are exact.
    if (d < static_cast<double>(lo) || d >= std::ldexp(1.0, std::numeric_limits<T>::digits))
      throw_json_range_error(j, key, where, range);
    return static_cast<T>(d);
  } else {
    throw_json_type_error(j, key, where);
  }
  return v.get<T>();
}

template <typename T>
void json_read(const nlohmann::json& j, const char* key, T& out, const std::string& where) {
  if (!j.contains(key)) return;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    out = json_integer<T>(j, key, where);
  } else {
    try {
      out = j.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      throw_json_type_error(j, key, where);
    }
  }
}

// Fills config from the keys present in j (others keep their values), then validates.
// Throws Error naming the bad key.
void model_config_from_json(const nlohmann::json& j, ModelConfig& config);

}  // namespace sentiment
