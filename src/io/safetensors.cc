// safetensors writer: header padded with spaces to a multiple of 8 bytes, tensors in the
// model's flat order, F32 little-endian.
#include "io/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/file_util.h"

namespace sentiment {

std::string to_safetensors(const Classifier& c) {
  const Model& m = c.model();
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "lstm-sentiment"},
                            {"layout", "keras"},
                            {"lstm_gate_order", "i,f,c,o"},
                            {"maxlen", std::to_string(c.preprocessing().maxlen)},
                            {"num_words", std::to_string(c.vocabulary().num_words())}};
  for (const auto& v : m.views()) {
    const size_t begin = v.offset * sizeof(float), end = (v.offset + v.size()) * sizeof(float);
    header[v.name] = {{"dtype", "F32"}, {"shape", v.shape}, {"data_offsets", {begin, end}}};
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out;
  const uint64_t len = h.size();
  char buf[8];
  for (int k = 0; k < 8; ++k) buf[k] = static_cast<char>((len >> (8 * k)) & 0xff);
  out.append(buf, 8);
  out += h;
  const auto params = m.params();
  out.append(reinterpret_cast<const char*>(params.data()), params.size_bytes());
  return out;
}

void export_safetensors(const std::filesystem::path& path, const Classifier& c) {
  write_file_atomic(path, to_safetensors(c));
}

}  // namespace sentiment
