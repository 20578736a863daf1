// ModelConfig <-> JSON, with the names Keras users know (units, dropout,
// recurrent_dropout, mask_zero).
#include "model/model_json.h"

#include <string>

#include "core/error.h"

namespace sentiment {

using Json = nlohmann::json;

void json_check_keys(const Json& j, std::initializer_list<const char*> known,
                     const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object, got " + j.dump());
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw Error(where + ": unknown key '" + key + "' (known: " + list + ")");
    }
  }
}

void throw_json_type_error(const Json& j, const char* key, const std::string& where) {
  throw Error(where + ": '" + key + "' has the wrong type: " + j.at(key).dump());
}

void throw_json_range_error(const Json& j, const char* key, const std::string& where,
                            const std::string& what) {
  throw Error(where + ": '" + key + "' is " + j.at(key).dump() + ", expected " + what);
}

nlohmann::ordered_json model_config_to_json(const ModelConfig& c) {
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const auto& l : c.layers)
    layers.push_back({{"cell", to_string(l.cell)},
                      {"units", l.units},
                      {"bidirectional", l.bidirectional},
                      {"dropout", l.dropout},
                      {"recurrent_dropout", l.recurrent_dropout}});
  nlohmann::ordered_json j = {{"vocab_size", c.vocab_size},      {"embedding_dim", c.embedding_dim},
                              {"mask_zero", c.mask_zero},        {"layers", layers},
                              {"pooling", to_string(c.pooling)}, {"dropout", c.dropout},
                              {"num_classes", c.num_classes}};
  // Only present when used, so models without it keep their exact earlier description.
  if (c.ngrams.enabled())
    j["ngrams"] = {{"order", c.ngrams.order},
                   {"buckets", c.ngrams.buckets},
                   {"dim", c.ngrams.dim},
                   {"binary", c.ngrams.binary}};
  return j;
}

void model_config_from_json(const nlohmann::json& j, ModelConfig& c) {
  const std::string where = "model config";
  json_check_keys(j,
                  {"vocab_size", "embedding_dim", "mask_zero", "layers", "pooling", "dropout",
                   "num_classes", "ngrams"},
                  where);
  json_read(j, "vocab_size", c.vocab_size, where);
  json_read(j, "embedding_dim", c.embedding_dim, where);
  json_read(j, "mask_zero", c.mask_zero, where);
  json_read(j, "dropout", c.dropout, where);
  json_read(j, "num_classes", c.num_classes, where);
  if (j.contains("pooling")) {
    std::string p;
    json_read(j, "pooling", p, where);
    c.pooling = parse_pooling(p);
  }
  if (j.contains("layers")) {
    const Json& layers = j.at("layers");
    if (!layers.is_array() || layers.empty())
      throw Error(where + ": 'layers' must be a non-empty array");
    c.layers.clear();
    for (size_t k = 0; k < layers.size(); ++k) {
      const std::string lw = where + ": layers[" + std::to_string(k) + "]";
      json_check_keys(layers[k], {"cell", "units", "bidirectional", "dropout", "recurrent_dropout"},
                      lw);
      RecurrentLayerConfig l;
      if (layers[k].contains("cell")) {
        std::string cell;
        json_read(layers[k], "cell", cell, lw);
        l.cell = parse_cell(cell);
      }
      json_read(layers[k], "units", l.units, lw);
      json_read(layers[k], "bidirectional", l.bidirectional, lw);
      json_read(layers[k], "dropout", l.dropout, lw);
      json_read(layers[k], "recurrent_dropout", l.recurrent_dropout, lw);
      c.layers.push_back(l);
    }
  }
  if (j.contains("ngrams")) {
    const std::string nw = where + ": ngrams";
    const Json& ng = j.at("ngrams");
    json_check_keys(ng, {"order", "buckets", "dim", "binary"}, nw);
    json_read(ng, "binary", c.ngrams.binary, nw);
    json_read(ng, "order", c.ngrams.order, nw);
    json_read(ng, "buckets", c.ngrams.buckets, nw);
    json_read(ng, "dim", c.ngrams.dim, nw);
  }
  validate_model_config(c);
}

}  // namespace sentiment
