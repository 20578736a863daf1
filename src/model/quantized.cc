// Per-row and per-column symmetric int8 quantization of a model's tables and recurrent
// weights, and attaching the result to a Model.
#include "model/quantized.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.h"
#include "kernels/rnn_int8.h"

namespace sentiment {
namespace {

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

int8_t quantize_value(float v, float inv) {
  return static_cast<int8_t>(std::clamp(std::nearbyint(v * inv), -127.0f, 127.0f));
}

}  // namespace

const char* to_string(ScaleAxis axis) {
  return axis == ScaleAxis::kRows ? "rows" : "columns";
}

kernels::Int8Matrix QuantizedTensor::matrix() const {
  return {q.data(), packed.empty() ? nullptr : packed.data(), scale.data(), rows, cols};
}

std::vector<QuantizedView> quantized_views(const std::vector<ParamView>& views) {
  std::vector<QuantizedView> out;
  for (size_t k = 0; k < views.size(); ++k) {
    const std::string& n = views[k].name;
    if (n == "embedding" || n == "ngrams")
      out.push_back({k, ScaleAxis::kRows});
    else if (ends_with(n, ".recurrent_kernel") ||
             (ends_with(n, ".kernel") && n != "dense.kernel" && n != "ngrams.kernel"))
      out.push_back({k, ScaleAxis::kColumns});
  }
  return out;
}

QuantizedTensor quantize_tensor(const float* x, size_t rows, size_t cols, ScaleAxis axis) {
  QuantizedTensor t;
  t.axis = axis;
  t.rows = rows;
  t.cols = cols;
  t.q.resize(rows * cols);
  t.scale.assign(t.scale_count(), 0.0f);
  const bool by_row = axis == ScaleAxis::kRows;
  std::vector<float> amax(t.scale_count(), 0.0f);
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      float& m = amax[by_row ? r : c];
      m = std::max(m, std::fabs(x[r * cols + c]));
    }
  std::vector<float> inv(amax.size(), 0.0f);
  for (size_t k = 0; k < amax.size(); ++k)
    if (amax[k] > 0.0f) t.scale[k] = amax[k] / 127.0f, inv[k] = 127.0f / amax[k];
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      t.q[r * cols + c] = quantize_value(x[r * cols + c], inv[by_row ? r : c]);
  return t;
}

void dequantize_tensor(float* out, const QuantizedTensor& t) {
  const bool by_row = t.axis == ScaleAxis::kRows;
  for (size_t r = 0; r < t.rows; ++r)
    for (size_t c = 0; c < t.cols; ++c)
      out[r * t.cols + c] = static_cast<float>(t.q[r * t.cols + c]) * t.scale[by_row ? r : c];
}

void Model::set_quantized(QuantizedWeights weights) {
  const std::vector<QuantizedView> expected = quantized_views(views_);
  if (weights.tensors.size() != expected.size())
    throw Error("quantized weights: got " + std::to_string(weights.tensors.size()) +
                " int8 tensors, expected " + std::to_string(expected.size()));
  for (size_t k = 0; k < expected.size(); ++k) {
    QuantizedTensor& t = weights.tensors[k];
    const ParamView& v = views_[expected[k].view];
    if (t.view != expected[k].view || t.axis != expected[k].axis || v.shape.size() != 2 ||
        t.rows != v.shape[0] || t.cols != v.shape[1] || t.q.size() != t.rows * t.cols ||
        t.scale.size() != t.scale_count())
      throw Error("quantized weights: tensor " + v.name + " does not match the architecture");
    dequantize_tensor(params_.data() + v.offset, t);
  }
  // The int8 step products read the recurrent kernels packed.
  int8_recurrent_.assign(names_.recurrent.size(), {});
  auto shared = std::make_shared<QuantizedWeights>(std::move(weights));
  for (size_t l = 0; l < names_.recurrent.size(); ++l)
    for (size_t u_view : names_.recurrent[l]) {
      auto it = std::find_if(shared->tensors.begin(), shared->tensors.end(),
                             [&](const QuantizedTensor& t) { return t.view == u_view + 1; });
      QuantizedTensor& t = *it;  // every recurrent_kernel is in quantized_views
      t.packed.resize(kernels::int8_packed_size(t.rows, t.cols));
      kernels::int8_pack(t.packed.data(), t.q.data(), t.rows, t.cols);
      int8_recurrent_[l].push_back(t.matrix());
    }
  quantized_ = std::move(shared);
  int8_default_.clear();
  for (const RecurrentLayerConfig& layer : config_.layers)
    int8_default_.push_back(kernels::cpu::int8_steps_pay(layer.cell, layer.units));
}

Model quantize_model(const Model& model) {
  if (model.quantized()) throw Error("the model is already quantized");
  Model out = model;
  QuantizedWeights w;
  for (const QuantizedView& qv : quantized_views(model.views())) {
    const ParamView& v = model.views()[qv.view];
    QuantizedTensor t =
        quantize_tensor(model.params().data() + v.offset, v.shape[0], v.shape[1], qv.axis);
    t.view = qv.view;
    w.tensors.push_back(std::move(t));
  }
  out.set_quantized(std::move(w));
  return out;
}

}  // namespace sentiment
