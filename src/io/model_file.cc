// Model file writer and reader: every length and field is validated before use, so a
// truncated, corrupted, newer or hand-edited file gives an Error, never a crash.
#include "io/model_file.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_util.h"
#include "data/tokenizer.h"
#include "model/model_json.h"
#include "model/quantized.h"

namespace sentiment {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the model format stores little-endian values; add byte swapping for this host");

using Json = nlohmann::ordered_json;

// Upper bounds that reject absurd headers before anything is allocated.
constexpr uint64_t kMaxHeaderBytes = 16u << 20;
constexpr uint64_t kMaxVocabBytes = 1u << 30;
constexpr uint64_t kMaxWeightBytes = 8ull << 30;

template <typename T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

const char* pad_name(data::PadMode m) {
  return m == data::PadMode::kPost ? "post" : "pre";
}

class Reader {
 public:
  Reader(const std::string& bytes, const std::string& name) : b_(bytes), name_(name) {}

  template <typename T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view bytes(uint64_t n, const char* what) {
    need(n, what);
    std::string_view v(b_.data() + pos_, n);
    pos_ += n;
    return v;
  }
  size_t pos() const { return pos_; }

 private:
  void need(uint64_t n, const char* what) {
    if (n > b_.size() - pos_)
      throw Error("model file " + name_ + " is truncated: " + what + " needs " + std::to_string(n) +
                  " bytes at offset " + std::to_string(pos_) + ", only " +
                  std::to_string(b_.size() - pos_) + " left");
  }
  const std::string& b_;
  const std::string& name_;
  size_t pos_ = 0;
};

// A size from the header, read as a wide integer and range-checked before any narrowing,
// so the message shows the value as written: "preprocessing.maxlen is 10000000, expected
// an integer in [1, 100000]".
uint64_t header_size(const Json& section, const char* section_name, const char* key, uint64_t lo,
                     uint64_t hi, const std::string& prefix) {
  const Json& v = section.at(key);
  if (!v.is_number_unsigned() || v.get<uint64_t>() < lo || v.get<uint64_t>() > hi)
    throw Error(prefix + section_name + "." + key + " is " + v.dump() +
                ", expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "]");
  return v.get<uint64_t>();
}

// Text from the file that later meets the tokenizer, JSON output or a terminal.
void check_utf8(std::string_view text, const std::string& what, const std::string& name) {
  if (const size_t bad = data::invalid_utf8_offset(text); bad != std::string_view::npos)
    throw Error("model file " + name + ": " + what + " is not valid UTF-8 (bad byte at offset " +
                std::to_string(bad) + ")");
}

data::PadMode parse_pad(const Json& j, const char* key, const std::string& name) {
  const std::string v = j.at(key).get<std::string>();
  if (v == "pre") return data::PadMode::kPre;
  if (v == "post") return data::PadMode::kPost;
  throw Error("model file " + name + ": " + key + " is '" + v + "', expected 'pre' or 'post'");
}

// Where one tensor lies in the weights block. Float files (version 2, and version 3 without
// quantization) give offsets in floats; quantized files in bytes, an int8 tensor's values
// followed by its float32 scales.
struct TensorLayout {
  uint64_t offset = 0;  // floats (float files) or bytes (quantized files)
  uint64_t bytes = 0;   // bytes (quantized files)
  bool int8 = false;
  ScaleAxis axis = ScaleAxis::kRows;
  uint64_t scales = 0;  // int8: how many scales follow the values
};

// Computed from the architecture alone, so a file's tensor table and weights length are
// checked against it before anything that size is allocated.
std::vector<TensorLayout> weights_layout(const std::vector<ParamView>& views, bool quantized) {
  std::vector<TensorLayout> out(views.size());
  for (size_t k = 0; k < views.size(); ++k) {
    out[k].offset = views[k].offset;
    out[k].bytes = uint64_t{views[k].size()} * sizeof(float);
  }
  if (!quantized) return out;
  for (const QuantizedView& q : quantized_views(views)) {
    out[q.view].int8 = true;
    out[q.view].axis = q.axis;
    out[q.view].scales =
        q.axis == ScaleAxis::kRows ? views[q.view].shape[0] : views[q.view].shape[1];
  }
  uint64_t at = 0;
  for (size_t k = 0; k < views.size(); ++k) {
    out[k].offset = at;
    if (out[k].int8) out[k].bytes = uint64_t{views[k].size()} + out[k].scales * sizeof(float);
    at += out[k].bytes;
  }
  return out;
}

Json tensor_entry(const ParamView& v, const TensorLayout& t) {
  Json e = {{"name", v.name}, {"shape", v.shape}, {"offset", t.offset}};
  if (t.int8) {
    e["dtype"] = "int8";
    e["scales"] = to_string(t.axis);
  }
  return e;
}

// Reads a quantized file's weights block into model (its float parameters, then its int8
// tensors). Every int8 value must be in [-127, 127] and every scale finite and >= 0.
void read_quantized_weights(Model& model, std::string_view w,
                            const std::vector<TensorLayout>& layout, const std::string& name) {
  const auto params = model.params();
  QuantizedWeights qw;
  for (size_t k = 0; k < layout.size(); ++k) {
    const ParamView& v = model.views()[k];
    const TensorLayout& t = layout[k];
    const char* at = w.data() + t.offset;
    if (!t.int8) {
      std::memcpy(params.data() + v.offset, at, t.bytes);
      continue;
    }
    QuantizedTensor q;
    q.view = k;
    q.axis = t.axis;
    q.rows = v.shape[0];
    q.cols = v.shape[1];
    q.q.resize(v.size());
    q.scale.resize(t.scales);
    std::memcpy(q.q.data(), at, q.q.size());
    std::memcpy(q.scale.data(), at + q.q.size(), q.scale.size() * sizeof(float));
    for (size_t i = 0; i < q.q.size(); ++i)
      if (q.q[i] == -128)
        throw Error("model file " + name + ": int8 tensor " + v.name + " holds -128 at element " +
                    std::to_string(i) + ", expected values in [-127, 127]");
    for (size_t i = 0; i < q.scale.size(); ++i)
      if (!std::isfinite(q.scale[i]) || q.scale[i] < 0.0f)
        throw Error("model file " + name + ": int8 tensor " + v.name + " has scale " +
                    std::to_string(q.scale[i]) + " for " +
                    (t.axis == ScaleAxis::kRows ? "row " : "column ") + std::to_string(i) +
                    ", expected a finite value >= 0");
    qw.tensors.push_back(std::move(q));
  }
  model.set_quantized(std::move(qw));
}

}  // namespace

std::string serialize_model(const Classifier& c) {
  const Model& m = c.model();
  const ModelConfig& cfg = m.config();
  const QuantizedWeights* quantized = m.quantized();
  const uint32_t version = quantized ? kModelFormatVersion : kFloatModelFormatVersion;
  Json header;
  header["format"] = "lstm-sentiment model";
  header["format_version"] = version;
  Json arch = model_config_to_json(cfg);
  arch["type"] = "embedding-rnn-dense";
  arch["gate_order"] = {{"lstm", "i,f,c,o"}, {"gru", "z,r,h"}, {"simple_rnn", "h"}};
  arch["output"] = cfg.num_classes == 2 ? "sigmoid" : "softmax";
  header["architecture"] = arch;
  header["preprocessing"] = {{"tokenizer", kTokenizerName},
                             {"num_words", c.vocabulary().num_words()},
                             {"maxlen", c.preprocessing().maxlen},
                             {"padding", pad_name(c.preprocessing().padding)},
                             {"truncating", pad_name(c.preprocessing().truncating)},
                             {"pad_index", data::kPadIndex},
                             {"start_index", data::kStartIndex},
                             {"oov_index", data::kOovIndex},
                             {"index_from", data::kIndexFrom}};
  header["labels"] = c.labels();
  if (quantized) header["quantization"] = {{"scheme", kQuantizationScheme}};
  const std::vector<TensorLayout> layout = weights_layout(m.views(), quantized != nullptr);
  Json tensors = Json::array();
  for (size_t k = 0; k < m.views().size(); ++k)
    tensors.push_back(tensor_entry(m.views()[k], layout[k]));
  header["tensors"] = tensors;
  header["training"] = Json::parse(c.training_json);
  header["metrics"] = Json::parse(c.metrics_json);
  const std::string h = header.dump(1);

  std::string vocab;
  for (const auto& w : c.vocabulary().words()) vocab.append(w).push_back('\n');

  std::string out;
  const auto params = m.params();
  const uint64_t weight_bytes = quantized && !layout.empty()
                                    ? layout.back().offset + layout.back().bytes
                                    : params.size_bytes();
  out.reserve(64 + h.size() + vocab.size() + weight_bytes);
  out.append(kModelMagic, sizeof kModelMagic);
  put<uint32_t>(out, version);
  put<uint32_t>(out, 0);
  put<uint64_t>(out, h.size());
  out += h;
  put<uint64_t>(out, vocab.size());
  out += vocab;
  put<uint64_t>(out, weight_bytes);
  size_t next_int8 = 0;
  for (size_t k = 0; k < m.views().size(); ++k) {
    const ParamView& v = m.views()[k];
    if (layout[k].int8) {
      const QuantizedTensor& t = quantized->tensors[next_int8++];
      out.append(reinterpret_cast<const char*>(t.q.data()), t.q.size());
      out.append(reinterpret_cast<const char*>(t.scale.data()), t.scale.size() * sizeof(float));
    } else {
      out.append(reinterpret_cast<const char*>(params.data() + v.offset), v.size() * sizeof(float));
    }
  }
  put<uint32_t>(out, crc32_of(out.data(), out.size()));
  return out;
}

Classifier deserialize_model(const std::string& bytes, const std::string& name) {
  Reader r(bytes, name);
  const std::string_view magic = r.bytes(sizeof kModelMagic, "the magic number");
  if (std::memcmp(magic.data(), kModelMagic, sizeof kModelMagic) != 0)
    throw Error("model file " + name + " is not an lstm-sentiment model (bad magic number)");
  const auto version = r.get<uint32_t>("the format version");
  if (version > kModelFormatVersion)
    throw Error("model file " + name + " has format version " + std::to_string(version) +
                ", this build reads format version " + std::to_string(kModelFormatVersion) +
                " at most: upgrade lstm-sentiment");
  if (version == 0) throw Error("model file " + name + " has invalid format version 0");
  r.get<uint32_t>("the reserved field");
  // The checksum covers everything, so check it before trusting any length inside.
  if (bytes.size() < r.pos() + sizeof(uint32_t))
    throw Error("model file " + name + " is truncated");
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - sizeof stored, sizeof stored);
  if (crc32_of(bytes.data(), bytes.size() - sizeof stored) != stored)
    throw Error("model file " + name + " is corrupted or truncated (checksum mismatch)");

  const auto header_len = r.get<uint64_t>("the header length");
  if (header_len > kMaxHeaderBytes)
    throw Error("model file " + name + ": header of " + std::to_string(header_len) +
                " bytes is over the limit of " + std::to_string(kMaxHeaderBytes));
  Json header;
  try {
    header = parse_json_limited<Json>(r.bytes(header_len, "the header"), "model file " + name);
    const Json& arch = header.at("architecture");
    const Json& pre = header.at("preprocessing");
    const std::string type = arch.at("type").get<std::string>();
    if (type != "embedding-lstm-dense" && type != "embedding-rnn-dense")
      throw Error("model file " + name + ": unknown architecture '" + type + "'");
    if (pre.at("tokenizer").get<std::string>() != kTokenizerName)
      throw Error("model file " + name + ": tokenizer '" + pre.at("tokenizer").get<std::string>() +
                  "' is not supported, expected '" + kTokenizerName + "'");
    ModelConfig cfg;
    try {
      if (type == "embedding-lstm-dense") {  // format version 1: the recipe's one LSTM
        cfg.vocab_size = header_size(arch, "architecture", "vocab_size", 4, kMaxVocabulary, "");
        cfg.embedding_dim =
            header_size(arch, "architecture", "embedding_dim", 1, kMaxEmbeddingDim, "");
        cfg.layers[0].units = header_size(arch, "architecture", "units", 1, kMaxUnits, "");
        validate_model_config(cfg);
      } else {
        Json a = arch;
        for (const char* k : {"type", "gate_order", "output"}) a.erase(k);
        model_config_from_json(a, cfg);
      }
    } catch (const Error& e) {
      throw Error("model file " + name + ": " + e.what());
    }
    Preprocessing p;
    const std::string at = "model file " + name + ": ";
    p.maxlen = header_size(pre, "preprocessing", "maxlen", 1, kMaxSequenceLength, at);
    p.padding = parse_pad(pre, "padding", name);
    p.truncating = parse_pad(pre, "truncating", name);
    const auto num_words = static_cast<int32_t>(
        header_size(pre, "preprocessing", "num_words", data::kMinNumWords, kMaxVocabulary, at));
    // The special indices are the tokenizer's, not the file's to choose.
    for (const auto& [key, expected] : {std::pair{"pad_index", data::kPadIndex},
                                        {"start_index", data::kStartIndex},
                                        {"oov_index", data::kOovIndex},
                                        {"index_from", data::kIndexFrom}})
      if (pre.contains(key) && pre.at(key) != expected)
        throw Error("model file " + name + ": preprocessing." + key + " is " + pre.at(key).dump() +
                    ", expected " + std::to_string(expected));
    // Labels are JSON strings: the parser has already refused ill-formed UTF-8 in them.
    const auto labels = header.at("labels").get<std::vector<std::string>>();

    const auto vocab_len = r.get<uint64_t>("the vocabulary length");
    if (vocab_len > kMaxVocabBytes) throw Error("model file " + name + ": vocabulary too large");
    const std::string_view vocab_blob = r.bytes(vocab_len, "the vocabulary");
    std::vector<std::string> words;
    for (size_t start = 0; start < vocab_blob.size();) {
      const size_t end = vocab_blob.find('\n', start);
      if (end == std::string_view::npos)
        throw Error("model file " + name + ": vocabulary does not end with a newline");
      words.emplace_back(vocab_blob.substr(start, end - start));
      check_utf8(words.back(), "vocabulary word " + std::to_string(words.size()), name);
      start = end + 1;
    }
    const bool quantized = header.contains("quantization");
    if (quantized) {
      if (version < kModelFormatVersion)
        throw Error("model file " + name + " has format version " + std::to_string(version) +
                    " but int8 weights, which need format version " +
                    std::to_string(kModelFormatVersion));
      const Json& qh = header.at("quantization");
      if (!qh.is_object() || !qh.contains("scheme") || qh.at("scheme") != kQuantizationScheme)
        throw Error("model file " + name + ": quantization is " + qh.dump() +
                    ", expected {\"scheme\": \"" + kQuantizationScheme + "\"}");
    }
    const auto weight_len = r.get<uint64_t>("the weights length");
    // Counted before the model is made: a header may describe terabytes of weights. A
    // quantized file's floats, unpacked, take at most four times its weights' size.
    const std::vector<ParamView> views = Model::views_of(cfg);
    const std::vector<TensorLayout> layout = weights_layout(views, quantized);
    const uint64_t float_bytes = uint64_t{Model::parameter_count(cfg)} * sizeof(float);
    const uint64_t expected_bytes = layout.empty() ? 0
                                    : quantized    ? layout.back().offset + layout.back().bytes
                                                   : float_bytes;
    if (weight_len > kMaxWeightBytes || float_bytes > kMaxWeightBytes ||
        weight_len != expected_bytes)
      throw Error("model file " + name + ": got " + std::to_string(weight_len) +
                  " bytes of weights, expected " + std::to_string(expected_bytes) + " for the " +
                  (quantized ? "int8 " : "") + "architecture in its header");
    const std::string_view w = r.bytes(weight_len, "the weights");
    const Json& tensors = header.at("tensors");
    if (tensors.size() != views.size())
      throw Error("model file " + name + ": tensor table does not match the architecture");
    for (size_t k = 0; k < tensors.size(); ++k) {
      const auto& v = views[k];
      const Json want = tensor_entry(v, layout[k]);
      auto field = [](const Json& e, const char* key) {
        return e.is_object() && e.contains(key) ? e.at(key) : Json();
      };
      // Compared as JSON: a size read into size_t first could wrap or overflow.
      bool same = true;
      for (const char* key : {"name", "shape", "offset", "dtype", "scales"})
        same = same && field(tensors[k], key) == field(want, key);
      if (!same)
        throw Error(
            "model file " + name + ": tensor '" + v.name + "' does not match the architecture" +
            (layout[k].int8
                 ? std::string(" (expected int8 with scales per ") + to_string(layout[k].axis) + ")"
                 : std::string()));
    }
    Model model(cfg);
    if (quantized) {
      read_quantized_weights(model, w, layout, name);
    } else {
      const auto params = model.params();
      std::memcpy(params.data(), w.data(), w.size());
    }
    if (const std::string bad = model.non_finite_tensor(); !bad.empty())
      throw Error("model file " + name + ": parameter " + bad +
                  " holds a non-finite value (the run that wrote it diverged)");
    r.get<uint32_t>("the checksum");
    if (r.pos() != bytes.size())
      throw Error("model file " + name + " has " + std::to_string(bytes.size() - r.pos()) +
                  " unexpected trailing bytes");
    Classifier c(std::move(model), data::Vocabulary::from_ranked(std::move(words), num_words), p,
                 labels);
    c.training_json = header.value("training", Json::object()).dump();
    c.metrics_json = header.value("metrics", Json::object()).dump();
    return c;
  } catch (const Json::exception& e) {
    throw Error("model file " + name + " has a malformed header: " + e.what());
  }
}

void save_model(const std::filesystem::path& path, const Classifier& classifier) {
  write_file_atomic(path, serialize_model(classifier));
}

Classifier load_model(const std::filesystem::path& path) {
  // The largest file the format allows: every section at its limit, plus the fixed fields.
  constexpr uint64_t kMaxFileBytes = kMaxHeaderBytes + kMaxVocabBytes + kMaxWeightBytes + 4096;
  return deserialize_model(read_whole_file(path, "model file", kMaxFileBytes), path.string());
}

}  // namespace sentiment
