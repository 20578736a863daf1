// Quantized models (model/quantized.h) in model files: quantize -> save -> load round-trips
// byte for byte and prediction for prediction; predictions stay within a stated tolerance of
// the float model's and come from the int8 step products; float files keep version 2;
// malformed int8 sections are refused with errors naming the field.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_util.h"
#include "expect_load_error.h"
#include "io/model_file.h"
#include "kernels/rnn_int8.h"
#include "model/quantized.h"

namespace sentiment {
namespace {

using Json = nlohmann::ordered_json;

const data::Vocabulary& vocab() {
  static const data::Vocabulary v =
      data::Vocabulary::from_ranked({"the", "film", "great", "awful", "was", "a", "plot", "acting",
                                     "fun", "bad", "and", "moving", "dull", "story", "not"},
                                    40);
  return v;
}

// A model of the given layers with Keras-like weights (small, so gates are not saturated,
// as in a trained model) and an optional bigram head.
Classifier make(CellType cell, size_t layers, bool bi, bool ngrams, uint64_t seed) {
  ModelConfig cfg;
  cfg.vocab_size = 40;
  cfg.embedding_dim = 12;
  cfg.layers.assign(layers, RecurrentLayerConfig{cell, 16, bi, 0.0f, 0.0f});
  if (ngrams) {
    cfg.ngrams.order = 2;
    cfg.ngrams.buckets = 64;
    cfg.ngrams.dim = 8;
  }
  Model m(cfg);
  Rng rng(seed);
  for (auto& p : m.params()) p = static_cast<float>(rng.uniform(-0.35, 0.35));
  Preprocessing pre;
  pre.maxlen = 24;
  return Classifier(std::move(m), vocab(), pre);
}

Classifier quantized(const Classifier& c) {
  Classifier q(quantize_model(c.model()), c.vocabulary(), c.preprocessing(), c.labels());
  q.training_json = c.training_json;
  q.metrics_json = c.metrics_json;
  q.set_int8_steps(true);  // whatever this CPU's default, test the int8 path
  return q;
}

const std::vector<std::string> kTexts = {
    "the film was great fun and moving", "awful acting, bad plot, dull story", "a film",
    "not great, not awful: the story was a film and the acting was a plot",
    "the the the great great fun fun bad bad bad dull moving story acting plot was not a film "
    "and the plot was great and the acting was bad and the story was fun"};

std::vector<float> predict_all(const Classifier& c, size_t threads = 1) {
  std::vector<std::string_view> v(kTexts.begin(), kTexts.end());
  ThreadPool pool(threads);
  return c.predict(v, pool);
}

// The tolerance on probabilities between a float model and its int8 form on these texts:
// the weights move by at most half a quantization step and h_{t-1} is rounded to 8 bits at
// every step, which moves these small models' probabilities by well under 1e-2.
constexpr float kProbabilityTolerance = 0.02f;

struct Case {
  const char* name;
  CellType cell;
  size_t layers;
  bool bi, ngrams;
};
const Case kCases[] = {{"lstm", CellType::kLstm, 1, false, false},
                       {"lstm-stacked", CellType::kLstm, 2, false, false},
                       {"bigru-bigrams", CellType::kGru, 1, true, true},
                       {"simple-rnn-stacked-bi", CellType::kSimpleRnn, 2, true, false}};

TEST(QuantizedModel, PredictionsFollowTheFloatModelThroughTheInt8Path) {
  for (const Case& k : kCases) {
    SCOPED_TRACE(k.name);
    const Classifier f = make(k.cell, k.layers, k.bi, k.ngrams, 3);
    const Classifier q = quantized(f);
    // The same dequantized weights without the int8 tensors: the float step products.
    Model plain(q.model().config());
    std::copy(q.model().params().begin(), q.model().params().end(), plain.params().begin());
    const Classifier dq(std::move(plain), vocab(), f.preprocessing());
    const std::vector<float> pf = predict_all(f), pq = predict_all(q), pd = predict_all(dq);
    ASSERT_EQ(pf.size(), pq.size());
    bool differs = false;
    for (size_t i = 0; i < pf.size(); ++i) {
      EXPECT_NEAR(pq[i], pf[i], kProbabilityTolerance) << kTexts[i];
      EXPECT_NEAR(pq[i], pd[i], kProbabilityTolerance) << kTexts[i];
      differs = differs || pq[i] != pd[i];
    }
    EXPECT_TRUE(differs) << "the quantized model predicted exactly as float step products do";
    // One loaded model, several threads: the same answers as one thread.
    EXPECT_EQ(predict_all(q, 3), pq);
  }
}

TEST(QuantizedModel, WeightsAreDequantizedWithinHalfAStep) {
  const Classifier f = make(CellType::kGru, 1, true, true, 4);
  const Model q = quantize_model(f.model());
  ASSERT_NE(q.quantized(), nullptr);
  const auto qv = quantized_views(q.views());
  ASSERT_EQ(qv.size(), q.quantized()->tensors.size());
  std::vector<std::string> names;
  for (size_t k = 0; k < qv.size(); ++k) {
    const QuantizedTensor& t = q.quantized()->tensors[k];
    const ParamView& v = q.views()[t.view];
    names.push_back(v.name + ":" + to_string(t.axis));
    for (size_t r = 0; r < t.rows; ++r)
      for (size_t c = 0; c < t.cols; ++c) {
        const size_t i = v.offset + r * t.cols + c;
        const float s = t.scale[t.axis == ScaleAxis::kRows ? r : c];
        EXPECT_LE(std::fabs(q.params()[i] - f.model().params()[i]), 0.5f * s + 1e-7f) << v.name;
        EXPECT_EQ(q.params()[i], static_cast<float>(t.q[r * t.cols + c]) * s);
      }
  }
  const std::vector<std::string> want = {"embedding:rows",
                                         "ngrams:rows",
                                         "gru.forward.kernel:columns",
                                         "gru.forward.recurrent_kernel:columns",
                                         "gru.backward.kernel:columns",
                                         "gru.backward.recurrent_kernel:columns"};
  EXPECT_EQ(names, want);
  EXPECT_THROW(quantize_model(q), Error);
}

TEST(QuantizedModel, FileRoundTripsByteForByteAndIsSmaller) {
  for (const Case& k : kCases) {
    SCOPED_TRACE(k.name);
    const Classifier f = make(k.cell, k.layers, k.bi, k.ngrams, 5);
    const Classifier q = quantized(f);
    const std::string fbytes = serialize_model(f), qbytes = serialize_model(q);
    Classifier back = deserialize_model(qbytes, "q.model");
    ASSERT_NE(back.model().quantized(), nullptr);
    EXPECT_EQ(back.model().int8_steps(), kernels::cpu::int8_steps_pay(k.cell, 16));
    back.set_int8_steps(true);
    EXPECT_EQ(serialize_model(back), qbytes);
    EXPECT_EQ(predict_all(back), predict_all(q));
    EXPECT_LT(qbytes.size(), fbytes.size());
    uint32_t fv, qv;
    std::memcpy(&fv, fbytes.data() + 8, 4);
    std::memcpy(&qv, qbytes.data() + 8, 4);
    EXPECT_EQ(fv, kFloatModelFormatVersion);
    EXPECT_EQ(qv, kModelFormatVersion);
    // A float model saved after loading stays a float file.
    EXPECT_EQ(deserialize_model(fbytes, "f.model").model().quantized(), nullptr);
  }
}

TEST(QuantizedModel, EmbeddingDominatesSoTheFileIsAboutFourTimesSmaller) {
  ModelConfig cfg = lstm_config(5000, 32, 16);
  Model m(cfg);
  Rng rng(1);
  m.initialize(rng);
  Preprocessing pre;
  const Classifier f(std::move(m), vocab(), pre);
  const size_t fb = serialize_model(f).size(), qb = serialize_model(quantized(f)).size();
  EXPECT_GT(static_cast<double>(fb) / static_cast<double>(qb), 3.5);
}

// The parts of a serialized file, and the file made again from them with a valid checksum.
struct Parts {
  Json header;
  std::string vocab;    // with its length
  std::string weights;  // without its length
};

Parts split(const std::string& b) {
  uint64_t hl, vl, wl;
  std::memcpy(&hl, b.data() + 16, 8);
  size_t at = 24 + hl;
  std::memcpy(&vl, b.data() + at, 8);
  Parts p{Json::parse(b.substr(24, hl)), b.substr(at, 8 + vl), {}};
  at += 8 + vl;
  std::memcpy(&wl, b.data() + at, 8);
  p.weights = b.substr(at + 8, wl);
  return p;
}

std::string join(const Parts& p, uint32_t version = kModelFormatVersion) {
  std::string out(kModelMagic, sizeof kModelMagic);
  const std::string h = p.header.dump(1);
  const uint32_t reserved = 0;
  const uint64_t hl = h.size(), wl = p.weights.size();
  out.append(reinterpret_cast<const char*>(&version), 4);
  out.append(reinterpret_cast<const char*>(&reserved), 4);
  out.append(reinterpret_cast<const char*>(&hl), 8);
  out += h;
  out += p.vocab;
  out.append(reinterpret_cast<const char*>(&wl), 8);
  out += p.weights;
  const uint32_t crc = crc32_of(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(&crc), 4);
  return out;
}

std::string quantized_file() {
  return serialize_model(quantized(make(CellType::kLstm, 1, false, false, 9)));
}

using testing::expect_load_error_naming;

// Offset in the weights block of tensor `name`'s first value, and its table entry.
const Json& entry(const Parts& p, const std::string& name) {
  for (const Json& t : p.header.at("tensors"))
    if (t.at("name") == name) return t;
  throw std::runtime_error("no tensor " + name);
}

TEST(QuantizedModelFile, TheCleanFileLoads) {
  const Parts p = split(quantized_file());
  EXPECT_NO_THROW(deserialize_model(join(p), "crafted.model"));
  EXPECT_EQ(entry(p, "lstm.recurrent_kernel").at("dtype"), "int8");
  EXPECT_EQ(entry(p, "lstm.recurrent_kernel").at("scales"), "columns");
  EXPECT_EQ(entry(p, "embedding").at("scales"), "rows");
  EXPECT_FALSE(entry(p, "lstm.bias").contains("dtype"));
}

TEST(QuantizedModelFile, MinusOneTwentyEightIsRefused) {
  Parts p = split(quantized_file());
  p.weights[entry(p, "lstm.recurrent_kernel").at("offset").get<size_t>() + 5] =
      static_cast<char>(-128);
  expect_load_error_naming(join(p),
                           {"crafted.model", "lstm.recurrent_kernel", "-128", "[-127, 127]"});
}

TEST(QuantizedModelFile, BadScalesAreRefusedNamingTheTensor) {
  for (float bad :
       {-1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    Parts p = split(quantized_file());
    const Json& e = entry(p, "embedding");
    const size_t at = e.at("offset").get<size_t>() + 40 * 12 + 3 * sizeof(float);  // row 3
    std::memcpy(p.weights.data() + at, &bad, sizeof bad);
    expect_load_error_naming(join(p), {"int8 tensor embedding", "row 3", "finite value >= 0"});
  }
}

TEST(QuantizedModelFile, OverflowingScaleIsRefusedAsNonFinite) {
  Parts p = split(quantized_file());
  const float huge = std::numeric_limits<float>::max();
  const size_t at = entry(p, "lstm.kernel").at("offset").get<size_t>() + 12 * 64;  // column 0
  std::memcpy(p.weights.data() + at, &huge, sizeof huge);
  expect_load_error_naming(join(p), {"parameter lstm.kernel", "non-finite"});
}

TEST(QuantizedModelFile, TableAndLengthMustMatchTheInt8Layout) {
  {
    Parts p = split(quantized_file());
    p.weights.pop_back();
    expect_load_error_naming(join(p), {"bytes of weights", "int8 architecture"});
  }
  {
    Parts p = split(quantized_file());
    for (Json& t : p.header["tensors"])
      if (t["name"] == "lstm.kernel") t["scales"] = "rows";
    expect_load_error_naming(join(p), {"tensor 'lstm.kernel'", "int8 with scales per columns"});
  }
  {
    Parts p = split(quantized_file());
    for (Json& t : p.header["tensors"])
      if (t["name"] == "lstm.recurrent_kernel") t.erase("dtype");
    expect_load_error_naming(join(p), {"tensor 'lstm.recurrent_kernel'"});
  }
}

TEST(QuantizedModelFile, SchemeAndVersionAreChecked) {
  {
    Parts p = split(quantized_file());
    p.header["quantization"]["scheme"] = "int4";
    expect_load_error_naming(join(p), {"quantization is", "int4", kQuantizationScheme});
  }
  {
    const Parts p = split(quantized_file());
    expect_load_error_naming(join(p, 2), {"format version 2", "int8 weights", "format version 3"});
  }
  {
    const Parts p = split(quantized_file());
    expect_load_error_naming(join(p, 4), {"format version 4", "upgrade"});
  }
}

}  // namespace
}  // namespace sentiment
