// The flat parameter buffer's layout, its named views, and the inference projection tables.
#include <cmath>
#include <string>

#include "kernels/backend.h"
#include "model/model.h"

namespace sentiment {

size_t ParamView::size() const {
  size_t s = 1;
  for (size_t d : shape) s *= d;
  return s;
}

std::string Model::non_finite_tensor() const {
  for (const ParamView& v : views_)
    for (size_t i = v.offset; i < v.offset + v.size(); ++i)
      if (!std::isfinite(params_[i])) return v.name;
  return "";
}

size_t Model::parameter_count(const ModelConfig& config) {
  std::vector<ParamView> views;
  Names names;
  return layout(config, views, names);
}

std::vector<ParamView> Model::views_of(const ModelConfig& config) {
  std::vector<ParamView> views;
  Names names;
  layout(config, views, names);
  return views;
}

Model::Model(const ModelConfig& config) : config_(config) {
  params_.assign(layout(config, views_, names_), 0.0f);
}

size_t Model::layout(const ModelConfig& config, std::vector<ParamView>& views, Names& names) {
  validate_model_config(config);
  const size_t V = config.vocab_size, E = config.embedding_dim, O = config.outputs();
  size_t offset = 0;
  auto add = [&](std::string name, std::vector<size_t> shape) {
    ParamView view{std::move(name), offset, std::move(shape)};
    offset += view.size();
    views.push_back(std::move(view));
    return views.size() - 1;
  };
  add("embedding", {V, E});
  if (config.ngrams.enabled()) {
    names.ngram_table = add("ngrams", {config.ngrams.rows(V), config.ngrams.dim});
    add("ngrams.kernel", {config.ngrams.dim, O});
    add("ngrams.bias", {O});
  }
  size_t seen[3] = {0, 0, 0};  // layers of each cell so far
  for (size_t l = 0; l < config.layers.size(); ++l) {
    const RecurrentLayerConfig& layer = config.layers[l];
    const size_t H = layer.units, G = layer.gates();
    std::string name = to_string(layer.cell);
    size_t& count = seen[static_cast<size_t>(layer.cell)];
    if (count > 0) name.append("_").append(std::to_string(count));
    ++count;
    names.recurrent.emplace_back();
    for (size_t dir = 0; dir < layer.directions(); ++dir) {
      const std::string prefix =
          layer.bidirectional ? name + (dir == 0 ? ".forward" : ".backward") : name;
      names.recurrent.back().push_back(add(prefix + ".kernel", {config.layer_input_width(l), G}));
      add(prefix + ".recurrent_kernel", {H, G});
      if (layer.cell == CellType::kGru)
        add(prefix + ".bias", {2, G});
      else
        add(prefix + ".bias", {G});
    }
  }
  names.dense = add("dense.kernel", {config.features(), O});
  add("dense.bias", {O});
  return offset;
}

template <typename F>
ModelParams<F> Model::named(F* base, size_t first) const {
  // base + offset - first: the view's place in a buffer that starts at parameter `first`.
  auto at = [&](size_t view) { return base + (views_[view].offset - first); };
  ModelParams<F> p{};
  p.embedding = first == 0 ? base : nullptr;
  if (config_.ngrams.enabled()) {
    const size_t v = names_.ngram_table;
    p.ngram = {first == 0 ? at(v) : nullptr, {at(v + 1), at(v + 2)}};
  }
  for (const auto& layer : names_.recurrent) {
    p.recurrent.emplace_back();
    for (size_t v : layer) p.recurrent.back().push_back({at(v), at(v + 1), at(v + 2)});
  }
  p.dense = {at(names_.dense), at(names_.dense + 1)};
  return p;
}

ModelParams<const float> Model::weights() const {
  return named<const float>(params_.data(), 0);
}

ModelParams<float> Model::weights() {
  return named<float>(params_.data(), 0);
}

ModelParams<float> Model::dense_gradients(float* grad_dense) const {
  return named<float>(grad_dense, sparse_size());
}

size_t projection_table_floats(const ModelConfig& config) {
  const RecurrentLayerConfig& first = config.layers.at(0);
  return config.vocab_size * first.gates() * first.directions();
}

ProjectionTables input_projection_tables(const Model& model) {
  const ModelConfig& cfg = model.config();
  const size_t V = cfg.vocab_size, E = cfg.embedding_dim, G = cfg.layers[0].gates();
  const ModelParams<const float> w = model.weights();
  ProjectionTables tables;
  for (const RecurrentParams<const float>& r : w.recurrent[0]) {
    std::vector<float> table(V * G);
    // The input bias comes first in every cell's bias: projecting onto it adds it.
    kernels::backend<float>().project_inputs(table.data(), G, w.embedding, r.kernel, r.bias, V, E,
                                             G);
    tables.push_back(std::move(table));
  }
  return tables;
}

}  // namespace sentiment
