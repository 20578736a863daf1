// Model files: save -> load gives bit-identical predictions; corrupted, truncated, foreign
// and newer-version files are refused with errors that say what is wrong; saving never
// leaves a partial file; safetensors export has the documented layout.
#include <gtest/gtest.h>

#include <zlib.h>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_util.h"
#include "expect_load_error.h"
#include "io/model_file.h"
#include "io/safetensors.h"

namespace sentiment {
namespace {

namespace fs = std::filesystem;

Classifier small_classifier(uint64_t seed) {
  Model model(lstm_config(20, 4, 6));
  Rng rng(seed);
  model.initialize(rng);
  for (auto& p : model.params()) p = static_cast<float>(rng.uniform(-0.5, 0.5));
  auto vocab = data::Vocabulary::from_ranked(
      {"the", "film", "great", "awful", "was", "a", "plot", "acting", "fun", "bad"}, 20);
  Preprocessing pre;
  pre.maxlen = 7;
  Classifier c(std::move(model), std::move(vocab), pre);
  c.training_json = R"({"epochs": 3})";
  c.metrics_json = R"({"val_accuracy": 0.75})";
  return c;
}

const std::vector<std::string> kTexts = {"the film was great fun", "awful acting, bad plot",
                                         "a film", "unknown words only here"};

std::vector<float> predict_all(const Classifier& c) {
  std::vector<std::string_view> v(kTexts.begin(), kTexts.end());
  ThreadPool pool(1);
  return c.predict(v, pool);
}

void expect_load_error(const std::string& bytes, const std::string& words) {
  try {
    deserialize_model(bytes, "test.model");
    FAIL() << "expected an error mentioning '" << words << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(ModelFile, RoundTripGivesBitIdenticalPredictions) {
  const Classifier c = small_classifier(1);
  const fs::path path = fs::temp_directory_path() / "sentiment-roundtrip.model";
  save_model(path, c);
  const Classifier back = load_model(path);
  EXPECT_EQ(predict_all(back), predict_all(c));
  EXPECT_TRUE(std::equal(c.model().params().begin(), c.model().params().end(),
                         back.model().params().begin()));
  EXPECT_EQ(back.vocabulary().words(), c.vocabulary().words());
  EXPECT_EQ(back.vocabulary().num_words(), 20);
  EXPECT_EQ(back.preprocessing().maxlen, 7u);
  EXPECT_EQ(back.labels(), c.labels());
  EXPECT_EQ(nlohmann::json::parse(back.training_json)["epochs"], 3);
  EXPECT_EQ(nlohmann::json::parse(back.metrics_json)["val_accuracy"], 0.75);
  fs::remove(path);
}

// Any layer stack round-trips: architecture, class names and weights.
TEST(ModelFile, StackedBidirectionalMultiClassModelRoundTrips) {
  ModelConfig cfg = lstm_config(20, 4, 6);
  cfg.mask_zero = true;
  cfg.layers = {{CellType::kGru, 5, true, 0.2f, 0.1f},
                {CellType::kSimpleRnn, 3, false, 0.0f, 0.0f}};
  cfg.pooling = Pooling::kMaxMean;
  cfg.dropout = 0.5f;
  cfg.num_classes = 3;
  cfg.ngrams = {2, 13, 3};
  Model model(cfg);
  Rng rng(4);
  for (auto& p : model.params()) p = static_cast<float>(rng.uniform(-0.5, 0.5));
  Preprocessing pre;
  pre.maxlen = 9;
  const Classifier c(std::move(model),
                     data::Vocabulary::from_ranked({"the", "film", "great", "awful"}, 20), pre,
                     {"bad", "good", "neutral"});
  const Classifier back = deserialize_model(serialize_model(c), "multi.model");
  EXPECT_EQ(back.labels(), c.labels());
  EXPECT_EQ(back.model().views().size(), c.model().views().size());
  EXPECT_TRUE(back.model().config().mask_zero);
  EXPECT_EQ(back.model().config().layers[0].cell, CellType::kGru);
  EXPECT_TRUE(back.model().config().layers[0].bidirectional);
  EXPECT_EQ(back.model().config().layers[1].units, 3u);
  EXPECT_EQ(back.model().config().pooling, Pooling::kMaxMean);
  EXPECT_EQ(back.model().config().ngrams.order, 2u);
  EXPECT_EQ(back.model().config().ngrams.buckets, 13u);
  EXPECT_EQ(back.model().views()[1].name, "ngrams");
  EXPECT_TRUE(std::equal(c.model().params().begin(), c.model().params().end(),
                         back.model().params().begin()));
  std::vector<std::string_view> v(kTexts.begin(), kTexts.end());
  ThreadPool pool(1);
  const std::vector<float> p = back.predict_proba(v, pool);
  EXPECT_EQ(p, c.predict_proba(v, pool));
  ASSERT_EQ(p.size(), kTexts.size() * 3);
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0f, 1e-6);
  EXPECT_THROW(back.predict(v, pool), Error);  // binary-only API on a 3-class model
}

// Files written by format version 1 (the recipe's single LSTM, "units" in the
// architecture) still load, with the same predictions.
TEST(ModelFile, ReadsFormatVersion1) {
  const Classifier c = small_classifier(6);
  std::string bytes = serialize_model(c);
  uint64_t len;
  std::memcpy(&len, bytes.data() + 16, 8);
  nlohmann::json header = nlohmann::json::parse(bytes.substr(24, len));
  header["format_version"] = 1;
  header["architecture"] = {
      {"type", "embedding-lstm-dense"}, {"vocab_size", 20},   {"embedding_dim", 4}, {"units", 6},
      {"lstm_gate_order", "i,f,c,o"},   {"output", "sigmoid"}};
  const std::string h = header.dump(1);
  std::string v1 = bytes.substr(0, 8);
  const uint32_t version = 1, reserved = 0;
  const uint64_t hlen = h.size();
  v1.append(reinterpret_cast<const char*>(&version), 4);
  v1.append(reinterpret_cast<const char*>(&reserved), 4);
  v1.append(reinterpret_cast<const char*>(&hlen), 8);
  v1 += h;
  v1 += bytes.substr(24 + len, bytes.size() - 4 - (24 + len));
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(v1.data()), static_cast<uInt>(v1.size()));
  const auto crc32v = static_cast<uint32_t>(crc);
  v1.append(reinterpret_cast<const char*>(&crc32v), 4);
  const Classifier back = deserialize_model(v1, "v1.model");
  EXPECT_EQ(predict_all(back), predict_all(c));
  EXPECT_EQ(back.model().config().layers.size(), 1u);
  EXPECT_EQ(back.model().config().layers[0].units, 6u);
}

TEST(ModelFile, PostPaddingIsPreserved) {
  Classifier c = small_classifier(2);
  Preprocessing pre;
  pre.maxlen = 3;
  pre.padding = data::PadMode::kPost;
  pre.truncating = data::PadMode::kPost;
  Classifier d(c.model(), c.vocabulary(), pre);
  const Classifier back = deserialize_model(serialize_model(d), "x");
  EXPECT_EQ(back.preprocessing().padding, data::PadMode::kPost);
  EXPECT_EQ(back.preprocessing().truncating, data::PadMode::kPost);
  EXPECT_EQ(predict_all(back), predict_all(d));
}

TEST(ModelFile, CorruptionAnywhereIsDetected) {
  const std::string good = serialize_model(small_classifier(3));
  for (size_t at : {size_t{20}, size_t{100}, good.size() / 2, good.size() - 10}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    expect_load_error(bad, "checksum");
  }
}

TEST(ModelFile, TruncationIsDetected) {
  const std::string good = serialize_model(small_classifier(4));
  for (size_t len :
       {size_t{0}, size_t{5}, size_t{12}, size_t{30}, good.size() / 2, good.size() - 1}) {
    try {
      deserialize_model(good.substr(0, len), "cut.model");
      FAIL() << "truncated to " << len << " bytes was accepted";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_TRUE(msg.find("truncated") != std::string::npos ||
                  msg.find("checksum") != std::string::npos)
          << msg;
    }
  }
}

TEST(ModelFile, NewerVersionNamesBothVersions) {
  std::string bytes = serialize_model(small_classifier(5));
  const uint32_t v = kModelFormatVersion + 1;
  std::memcpy(bytes.data() + 8, &v, sizeof v);
  try {
    deserialize_model(bytes, "new.model");
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("version " + std::to_string(v)), std::string::npos) << msg;
    EXPECT_NE(msg.find("version " + std::to_string(kModelFormatVersion)), std::string::npos) << msg;
  }
}

TEST(ModelFile, ForeignFileIsRejected) {
  expect_load_error("PK\x03\x04 this is a zip file, not a model at all", "magic");
  EXPECT_THROW(load_model("/no/such/file.model"), Error);
}

TEST(ModelFile, FailedSaveKeepsTheOldFile) {
  const fs::path dir = fs::temp_directory_path() / "sentiment-atomic";
  fs::create_directories(dir);
  const fs::path path = dir / "keep.model";
  const Classifier c = small_classifier(6);
  save_model(path, c);
  const auto before = fs::file_size(path);
  // A directory in the way of the temporary file makes the write fail.
  fs::create_directories(dir / ("keep.model.tmp." + std::to_string(::getpid())));
  EXPECT_THROW(save_model(path, small_classifier(7)), Error);
  EXPECT_EQ(fs::file_size(path), before);
  EXPECT_EQ(predict_all(load_model(path)), predict_all(c));
  fs::remove_all(dir);
}

TEST(Safetensors, HeaderDescribesEveryTensor) {
  const Classifier c = small_classifier(8);
  const std::string st = to_safetensors(c);
  uint64_t len = 0;
  for (int k = 7; k >= 0; --k) len = (len << 8) | static_cast<unsigned char>(st[k]);
  ASSERT_EQ(len % 8, 0u);
  const auto header = nlohmann::json::parse(st.substr(8, len));
  EXPECT_EQ(header["__metadata__"]["lstm_gate_order"], "i,f,c,o");
  const auto& kernel = header["lstm.recurrent_kernel"];
  EXPECT_EQ(kernel["dtype"], "F32");
  EXPECT_EQ(kernel["shape"], nlohmann::json({6, 24}));
  const size_t begin = kernel["data_offsets"][0], end = kernel["data_offsets"][1];
  ASSERT_EQ(end - begin, 6u * 24 * sizeof(float));
  std::vector<float> values(6 * 24);
  std::memcpy(values.data(), st.data() + 8 + len + begin, end - begin);
  EXPECT_TRUE(std::equal(values.begin(), values.end(),
                         c.model().weights().recurrent[0][0].recurrent_kernel));
  EXPECT_EQ(st.size(), 8 + len + c.model().params().size_bytes());
}

// A model file as its parts: the header JSON and everything between it and the checksum.
struct FileParts {
  std::string header;
  std::string rest;  // vocabulary and weights, with their lengths
};

FileParts split_file(const std::string& bytes) {
  uint64_t len;
  std::memcpy(&len, bytes.data() + 16, 8);
  return {bytes.substr(24, len), bytes.substr(24 + len, bytes.size() - 4 - (24 + len))};
}

// The file made from parts with a valid checksum: what a hand-edited or crafted file looks
// like to the reader, which must then check every field itself.
std::string join_file(const FileParts& parts) {
  std::string out(kModelMagic, sizeof kModelMagic);
  const uint32_t version = kModelFormatVersion, reserved = 0;
  const uint64_t len = parts.header.size();
  out.append(reinterpret_cast<const char*>(&version), 4);
  out.append(reinterpret_cast<const char*>(&reserved), 4);
  out.append(reinterpret_cast<const char*>(&len), 8);
  out += parts.header;
  out += parts.rest;
  const uint32_t crc = crc32_of(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(&crc), 4);
  return out;
}

std::string with_header(const std::function<void(nlohmann::ordered_json&)>& edit) {
  FileParts parts = split_file(serialize_model(small_classifier(10)));
  auto header = nlohmann::ordered_json::parse(parts.header);
  edit(header);
  parts.header = header.dump(1);
  return join_file(parts);
}

using testing::expect_load_error_naming;

TEST(ModelFileLimits, HugeMaxlenNamesFieldValueAndLimit) {
  expect_load_error_naming(
      with_header([](auto& h) { h["preprocessing"]["maxlen"] = 10000000; }),
      {"crafted.model", "preprocessing.maxlen", "10000000", std::to_string(kMaxSequenceLength)});
}

TEST(ModelFileLimits, NegativeMaxlenIsShownAsWritten) {
  expect_load_error_naming(with_header([](auto& h) { h["preprocessing"]["maxlen"] = -5; }),
                           {"preprocessing.maxlen", "is -5", "[1, 100000]"});
  expect_load_error_naming(with_header([](auto& h) { h["preprocessing"]["maxlen"] = 0; }),
                           {"preprocessing.maxlen", "is 0", "[1, 100000]"});
}

TEST(ModelFileLimits, HugeNumWordsIsNotTruncated) {
  expect_load_error_naming(
      with_header([](auto& h) { h["preprocessing"]["num_words"] = uint64_t{1} << 40; }),
      {"preprocessing.num_words", "1099511627776", std::to_string(kMaxVocabulary)});
  expect_load_error_naming(with_header([](auto& h) { h["preprocessing"]["num_words"] = 2.5; }),
                           {"preprocessing.num_words", "2.5"});
}

TEST(ModelFileLimits, ArchitectureSizesAreRangeChecked) {
  expect_load_error_naming(with_header([](auto& h) { h["architecture"]["vocab_size"] = -5; }),
                           {"vocab_size", "-5"});
  expect_load_error_naming(
      with_header([](auto& h) { h["architecture"]["layers"][0]["units"] = 1e30; }),
      {"units", "1e+30"});
  // Within every per-field limit, but 2^42 floats of embedding: refused by the weight count,
  // before anything that size is allocated.
  expect_load_error_naming(with_header([](auto& h) {
                             h["architecture"]["vocab_size"] = kMaxVocabulary;
                             h["architecture"]["embedding_dim"] = kMaxEmbeddingDim;
                           }),
                           {"bytes of weights, expected 1759219"});
}

TEST(ModelFileLimits, NonFiniteWeightIsRefused) {
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    FileParts parts = split_file(serialize_model(small_classifier(11)));
    // The last weight is the output layer's bias.
    std::memcpy(parts.rest.data() + parts.rest.size() - sizeof bad, &bad, sizeof bad);
    expect_load_error_naming(join_file(parts),
                             {"crafted.model", "parameter dense.bias holds a non-finite value",
                              "the run that wrote it diverged"});
  }
}

// Printing a value recurses once per level (the training record is re-dumped on load): a
// header nested a million levels deep overflowed the stack before it was refused.
TEST(ModelFileLimits, DeeplyNestedHeaderIsRefused) {
  FileParts parts = split_file(serialize_model(small_classifier(13)));
  auto header = nlohmann::ordered_json::parse(parts.header);
  header["training"] = "DEEP";
  parts.header = header.dump(1);
  parts.header.replace(parts.header.find("\"DEEP\""), 6,
                       std::string(1000000, '[') + std::string(1000000, ']'));
  expect_load_error_naming(join_file(parts), {"crafted.model", "nested deeper than 100 levels"});
}

TEST(ModelFileLimits, LabelsAndWordsMustBeUtf8) {
  FileParts parts = split_file(serialize_model(small_classifier(12)));
  const size_t at = parts.header.find("\"positive\"");
  ASSERT_NE(at, std::string::npos);
  FileParts bad_label = parts;
  bad_label.header.replace(at + 1, 8,
                           "posi\xff\xfe"
                           "ve");
  // The header's JSON parser refuses it, naming the bad byte.
  expect_load_error_naming(join_file(bad_label), {"malformed header", "ill-formed UTF-8"});
  // The vocabulary starts with its u64 length; "the" is its first word.
  FileParts bad_word = parts;
  ASSERT_EQ(bad_word.rest.substr(8, 4), "the\n");
  bad_word.rest[9] = '\xc3';
  expect_load_error_naming(join_file(bad_word), {"vocabulary word 1", "not valid UTF-8"});
}

TEST(Classifier, RejectsBadText) {
  const Classifier c = small_classifier(9);
  ThreadPool pool(1);
  const std::vector<std::string_view> empty = {"fine", "   "};
  EXPECT_THROW(c.predict(empty, pool), Error);
  const std::vector<std::string_view> bad = {"\xff\xfe"};
  EXPECT_THROW(c.predict(bad, pool), Error);
  const std::string huge(kMaxTextBytes + 1, 'a');
  const std::vector<std::string_view> big = {huge};
  EXPECT_THROW(c.predict(big, pool), Error);
}

}  // namespace
}  // namespace sentiment
