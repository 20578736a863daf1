// Model file writer and reader: every length and field is validated before use, so a
// truncated, corrupted, newer or hand-edited file gives an Error, never a crash.
#include "io/model_file.h"

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_util.h"
#include "data/tokenizer.h"
#include "model/model_json.h"

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

}  // namespace

std::string serialize_model(const Classifier& c) {
  const Model& m = c.model();
  const ModelConfig& cfg = m.config();
  Json header;
  header["format"] = "lstm-sentiment model";
  header["format_version"] = kModelFormatVersion;
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
  Json tensors = Json::array();
  for (const auto& v : m.views())
    tensors.push_back({{"name", v.name}, {"shape", v.shape}, {"offset", v.offset}});
  header["tensors"] = tensors;
  header["training"] = Json::parse(c.training_json);
  header["metrics"] = Json::parse(c.metrics_json);
  const std::string h = header.dump(1);

  std::string vocab;
  for (const auto& w : c.vocabulary().words()) vocab.append(w).push_back('\n');

  std::string out;
  const auto params = m.params();
  out.reserve(64 + h.size() + vocab.size() + params.size_bytes());
  out.append(kModelMagic, sizeof kModelMagic);
  put<uint32_t>(out, kModelFormatVersion);
  put<uint32_t>(out, 0);
  put<uint64_t>(out, h.size());
  out += h;
  put<uint64_t>(out, vocab.size());
  out += vocab;
  put<uint64_t>(out, params.size_bytes());
  out.append(reinterpret_cast<const char*>(params.data()), params.size_bytes());
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
    const auto weight_len = r.get<uint64_t>("the weights length");
    // Counted before the model is made: a header may describe terabytes of weights.
    const uint64_t expected_bytes = uint64_t{Model::parameter_count(cfg)} * sizeof(float);
    if (weight_len > kMaxWeightBytes || weight_len != expected_bytes)
      throw Error("model file " + name + ": got " + std::to_string(weight_len) +
                  " bytes of weights, expected " + std::to_string(expected_bytes) +
                  " for the architecture in its header");
    const std::string_view w = r.bytes(weight_len, "the weights");
    Model model(cfg);
    const auto params = model.params();
    std::memcpy(params.data(), w.data(), w.size());
    if (const std::string bad = model.non_finite_tensor(); !bad.empty())
      throw Error("model file " + name + ": parameter " + bad +
                  " holds a non-finite value (the run that wrote it diverged)");
    r.get<uint32_t>("the checksum");
    if (r.pos() != bytes.size())
      throw Error("model file " + name + " has " + std::to_string(bytes.size() - r.pos()) +
                  " unexpected trailing bytes");
    const Json& tensors = header.at("tensors");
    if (tensors.size() != model.views().size())
      throw Error("model file " + name + ": tensor table does not match the architecture");
    for (size_t k = 0; k < tensors.size(); ++k) {
      const auto& v = model.views()[k];
      // Compared as JSON: a size read into size_t first could wrap or overflow.
      if (tensors[k].at("name") != v.name || tensors[k].at("shape") != Json(v.shape) ||
          tensors[k].at("offset") != v.offset)
        throw Error("model file " + name + ": tensor '" + v.name +
                    "' does not match the architecture");
    }
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
