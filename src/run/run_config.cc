// RunConfig <-> JSON, both made from the option table (train_options.h): each option's key
// is its path in the JSON, and the table's order is the layout's order.
#include "run/run_config.h"

#include <fstream>
#include <iterator>

#include "core/error.h"
#include "core/file_util.h"
#include "model/model_json.h"
#include "run/train_options.h"

namespace sentiment {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size() && !path.empty()) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Whether key is an array of objects whose elements hold per-layer options ("model.layers").
bool is_array_key(const std::string& key) {
  for (const TrainOption& o : train_options())
    if (o.parent() == key + "[]") return true;
  return false;
}

// Whether key is an object that may also be null (off): training.early_stopping.
bool is_section(const std::string& key) {
  const TrainOption* o = find_train_option(key);
  return o && o->section;
}

// The keys an object at path may hold, in table order.
std::vector<std::string> known_keys(const std::string& path) {
  std::vector<std::string> keys;
  const std::string prefix = path.empty() ? "" : path + ".";
  for (const TrainOption& o : train_options()) {
    if (o.key.compare(0, prefix.size(), prefix) != 0) continue;
    std::string child = o.key.substr(prefix.size());
    child = child.substr(0, child.find('.'));
    if (child.size() > 2 && child.compare(child.size() - 2, 2, "[]") == 0)
      child.resize(child.size() - 2);
    bool seen = false;
    for (const auto& k : keys) seen = seen || k == child;
    if (!seen) keys.push_back(child);
  }
  return keys;
}

std::string where_of(const std::string& path) {
  return path.empty() ? "config" : "config: " + path;
}

// Strict keys, recursively: j is the object at path (array elements: path ends in "[k]",
// looked up as "[]").
void check_keys(const Json& j, const std::string& path, const std::string& table_path) {
  const std::string where = where_of(path);
  if (!j.is_object()) throw Error(where + ": expected a JSON object, got " + j.dump());
  const std::vector<std::string> known = known_keys(table_path);
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == key;
    if (!ok && table_path == "model" && key == "num_classes")
      throw Error("config: model: num_classes comes from the data, remove it");
    if (!ok) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw Error(where + ": unknown key '" + key + "' (known: " + list + ")");
    }
    const std::string child = table_path.empty() ? key : table_path + "." + key;
    const std::string child_path = path.empty() ? key : path + "." + key;
    if (is_array_key(child)) {
      if (!value.is_array() || value.empty())
        throw Error(where + ": '" + key + "' must be a non-empty array");
      for (size_t k = 0; k < value.size(); ++k)
        check_keys(value[k], child_path + "[" + std::to_string(k) + "]", child + "[]");
    } else if (!known_keys(child).empty() && !(value.is_null() && is_section(child))) {
      check_keys(value, child_path, child);
    }
  }
}

// The value of option o in obj (which holds it) as JSON of the option's type, read as that
// type; throws naming the key.
Json read_value(const TrainOption& o, const Json& obj, const std::string& where) {
  const std::string leaf = o.leaf();
  Json v;
  switch (o.type) {
    case OptionType::kBool: {
      bool x = false;
      json_read(obj, leaf.c_str(), x, where);
      v = x;
      break;
    }
    case OptionType::kInt: {
      int x = 0;
      json_read(obj, leaf.c_str(), x, where);
      v = x;
      break;
    }
    case OptionType::kUnsigned: {
      uint64_t x = 0;
      json_read(obj, leaf.c_str(), x, where);
      v = x;
      break;
    }
    case OptionType::kFloat: {
      float x = 0.0f;
      json_read(obj, leaf.c_str(), x, where);
      v = x;
      break;
    }
    case OptionType::kDouble: {
      double x = 0.0;
      json_read(obj, leaf.c_str(), x, where);
      v = x;
      break;
    }
    case OptionType::kString: {
      std::string x;
      json_read(obj, leaf.c_str(), x, where);
      v = x;
      break;
    }
  }
  check_option_choice(o, v, where + ": " + leaf);
  return v;
}

// The object at path in j, or null when a part of it is absent or null.
const Json* find_object(const Json& j, const std::string& path) {
  const Json* at = &j;
  for (const std::string& part : split_path(path)) {
    if (!at->is_object() || !at->contains(part)) return nullptr;
    at = &at->at(part);
  }
  return at->is_object() ? at : nullptr;
}

// Reads the array at key: one layer per element, each from defaults plus its keys.
void read_layers(const Json& array, const std::string& key, RunConfig& c) {
  std::vector<RecurrentLayerConfig> layers;
  for (size_t k = 0; k < array.size(); ++k) {
    const std::string where = where_of(key + "[" + std::to_string(k) + "]");
    RecurrentLayerConfig layer;
    for (const TrainOption& o : train_options())
      if (o.per_layer() && o.parent() == key + "[]" && array[k].contains(o.leaf()))
        o.layer_set(layer, read_value(o, array[k], where));
    layers.push_back(layer);
  }
  c.model.layers = std::move(layers);
}

// The object at path in j, created (in order) as needed; null when a part of it is null.
OJson* make_object(OJson& j, const std::string& path) {
  OJson* at = &j;
  for (const std::string& part : split_path(path)) {
    if (!at->contains(part)) (*at)[part] = OJson::object();
    at = &(*at)[part];
    if (at->is_null()) return nullptr;
  }
  return at;
}

}  // namespace

nlohmann::ordered_json run_config_to_json(const RunConfig& c) {
  OJson j = OJson::object();
  for (const TrainOption& o : train_options()) {
    if (o.per_layer() || (o.written && !o.written(c))) continue;
    OJson* parent = make_object(j, o.parent());
    if (!parent) continue;  // inside a section that is off
    const std::string leaf = o.leaf();
    if (is_array_key(o.key)) {
      OJson layers = OJson::array();
      for (const RecurrentLayerConfig& layer : c.model.layers) {
        OJson element = OJson::object();
        for (const TrainOption& p : train_options())
          if (p.per_layer() && p.parent() == o.key + "[]") element[p.leaf()] = p.layer_get(layer);
        layers.push_back(std::move(element));
      }
      (*parent)[leaf] = std::move(layers);
    } else if (o.section) {
      (*parent)[leaf] = o.get(c).get<bool>() ? OJson::object() : OJson(nullptr);
    } else {
      (*parent)[leaf] = o.get(c);
    }
  }
  return j;
}

void run_config_from_json(const nlohmann::json& j, RunConfig& c) {
  check_keys(j, "", "");
  for (const TrainOption& o : train_options()) {
    if (o.per_layer()) continue;  // with its array
    const Json* parent = find_object(j, o.parent());
    const std::string leaf = o.leaf();
    if (!parent || !parent->contains(leaf)) continue;
    const Json& value = parent->at(leaf);
    if (is_array_key(o.key))
      read_layers(value, o.key, c);
    else if (o.section)
      o.set(c, !value.is_null());
    else
      o.set(c, read_value(o, *parent, where_of(o.parent())));
  }
  if (j.contains("model")) validate_model_config(c.model);
}

// A run configuration is a few kilobytes; anything near this is not one.
constexpr size_t kMaxConfigBytes = size_t{16} << 20;

void load_run_config(const std::string& path, RunConfig& config) {
  const std::string text = read_whole_file(path, "config file", kMaxConfigBytes);
  Json j;
  try {
    j = parse_json_limited<Json>(text, "config file " + path, /*comments=*/true);
  } catch (const Json::exception& e) {
    throw Error("config file " + path + " is not valid JSON: " + e.what());
  }
  try {
    run_config_from_json(j, config);
  } catch (const Error& e) {
    throw Error("config file " + path + ": " + e.what());
  }
}

}  // namespace sentiment
