// A thin builder over an ONNX GraphProto (protobuf classes from Debian's libonnx): nodes
// with fresh tensor names, typed constants, float initializers and graph inputs/outputs.
// It knows nothing of our models; onnx_export.cc maps a model onto it.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <variant>
#include <vector>

namespace sentiment::onnx_graph {

// One node attribute: an integer, a float, a string or a list of integers.
struct Attr {
  std::string name;
  std::variant<int64_t, float, std::string, std::vector<int64_t>> value;
};

// A dimension of a graph input or output: a fixed size or a named dynamic one ("batch").
using Dim = std::variant<int64_t, std::string>;

class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto& graph) : graph_(graph) {}

  // Adds node `type`(inputs) with `outputs` fresh output names and returns them. An empty
  // input name stands for an omitted optional input.
  std::vector<std::string> node(const std::string& type, const std::vector<std::string>& inputs,
                                size_t outputs, const std::vector<Attr>& attrs = {});
  // The same for a node with one output.
  std::string op(const std::string& type, const std::vector<std::string>& inputs,
                 const std::vector<Attr>& attrs = {});

  // Constants (Constant nodes): int64 and float tensors of the given shape, scalars with {}.
  std::string int64s(const std::vector<int64_t>& values, const std::vector<int64_t>& dims);
  std::string int64_scalar(int64_t value) { return int64s({value}, {}); }
  std::string float_scalar(float value);

  // A float32 initializer `name` of shape dims holding count = prod(dims) values.
  std::string initializer(const std::string& name, const std::vector<int64_t>& dims,
                          const float* values);

  void input(const std::string& name, int32_t elem_type, std::initializer_list<Dim> dims);
  // Declares `name` a graph output, produced by an Identity of tensor `from`.
  void output(const std::string& name, const std::string& from, int32_t elem_type,
              std::initializer_list<Dim> dims);

 private:
  std::string fresh(const std::string& type);
  // Adds a Constant node of data_type with a fresh output name (set into name); returns its
  // tensor for the caller to fill.
  onnx::TensorProto* constant(std::string& name, int data_type);

  onnx::GraphProto& graph_;
  size_t next_ = 0;
};

}  // namespace sentiment::onnx_graph
