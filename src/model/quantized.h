// A quantized model's int8 weights (sentiment quantize, docs/quantize.md). The embedding and
// the n-gram table are stored per row (one scale per word or bucket), the recurrent layers'
// kernel and recurrent_kernel per output column (one scale per gate unit); biases, the dense
// layer and the n-gram head's projection stay float. Symmetric int8: w ~ q * scale with
// q in [-127, 127] and scale = max|w| / 127 over the row or column.
// The model keeps its float parameters equal to the dequantized values, so every path that
// reads floats (projection tables, the padding run, explain, export) sees exactly the
// numbers the file holds; inference runs each step's h_{t-1} U in int8 on the kept int8 U.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/int8.h"
#include "model/model.h"

namespace sentiment {

// Persisted in model files (as "rows" / "columns"): explicit values, never renumber.
enum class ScaleAxis : uint8_t { kRows = 0, kColumns = 1 };

const char* to_string(ScaleAxis axis);

// One int8 tensor: view (an index into Model::views()), shape (rows, cols) as the view's.
struct QuantizedTensor {
  size_t view = 0;
  ScaleAxis axis = ScaleAxis::kRows;
  size_t rows = 0, cols = 0;
  std::vector<int8_t> q;        // (rows, cols)
  std::vector<float> scale;     // (rows) or (cols)
  std::vector<int16_t> packed;  // recurrent kernels only: kernels::int8_pack of q

  size_t scale_count() const { return axis == ScaleAxis::kRows ? rows : cols; }
  // Bytes in a model file: the int8 values, then the float32 scales.
  size_t file_bytes() const { return rows * cols + scale_count() * sizeof(float); }
  // q and scale as the int8 kernels read them (packed must be filled).
  kernels::Int8Matrix matrix() const;
};

struct QuantizedWeights {
  std::vector<QuantizedTensor> tensors;  // in view order
};

// Which views a quantized model stores in int8, and along which axis, in view order.
struct QuantizedView {
  size_t view;
  ScaleAxis axis;
};
std::vector<QuantizedView> quantized_views(const std::vector<ParamView>& views);

// The int8 form of x (rows, cols) along axis.
QuantizedTensor quantize_tensor(const float* x, size_t rows, size_t cols, ScaleAxis axis);
// out (rows, cols) = q * scale.
void dequantize_tensor(float* out, const QuantizedTensor& t);

// The model quantized: int8 copies of quantized_views(model.views()) attached, and the float
// parameters replaced by their dequantized values. model must not be quantized already.
Model quantize_model(const Model& model);

}  // namespace sentiment
