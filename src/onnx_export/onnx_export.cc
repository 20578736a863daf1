// The model as an ONNX graph. Every layer maps onto one standard op (Gather, LSTM, GRU,
// RNN, MatMul, Sigmoid/Softmax); the rest is the masking that makes the ONNX recurrent ops
// see what our packed batches see (layers/packed_batch.h): with mask_zero a row's non-zero
// ids, moved to the front in order, and their count as sequence_lens.
#include "onnx_export/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"
#include "core/file_util.h"
#include "onnx_export/onnx_graph.h"

namespace sentiment {
namespace {

using onnx_graph::Attr;
using onnx_graph::GraphBuilder;

constexpr int32_t kInt64 = onnx::TensorProto::INT64;
constexpr int32_t kInt32 = onnx::TensorProto::INT32;
constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

// ONNX's LSTM gate blocks are i, o, f, c; ours (Keras's) i, f, c, o: ONNX block g is our
// block kLstmKerasBlock[g]. GRU (z, r, h) and SimpleRNN (one block) need no reordering.
constexpr size_t kLstmKerasBlock[4] = {0, 3, 1, 2};

const char* onnx_op(CellType cell) {
  switch (cell) {
    case CellType::kLstm:
      return "LSTM";
    case CellType::kGru:
      return "GRU";
    case CellType::kSimpleRnn:
      return "RNN";
  }
  return "?";
}

// One layer's ONNX weights, all directions: W (D, G H, I), R (D, G H, H), B (D, 2 G H).
struct RnnWeights {
  std::vector<float> W, R, B;
};

// Appends one direction. Ours are (I, G H) and (H, G H) with gate blocks in columns; ONNX
// stores the transposes (gate rows) and two biases, input then recurrent. Our LSTM and
// SimpleRNN have one bias (the recurrent one is zero); our GRU bias already is the input
// bias then the recurrent one (reset_after = ONNX linear_before_reset = 1).
void append_direction(RnnWeights& out, CellType cell, RecurrentParams<const float> p, size_t I,
                      size_t H) {
  const size_t blocks = kernels::rnn_gate_count(cell), G = blocks * H;
  auto ours = [&](size_t g) { return cell == CellType::kLstm ? kLstmKerasBlock[g] : g; };
  for (size_t g = 0; g < blocks; ++g)
    for (size_t h = 0; h < H; ++h) {
      const size_t col = ours(g) * H + h;
      for (size_t i = 0; i < I; ++i) out.W.push_back(p.kernel[i * G + col]);
      for (size_t k = 0; k < H; ++k) out.R.push_back(p.recurrent_kernel[k * G + col]);
    }
  if (cell == CellType::kGru) {
    out.B.insert(out.B.end(), p.bias, p.bias + 2 * G);
    return;
  }
  for (size_t g = 0; g < blocks; ++g)
    out.B.insert(out.B.end(), p.bias + ours(g) * H, p.bias + (ours(g) + 1) * H);
  out.B.insert(out.B.end(), G, 0.0f);
}

// The layer names of the model file (model/params.cc): "lstm", "lstm_1", "gru", ...
std::vector<std::string> layer_names(const ModelConfig& cfg) {
  std::vector<std::string> names;
  size_t seen[3] = {0, 0, 0};
  for (const RecurrentLayerConfig& layer : cfg.layers) {
    size_t& count = seen[static_cast<size_t>(layer.cell)];
    std::string name = to_string(layer.cell);
    if (count > 0) name.append("_").append(std::to_string(count));
    ++count;
    names.push_back(name);
  }
  return names;
}

// Tensors the masked graph derives from input_ids once.
struct Mask {
  std::string ids;       // (B, T) the non-zero ids first, in order, then zeros
  std::string lengths;   // (B) int64: non-zero ids per row
  std::string seq_lens;  // (B) int32: max(lengths, 1), the recurrent ops' sequence_lens
  std::string valid;     // (B, T) bool: step t < lengths
  std::string empty;     // (B, 1) bool: rows without a single id
};

// Moves each row's non-zero ids to the front: a stable ascending sort of the key
// position + T * is_padding (TopK with k = T), then GatherElements. The recurrent ops then
// run exactly the steps our packed batches run, wherever the padding was.
Mask build_mask(GraphBuilder& g, const std::string& input_ids) {
  Mask m;
  const std::string nonpad = g.op("Not", {g.op("Equal", {input_ids, g.int64_scalar(0)})});
  const std::string nonpad_i = g.op("Cast", {nonpad}, {{"to", int64_t{kInt64}}});
  const std::string t1 = g.op("Shape", {input_ids}, {{"start", int64_t{1}}, {"end", int64_t{2}}});
  const std::string t = g.op("Squeeze", {t1, g.int64s({0}, {1})});
  const std::string positions = g.op("Range", {g.int64_scalar(0), t, g.int64_scalar(1)});
  const std::string padding = g.op("Sub", {g.int64_scalar(1), nonpad_i});
  const std::string key = g.op("Add", {positions, g.op("Mul", {padding, t})});
  const std::string order =
      g.node("TopK", {key, t1}, 2,
             {{"axis", int64_t{1}}, {"largest", int64_t{0}}, {"sorted", int64_t{1}}})[1];
  m.ids = g.op("GatherElements", {input_ids, order}, {{"axis", int64_t{1}}});
  m.lengths = g.op("ReduceSum", {nonpad_i, g.int64s({1}, {1})}, {{"keepdims", int64_t{0}}});
  m.seq_lens =
      g.op("Cast", {g.op("Max", {m.lengths, g.int64_scalar(1)})}, {{"to", int64_t{kInt32}}});
  const std::string lengths_col = g.op("Unsqueeze", {m.lengths, g.int64s({1}, {1})});
  m.valid = g.op("Less", {positions, lengths_col});
  m.empty = g.op("Equal", {lengths_col, g.int64_scalar(0)});
  return m;
}

// Pooled features (B, F) from the last layer's Y (T, D, B, H) and Y_h (D, B, H).
std::string build_pooling(GraphBuilder& g, const ModelConfig& cfg, const std::string& y,
                          const std::string& y_h, const Mask* mask) {
  if (cfg.pooling == Pooling::kLast)  // forward: the last valid step; backward: step 0
    return g.op("Reshape", {g.op("Transpose", {y_h}, {{"perm", std::vector<int64_t>{1, 0, 2}}}),
                            g.int64s({0, -1}, {2})});
  const std::string ys =
      g.op("Reshape", {g.op("Transpose", {y}, {{"perm", std::vector<int64_t>{2, 0, 1, 3}}}),
                       g.int64s({0, 0, -1}, {3})});  // (B, T, W)
  const std::vector<Attr> over_time = {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}};
  auto max = [&] {
    if (!mask) return g.op("ReduceMax", {ys}, over_time);
    const std::string valid = g.op("Unsqueeze", {mask->valid, g.int64s({2}, {1})});
    const std::string low = g.float_scalar(-std::numeric_limits<float>::infinity());
    return g.op("ReduceMax", {g.op("Where", {valid, ys, low})}, over_time);
  };
  auto mean = [&] {
    if (!mask) return g.op("ReduceMean", {ys}, over_time);
    // As ours: the sum over the valid steps times 1 / length.
    const std::string weight = g.op(
        "Unsqueeze", {g.op("Cast", {mask->valid}, {{"to", int64_t{kFloat}}}), g.int64s({2}, {1})});
    const std::string sum = g.op("ReduceSum", {g.op("Mul", {ys, weight}), g.int64s({1}, {1})},
                                 {{"keepdims", int64_t{0}}});
    const std::string len =
        g.op("Cast", {g.op("Max", {mask->lengths, g.int64_scalar(1)})}, {{"to", int64_t{kFloat}}});
    const std::string inv = g.op("Reciprocal", {g.op("Unsqueeze", {len, g.int64s({1}, {1})})});
    return g.op("Mul", {sum, inv});
  };
  switch (cfg.pooling) {
    case Pooling::kMax:
      return max();
    case Pooling::kMean:
      return mean();
    default:
      return g.op("Concat", {max(), mean()}, {{"axis", int64_t{1}}});
  }
}

// The n-gram head's logits (B, O) from ngram_ids (B, L): the mean of the table rows of the
// ids >= 0 (zero for a row without any), through its dense layer.
std::string build_ngram_head(GraphBuilder& g, const Model& model, const std::string& ngram_ids) {
  const ModelConfig& cfg = model.config();
  const auto w = model.weights();
  const int64_t D = static_cast<int64_t>(cfg.ngrams.dim), O = static_cast<int64_t>(cfg.outputs());
  const std::string table = g.initializer(
      "ngrams", {static_cast<int64_t>(cfg.ngrams.rows(cfg.vocab_size)), D}, w.ngram.table);
  const std::string kernel = g.initializer("ngrams.kernel", {D, O}, w.ngram.output.kernel);
  const std::string bias = g.initializer("ngrams.bias", {O}, w.ngram.output.bias);
  const std::string used = g.op("Cast", {g.op("GreaterOrEqual", {ngram_ids, g.int64_scalar(0)})},
                                {{"to", int64_t{kFloat}}});
  const std::string rows =
      g.op("Gather", {table, g.op("Max", {ngram_ids, g.int64_scalar(0)})});  // (B, L, D)
  const std::string masked = g.op("Mul", {rows, g.op("Unsqueeze", {used, g.int64s({2}, {1})})});
  const std::string sum =
      g.op("ReduceSum", {masked, g.int64s({1}, {1})}, {{"keepdims", int64_t{0}}});
  const std::string count =
      g.op("ReduceSum", {used, g.int64s({1}, {1})}, {{"keepdims", int64_t{1}}});
  const std::string inv = g.op("Reciprocal", {g.op("Max", {count, g.float_scalar(1.0f)})});
  const std::string bag = g.op("Mul", {sum, inv});
  return g.op("Add", {g.op("MatMul", {bag, kernel}), bias});
}

void build_graph(onnx::GraphProto& graph, const Classifier& c) {
  const Model& model = c.model();
  const ModelConfig& cfg = model.config();
  const auto w = model.weights();
  GraphBuilder g(graph);
  graph.set_name("sentiment");
  const int64_t O = static_cast<int64_t>(cfg.outputs());
  g.input("input_ids", kInt64, {std::string("batch"), std::string("sequence")});
  if (cfg.ngrams.enabled())
    g.input("ngram_ids", kInt64, {std::string("batch"), std::string("ngrams")});

  std::string ids = "input_ids";
  Mask mask;
  if (cfg.mask_zero) {
    mask = build_mask(g, ids);
    ids = mask.ids;
  }
  const std::string embedding = g.initializer(
      "embedding", {static_cast<int64_t>(cfg.vocab_size), static_cast<int64_t>(cfg.embedding_dim)},
      w.embedding);
  std::string x = g.op("Transpose", {g.op("Gather", {embedding, ids})},
                       {{"perm", std::vector<int64_t>{1, 0, 2}}});  // (T, B, E)

  const std::vector<std::string> names = layer_names(cfg);
  std::string y, y_h;
  for (size_t l = 0; l < cfg.layers.size(); ++l) {
    const RecurrentLayerConfig& layer = cfg.layers[l];
    const size_t I = cfg.layer_input_width(l), H = layer.units;
    const int64_t D = static_cast<int64_t>(layer.directions());
    const int64_t G = static_cast<int64_t>(layer.gates());
    RnnWeights rw;
    for (size_t dir = 0; dir < layer.directions(); ++dir)
      append_direction(rw, layer.cell, w.recurrent[l][dir], I, H);
    std::vector<std::string> inputs = {
        x, g.initializer(names[l] + ".W", {D, G, static_cast<int64_t>(I)}, rw.W.data()),
        g.initializer(names[l] + ".R", {D, G, static_cast<int64_t>(H)}, rw.R.data()),
        g.initializer(names[l] + ".B", {D, 2 * G}, rw.B.data())};
    if (cfg.mask_zero) inputs.push_back(mask.seq_lens);
    std::vector<Attr> attrs = {
        {"hidden_size", static_cast<int64_t>(H)},
        {"direction", std::string(layer.bidirectional ? "bidirectional" : "forward")}};
    if (layer.cell == CellType::kGru) attrs.push_back({"linear_before_reset", int64_t{1}});
    const std::vector<std::string> out = g.node(onnx_op(layer.cell), inputs, 2, attrs);
    y = out[0];  // (T, D, B, H)
    y_h = out[1];
    // The next layer reads (T, B, D H): forward columns, then backward ones.
    if (l + 1 < cfg.layers.size())
      x = g.op("Reshape", {g.op("Transpose", {y}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}),
                           g.int64s({0, 0, -1}, {3})});
  }

  std::string features = build_pooling(g, cfg, y, y_h, cfg.mask_zero ? &mask : nullptr);
  if (cfg.mask_zero)  // rows without a step have zero features, as ours
    features = g.op("Where", {mask.empty, g.float_scalar(0.0f), features});
  const std::string kernel =
      g.initializer("dense.kernel", {static_cast<int64_t>(cfg.features()), O}, w.dense.kernel);
  const std::string bias = g.initializer("dense.bias", {O}, w.dense.bias);
  std::string logits = g.op("Add", {g.op("MatMul", {features, kernel}), bias});
  if (cfg.ngrams.enabled()) {
    const std::string ngram = build_ngram_head(g, model, "ngram_ids");
    logits = g.op("Mul", {g.op("Add", {logits, ngram}), g.float_scalar(0.5f)});
  }
  const std::string probabilities =
      O == 1 ? g.op("Sigmoid", {logits}) : g.op("Softmax", {logits}, {{"axis", int64_t{-1}}});
  g.output("logits", logits, kFloat, {std::string("batch"), O});
  g.output("probabilities", probabilities, kFloat, {std::string("batch"), O});
}

void set_metadata(onnx::ModelProto& m, const Classifier& c) {
  auto add = [&m](const std::string& key, const std::string& value) {
    onnx::StringStringEntryProto* p = m.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  };
  add("labels", nlohmann::json(c.labels()).dump());
  add("maxlen", std::to_string(c.preprocessing().maxlen));
  add("num_words", std::to_string(c.vocabulary().num_words()));
  add("mask_zero", c.model().config().mask_zero ? "true" : "false");
}

// Runs ONNX's checker and strict type and shape inference on m.
void check_model_proto(onnx::ModelProto& m) {
  try {
    onnx::checker::check_model(m);
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1));
  } catch (const std::exception& e) {
    throw Error(std::string("the ONNX graph fails ONNX's checker: ") + e.what());
  }
}

}  // namespace

void check_onnx_exportable(const ModelConfig& config) {
  const size_t weight_bytes = Model::parameter_count(config) * sizeof(float);
  if (weight_bytes > kMaxOnnxBytes)
    throw Error("the model cannot be exported to ONNX: its weights take " +
                std::to_string(weight_bytes) + " bytes, expected at most " +
                std::to_string(kMaxOnnxBytes) + " (a protobuf file holds less than 2 GiB)");
}

std::string to_onnx(const Classifier& c) {
  check_onnx_exportable(c.model().config());
  onnx::ModelProto m;
  m.set_ir_version(onnx::IR_VERSION);
  m.set_producer_name("lstm-sentiment");
  m.set_doc_string(
      "Text classifier: input_ids (batch, sequence) int64 token ids as in the .tokenizer.json "
      "beside this file; outputs logits and probabilities (batch, outputs).");
  onnx::OperatorSetIdProto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  set_metadata(m, c);
  build_graph(*m.mutable_graph(), c);
  check_model_proto(m);
  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw Error("the ONNX model could not be serialised");
  return bytes;
}

void export_onnx(const std::filesystem::path& path, const Classifier& classifier) {
  write_file_atomic(path, to_onnx(classifier));
}

void check_onnx(const std::string& bytes) {
  onnx::ModelProto m;
  if (!m.ParseFromString(bytes)) throw Error("not an ONNX model (the protobuf does not parse)");
  check_model_proto(m);
}

}  // namespace sentiment
