// Model configuration: derived widths and validation.
#include "model/config.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace sentiment {

size_t ModelConfig::layer_input_width(size_t layer) const {
  return layer == 0 ? embedding_dim : layer_width(layer - 1);
}

size_t ModelConfig::layer_width(size_t layer) const {
  return layers[layer].units * layers[layer].directions();
}

size_t ModelConfig::features() const {
  return pooling_features(pooling, layer_width(layers.size() - 1));
}

bool ModelConfig::any_bidirectional() const {
  return std::any_of(layers.begin(), layers.end(),
                     [](const RecurrentLayerConfig& l) { return l.bidirectional; });
}

ModelConfig lstm_config(size_t vocab_size, size_t embedding_dim, size_t units) {
  ModelConfig c;
  c.vocab_size = vocab_size;
  c.embedding_dim = embedding_dim;
  c.layers[0].units = units;
  return c;
}

bool share_padding_applies(const ModelConfig& config, bool training) {
  if (config.mask_zero || config.pooling != Pooling::kLast) return false;
  return std::all_of(config.layers.begin(), config.layers.end(), [&](const auto& layer) {
    return layer.cell == CellType::kLstm && !layer.bidirectional &&
           !(training && (layer.dropout > 0.0f || layer.recurrent_dropout > 0.0f));
  });
}

void validate_model_config(const ModelConfig& c) {
  auto bad = [](const std::string& what) { throw Error("model: " + what); };
  const auto str = [](size_t v) { return std::to_string(v); };
  if (c.vocab_size < 4 || c.vocab_size > kMaxVocabulary)
    bad("vocab_size must be in [4, 2^26], got " + str(c.vocab_size));
  if (c.embedding_dim == 0 || c.embedding_dim > kMaxEmbeddingDim)
    bad("embedding_dim must be in [1, " + str(kMaxEmbeddingDim) + "], got " + str(c.embedding_dim));
  if (c.layers.empty() || c.layers.size() > kMaxLayers)
    bad("expected 1 to " + str(kMaxLayers) + " recurrent layers, got " + str(c.layers.size()));
  for (size_t l = 0; l < c.layers.size(); ++l) {
    const auto& layer = c.layers[l];
    const std::string name = "layer " + str(l) + ": ";
    if (static_cast<uint8_t>(layer.cell) > 2) bad(name + "unknown cell type");
    if (layer.units == 0 || layer.units > kMaxUnits)
      bad(name + "units must be in [1, " + str(kMaxUnits) + "], got " + str(layer.units));
    if (!(layer.dropout >= 0.0f && layer.dropout < 1.0f))
      bad(name + "dropout must be in [0, 1), got " + std::to_string(layer.dropout));
    if (!(layer.recurrent_dropout >= 0.0f && layer.recurrent_dropout < 1.0f))
      bad(name + "recurrent_dropout must be in [0, 1), got " +
          std::to_string(layer.recurrent_dropout));
  }
  if (static_cast<uint8_t>(c.pooling) > 3) bad("unknown pooling");
  if (!(c.dropout >= 0.0f && c.dropout < 1.0f))
    bad("dropout must be in [0, 1), got " + std::to_string(c.dropout));
  if (c.num_classes < 2 || c.num_classes > kMaxClasses)
    bad("num_classes must be in [2, " + str(kMaxClasses) + "], got " + str(c.num_classes));
  const NgramConfig& ng = c.ngrams;
  if (ng.order > kMaxNgramOrder)
    bad("ngrams.order must be in [0, " + str(kMaxNgramOrder) + "], got " + str(ng.order));
  if (ng.enabled()) {
    if (ng.dim == 0 || ng.dim > kMaxNgramDim)
      bad("ngrams.dim must be in [1, " + str(kMaxNgramDim) + "], got " + str(ng.dim));
    if (ng.order >= 2 && (ng.buckets == 0 || ng.buckets > kMaxNgramBuckets))
      bad("ngrams.buckets must be in [1, 2^26] for order " + str(ng.order) + ", got " +
          str(ng.buckets));
    if (ng.rows(c.vocab_size) * ng.dim > kMaxNgramTableFloats)
      bad("the n-gram table of " + str(ng.rows(c.vocab_size)) + " x " + str(ng.dim) +
          " floats exceeds 2^30");
  }
}

std::string describe(const ModelConfig& m) {
  std::string s = "Embedding(" + std::to_string(m.vocab_size) + ", " +
                  std::to_string(m.embedding_dim) + (m.mask_zero ? ", mask_zero" : "") + ")";
  for (const auto& l : m.layers) {
    const char* names[] = {"LSTM", "GRU", "SimpleRNN"};
    std::string layer =
        std::string(names[static_cast<int>(l.cell)]) + "(" + std::to_string(l.units);
    if (l.dropout > 0.0f) layer += ", dropout=" + std::to_string(l.dropout).substr(0, 4);
    if (l.recurrent_dropout > 0.0f)
      layer += ", recurrent_dropout=" + std::to_string(l.recurrent_dropout).substr(0, 4);
    layer += ")";
    s += " -> " + (l.bidirectional ? "Bidirectional(" + layer + ")" : layer);
  }
  if (m.pooling != Pooling::kLast) s += std::string(" -> ") + to_string(m.pooling) + " pooling";
  if (m.dropout > 0.0f) s += " -> Dropout(" + std::to_string(m.dropout).substr(0, 4) + ")";
  const std::string out = m.num_classes == 2
                              ? " -> Dense(1, sigmoid)"
                              : " -> Dense(" + std::to_string(m.num_classes) + ", softmax)";
  s += out;
  if (m.ngrams.enabled())
    s += "; averaged with NgramBag(order " + std::to_string(m.ngrams.order) + ", " +
         (m.ngrams.order >= 2 ? std::to_string(m.ngrams.buckets) + " buckets, " : "") + "dim " +
         std::to_string(m.ngrams.dim) + (m.ngrams.binary ? ", binary" : "") + ")" + out;
  return s;
}

}  // namespace sentiment
