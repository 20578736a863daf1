// GraphBuilder: names are the op type in lower case and a running number ("gather_3"),
// so the graph reads in the order it was built.
#include "onnx_export/onnx_graph.h"

#include <cctype>
#include <cstring>
#include <type_traits>

namespace sentiment::onnx_graph {
namespace {

void set_attr(onnx::AttributeProto& a, const Attr& attr) {
  a.set_name(attr.name);
  std::visit(
      [&a](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          a.set_type(onnx::AttributeProto::INT);
          a.set_i(v);
        } else if constexpr (std::is_same_v<T, float>) {
          a.set_type(onnx::AttributeProto::FLOAT);
          a.set_f(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          a.set_type(onnx::AttributeProto::STRING);
          a.set_s(v);
        } else {
          a.set_type(onnx::AttributeProto::INTS);
          for (int64_t x : v) a.add_ints(x);
        }
      },
      attr.value);
}

void set_type(onnx::ValueInfoProto& info, int32_t elem_type, std::initializer_list<Dim> dims) {
  onnx::TypeProto_Tensor* t = info.mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  onnx::TensorShapeProto* shape = t->mutable_shape();
  for (const Dim& d : dims) {
    onnx::TensorShapeProto_Dimension* dim = shape->add_dim();
    if (const auto* size = std::get_if<int64_t>(&d))
      dim->set_dim_value(*size);
    else
      dim->set_dim_param(std::get<std::string>(d));
  }
}

}  // namespace

std::string GraphBuilder::fresh(const std::string& type) {
  std::string name;
  for (char c : type)
    name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return name + "_" + std::to_string(next_++);
}

std::vector<std::string> GraphBuilder::node(const std::string& type,
                                            const std::vector<std::string>& inputs, size_t outputs,
                                            const std::vector<Attr>& attrs) {
  onnx::NodeProto* n = graph_.add_node();
  const std::string name = fresh(type);
  n->set_name(name);
  n->set_op_type(type);
  for (const std::string& in : inputs) n->add_input(in);
  std::vector<std::string> out;
  for (size_t k = 0; k < outputs; ++k) {
    out.push_back(outputs == 1 ? name : name + "." + std::to_string(k));
    n->add_output(out.back());
  }
  for (const Attr& attr : attrs) set_attr(*n->add_attribute(), attr);
  return out;
}

std::string GraphBuilder::op(const std::string& type, const std::vector<std::string>& inputs,
                             const std::vector<Attr>& attrs) {
  return node(type, inputs, 1, attrs)[0];
}

onnx::TensorProto* GraphBuilder::constant(std::string& name, int data_type) {
  onnx::NodeProto* n = graph_.add_node();
  name = fresh("const");
  n->set_name(name);
  n->set_op_type("Constant");
  n->add_output(name);
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  onnx::TensorProto* t = a->mutable_t();
  t->set_data_type(data_type);
  return t;
}

std::string GraphBuilder::int64s(const std::vector<int64_t>& values,
                                 const std::vector<int64_t>& dims) {
  std::string name;
  onnx::TensorProto* t = constant(name, onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
  return name;
}

std::string GraphBuilder::float_scalar(float value) {
  std::string name;
  constant(name, onnx::TensorProto::FLOAT)->add_float_data(value);
  return name;
}

std::string GraphBuilder::initializer(const std::string& name, const std::vector<int64_t>& dims,
                                      const float* values) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  size_t count = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    count *= static_cast<size_t>(d);
  }
  // raw_data is little-endian float32, the layout of our buffers on every target we build.
  std::string* raw = t->mutable_raw_data();
  raw->resize(count * sizeof(float));
  if (count > 0) std::memcpy(raw->data(), values, count * sizeof(float));
  return name;
}

void GraphBuilder::input(const std::string& name, int32_t elem_type,
                         std::initializer_list<Dim> dims) {
  set_type(*graph_.add_input(), elem_type, dims);
  graph_.mutable_input(graph_.input_size() - 1)->set_name(name);
}

void GraphBuilder::output(const std::string& name, const std::string& from, int32_t elem_type,
                          std::initializer_list<Dim> dims) {
  onnx::NodeProto* n = graph_.add_node();
  n->set_name(fresh("identity"));
  n->set_op_type("Identity");
  n->add_input(from);
  n->add_output(name);
  onnx::ValueInfoProto* info = graph_.add_output();
  info->set_name(name);
  set_type(*info, elem_type, dims);
}

}  // namespace sentiment::onnx_graph
