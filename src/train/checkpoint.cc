// Checkpoint file writer and strict reader.
#include "train/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_util.h"
#include "model/model_json.h"

namespace sentiment {
namespace {

using Json = nlohmann::json;
constexpr char kMagic[8] = {'L', 'S', 'T', 'M', 'C', 'K', 'P', 'T'};
constexpr uint64_t kMaxJsonBytes = uint64_t{1} << 28;
constexpr uint64_t kMaxFloats = uint64_t{1} << 32;

class Reader {
 public:
  Reader(const std::string& bytes, std::string name) : b_(bytes), name_(std::move(name)) {}
  std::string_view take(uint64_t n, const char* what) {
    if (n > b_.size() - pos_)
      throw Error("checkpoint " + name_ + " is truncated (reading " + what + ")");
    std::string_view v(b_.data() + pos_, n);
    pos_ += n;
    return v;
  }
  template <typename T>
  T get(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof v, what).data(), sizeof v);
    return v;
  }
  std::vector<float> floats(const char* what) {
    const auto n = get<uint64_t>(what);
    if (n > kMaxFloats) throw Error("checkpoint " + name_ + ": absurd size of " + what);
    const std::string_view d = take(n * sizeof(float), what);
    std::vector<float> v(n);
    if (n > 0) std::memcpy(v.data(), d.data(), d.size());
    // Resuming from NaN weights or moments would train nothing but NaN.
    const auto bad = std::find_if(v.begin(), v.end(), [](float x) { return !std::isfinite(x); });
    if (bad != v.end())
      throw Error("checkpoint " + name_ + ": parameter " + std::to_string(bad - v.begin()) +
                  " of " + what + " holds a non-finite value (the run that wrote it diverged)");
    return v;
  }
  size_t pos() const { return pos_; }

 private:
  const std::string& b_;
  std::string name_;
  size_t pos_ = 0;
};

Json history_json(const History& h) {
  return {{"loss", h.loss},
          {"accuracy", h.accuracy},
          {"val_loss", h.val_loss},
          {"val_accuracy", h.val_accuracy},
          {"epoch_seconds", h.epoch_seconds},
          {"learning_rate", h.learning_rate}};
}

History history_from(const Json& j) {
  History h;
  h.loss = j.at("loss").get<std::vector<double>>();
  h.accuracy = j.at("accuracy").get<std::vector<double>>();
  h.val_loss = j.at("val_loss").get<std::vector<double>>();
  h.val_accuracy = j.at("val_accuracy").get<std::vector<double>>();
  h.epoch_seconds = j.at("epoch_seconds").get<std::vector<double>>();
  h.learning_rate = j.at("learning_rate").get<std::vector<double>>();
  return h;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const TrainStateView& view,
                     std::string_view run_json) {
  const TrainProgress& s = view.progress;
  Json rng = Json::array();
  for (uint64_t w : s.shuffle_rng.words) rng.push_back(w);
  const Json header = {
      {"format", "lstm-sentiment checkpoint"},
      {"epoch", s.epoch},
      {"adam_steps", s.adam_steps},
      {"shuffle_rng",
       {{"words", rng},
        {"spare_normal", s.shuffle_rng.spare_normal},
        {"has_spare", s.shuffle_rng.has_spare}}},
      {"scheduler", Json::parse(s.scheduler_json)},
      {"early_stopping", Json::parse(s.early_stopping_json)},
      {"checkpoint_best", Json::parse(s.checkpoint_best_json)},
      {"history", history_json(s.history)},
      {"run", Json::parse(run_json)},
  };
  const std::string h = header.dump();
  write_file_atomic(path, [&](const FileWriter& write) {
    uint32_t crc = 0;
    const auto bytes = [&](const void* data, size_t n) {
      const auto* p = static_cast<const char*>(data);
      crc = crc32_of(p, n, crc);
      write(std::string_view(p, n));
    };
    const auto u32 = [&](uint32_t v) { bytes(&v, sizeof v); };
    const auto u64 = [&](uint64_t v) { bytes(&v, sizeof v); };
    const auto floats = [&](std::span<const float> v) {
      u64(v.size());
      bytes(v.data(), v.size() * sizeof(float));
    };
    bytes(kMagic, sizeof kMagic);
    u32(kCheckpointVersion);
    u32(0);
    u64(h.size());
    bytes(h.data(), h.size());
    floats(view.params);
    floats(view.adam_m);
    floats(view.adam_v);
    floats(view.best_params);
    const uint32_t sum = crc;
    write(std::string_view(reinterpret_cast<const char*>(&sum), sizeof sum));
  });
}

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& c) {
  save_checkpoint(path, view_of(c.state), c.run_json);
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  const std::string name = path.string();
  const std::string bytes = read_whole_file(path, "checkpoint", std::numeric_limits<size_t>::max());
  Reader r(bytes, name);
  if (std::memcmp(r.take(sizeof kMagic, "the magic number").data(), kMagic, sizeof kMagic) != 0)
    throw Error(name + " is not an lstm-sentiment checkpoint (bad magic number)");
  const auto version = r.get<uint32_t>("the version");
  if (version == 0 || version > kCheckpointVersion)
    throw Error("checkpoint " + name + " has version " + std::to_string(version) +
                ", this build reads version " + std::to_string(kCheckpointVersion));
  r.get<uint32_t>("the reserved field");
  if (bytes.size() < r.pos() + sizeof(uint32_t))
    throw Error("checkpoint " + name + " is truncated");
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - sizeof stored, sizeof stored);
  if (crc32_of(bytes.data(), bytes.size() - sizeof stored) != stored)
    throw Error("checkpoint " + name + " is corrupted or truncated (checksum mismatch)");
  const auto json_len = r.get<uint64_t>("the header length");
  if (json_len > kMaxJsonBytes) throw Error("checkpoint " + name + ": header too large");
  Checkpoint c;
  try {
    const Json h = parse_json_limited<Json>(r.take(json_len, "the header"), "checkpoint " + name);
    TrainState& s = c.state;
    // Integers range-checked as written (get<int> would truncate 2^40 and cast 1e30 with
    // undefined behaviour).
    const std::string where = "checkpoint " + name;
    s.epoch = json_integer<int>(h, "epoch", where);
    s.adam_steps = json_integer<int64_t>(h, "adam_steps", where);
    const Json& rng = h.at("shuffle_rng");
    const Json& words = rng.at("words");
    if (!words.is_array() || words.size() != 4)
      throw Error("checkpoint " + name + ": bad random state");
    for (size_t k = 0; k < 4; ++k)
      s.shuffle_rng.words[k] = json_integer<uint64_t>(Json{{"word", words[k]}}, "word", where);
    s.shuffle_rng.spare_normal = rng.at("spare_normal").get<double>();
    s.shuffle_rng.has_spare = rng.at("has_spare").get<bool>();
    s.scheduler_json = h.at("scheduler").dump();
    s.early_stopping_json = h.at("early_stopping").dump();
    s.checkpoint_best_json = h.at("checkpoint_best").dump();
    s.history = history_from(h.at("history"));
    c.run_json = h.at("run").dump();
  } catch (const Json::exception& e) {
    throw Error("checkpoint " + name + " has a malformed header: " + e.what());
  }
  c.state.params = r.floats("the parameters");
  c.state.adam_m = r.floats("the first moments");
  c.state.adam_v = r.floats("the second moments");
  c.state.best_params = r.floats("the best parameters");
  r.get<uint32_t>("the checksum");
  if (r.pos() != bytes.size()) throw Error("checkpoint " + name + " has trailing bytes");
  if (c.state.adam_m.size() != c.state.params.size() ||
      c.state.adam_v.size() != c.state.params.size())
    throw Error("checkpoint " + name + ": optimizer state does not match the parameters");
  if (!c.state.best_params.empty() && c.state.best_params.size() != c.state.params.size())
    throw Error("checkpoint " + name + ": got " + std::to_string(c.state.best_params.size()) +
                " best weights, expected none or one per parameter (" +
                std::to_string(c.state.params.size()) + ")");
  return c;
}

}  // namespace sentiment
