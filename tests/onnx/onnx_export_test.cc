// The ONNX export against a real runtime: small models of every architecture, trained on
// real IMDB reviews ($IMDB_DATA), exported and run in ONNX Runtime (run_onnx.js) on encoded
// test reviews (mask_zero ones also re-padded after and around the ids) must give our
// probabilities; the same script's tokenizer, driven by the exported JSON, must give our
// ids. Plus the CLI verb and its refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "core/thread_pool.h"
#include "data/imdb.h"
#include "io/model_file.h"
#include "io/tokenizer_json.h"
#include "onnx_export/onnx_export.h"
#include "support/cli_fixture.h"
#include "train/trainer.h"

namespace sentiment {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::expect_error;
using testing::read_file;
using testing::run_cli;
using testing::run_shell;
using testing::temp_dir;
using testing::write;

// Two float32 evaluations of the same function in different orders (ours reads a per-word
// input projection table and sums in its own order; ONNX Runtime projects per step) differ
// by a few float ulps per step; 1e-5 on a probability leaves room for that over 160 steps
// and fails on any real mismatch (a gate order or a masked step is off by far more).
constexpr double kTolerance = 1e-5;

constexpr size_t kTrainPerLabel = 160;  // training reviews of each label
constexpr size_t kEvalPerLabel = 16;    // test reviews of each label run through both
constexpr size_t kMaxlen = 160;
constexpr int32_t kNumWords = 1500;

struct Corpus {
  std::vector<std::string> train_texts;
  std::vector<int> train_ratings;
  std::vector<std::string> eval_texts;
};

// Rating classes of the softmax model: 1-2, 3-4 and 7-8, 9-10.
int rating_class(int rating) {
  return rating <= 2 ? 0 : rating >= 9 ? 2 : 1;
}

Corpus read_corpus() {
  const char* path = std::getenv("IMDB_DATA");
  if (path == nullptr || *path == '\0')
    throw Error("IMDB_DATA is not set: point it at aclImdb_labeled.tar.gz to run this test");
  const data::ImdbReviews all = data::read_imdb(path);
  Corpus c;
  // read_imdb orders negative reviews, then positive ones: take each label's first.
  const size_t half_train = all.train.size() / 2, half_test = all.test.size() / 2;
  for (size_t k = 0; k < kTrainPerLabel; ++k)
    for (size_t at : {k, half_train + k}) {
      c.train_texts.push_back(all.train[at].text);
      c.train_ratings.push_back(all.train[at].rating);
    }
  for (size_t k = 0; k < kEvalPerLabel; ++k)
    for (size_t at : {k, half_test + k}) c.eval_texts.push_back(all.test[at].text);
  // Short texts (mostly padding) and the tokenizer's corners: <br />, curly and acute
  // apostrophes, Latin-1 capitals, separators from the Latin-1 and General Punctuation
  // blocks, CJK punctuation, astral code points.
  c.eval_texts.push_back("Great movie!");
  c.eval_texts.push_back("Bad.");
  c.eval_texts.push_back(
      "It\u2019s a <br /><br />CAF\u00c9 film, it\u00b4s 'quoted' and ''don't''; "
      "\u00c0\u00c9\u00ce \u00d7 \u00f7 \u2014 \u201cgreat\u201d\u2026 \u6771\u4eac\u3002"
      "\U0001F600 \u00bfwhy\u00bb \u00e9t\u00e9 ACTING was BAD<br />the end");
  return c;
}

struct Architecture {
  const char* name;
  ModelConfig config;
  Preprocessing pre;
};

RecurrentLayerConfig layer(CellType cell, size_t units, bool bidirectional = false) {
  RecurrentLayerConfig l;
  l.cell = cell;
  l.units = units;
  l.bidirectional = bidirectional;
  return l;
}

ModelConfig config(std::vector<RecurrentLayerConfig> layers, bool mask_zero,
                   Pooling pooling = Pooling::kLast) {
  ModelConfig c;
  c.vocab_size = kNumWords;
  c.embedding_dim = 16;
  c.layers = std::move(layers);
  c.mask_zero = mask_zero;
  c.pooling = pooling;
  return c;
}

std::vector<Architecture> architectures() {
  using enum CellType;
  const Preprocessing pre{kMaxlen, data::PadMode::kPre, data::PadMode::kPre};
  const Preprocessing post{kMaxlen, data::PadMode::kPost, data::PadMode::kPost};
  std::vector<Architecture> a;
  a.push_back({"recipe_lstm", lstm_config(kNumWords, 16, 12), pre});
  a.push_back({"gru", config({layer(kGru, 12)}, false), pre});
  a.push_back({"simple_rnn", config({layer(kSimpleRnn, 12)}, false), pre});
  a.push_back({"bidirectional_lstm", config({layer(kLstm, 8, true)}, false), pre});
  a.push_back({"stacked_lstm_gru", config({layer(kLstm, 8), layer(kGru, 8)}, false), pre});
  a.push_back({"no_mask_max_mean", config({layer(kLstm, 8)}, false, Pooling::kMaxMean), post});
  a.push_back({"mask_last", config({layer(kLstm, 12)}, true), pre});
  a.push_back({"mask_max_gru", config({layer(kGru, 8)}, true, Pooling::kMax), pre});
  a.push_back({"mask_mean_rnn", config({layer(kSimpleRnn, 8)}, true, Pooling::kMean), pre});
  a.push_back(
      {"mask_max_mean_bidir", config({layer(kLstm, 8, true)}, true, Pooling::kMaxMean), post});
  a.push_back({"mask_last_bidir_gru", config({layer(kGru, 8, true)}, true), pre});
  a.push_back({"mask_stacked_bidir",
               config({layer(kLstm, 8, true), layer(kGru, 8, true)}, true, Pooling::kMean), pre});
  ModelConfig softmax = config({layer(kLstm, 8)}, true);
  softmax.num_classes = 3;
  a.push_back({"softmax_3_classes", softmax, pre});
  ModelConfig dropout = config({layer(kLstm, 8), layer(kLstm, 8)}, true, Pooling::kMax);
  for (RecurrentLayerConfig& l : dropout.layers) l.dropout = 0.2f, l.recurrent_dropout = 0.2f;
  dropout.dropout = 0.2f;
  a.push_back({"dropout_trained", dropout, pre});
  ModelConfig ngram = config({layer(kLstm, 8)}, true);
  ngram.ngrams.order = 2;
  ngram.ngrams.buckets = 4096;
  ngram.ngrams.dim = 8;
  a.push_back({"ngram_head", ngram, pre});
  ModelConfig binary = config({layer(kGru, 8, true)}, false, Pooling::kMean);
  binary.ngrams.order = 3;
  binary.ngrams.buckets = 2048;
  binary.ngrams.dim = 8;
  binary.ngrams.binary = true;
  binary.num_classes = 3;
  a.push_back({"ngram_binary_softmax", binary, post});
  return a;
}

// One epoch on the training reviews, so the weights are shaped by real data.
Classifier train(const Architecture& arch, const Corpus& corpus, const data::Vocabulary& vocab,
                 ThreadPool& pool) {
  Model model(arch.config);
  Rng rng(7);
  model.initialize(rng);
  std::vector<std::string> labels = {"negative", "positive"};
  if (arch.config.num_classes == 3) labels = {"bad", "mixed", "good"};
  Classifier untrained(model, vocab, arch.pre, labels);
  std::vector<std::string_view> texts(corpus.train_texts.begin(), corpus.train_texts.end());
  data::EncodedSplit split;
  split.tokens = untrained.encode(texts);
  split.n = texts.size();
  split.maxlen = kMaxlen;
  for (size_t k = 0; k < split.n; ++k) {
    const int rating = corpus.train_ratings[k];
    split.labels.push_back(
        static_cast<float>(arch.config.num_classes == 3 ? rating_class(rating) : (rating >= 7)));
  }
  TrainConfig tc;
  tc.epochs = 3;
  tc.batch_size = 32;
  tc.validation_split = 0.0;
  tc.adam.learning_rate = 0.01;  // weights far from their initial values in one short epoch
  fit(model, split, tc, pool);
  return Classifier(std::move(model), vocab, arch.pre, labels);
}

// Rows with each row's padding moved: all of it after the ids, or half before and half
// after (as a runtime that pads its own way would send them).
std::vector<int32_t> repad(const std::vector<int32_t>& rows, size_t T, bool split) {
  std::vector<int32_t> out(rows.size(), 0);
  for (size_t j = 0; j < rows.size() / T; ++j) {
    std::vector<int32_t> ids;
    for (size_t t = 0; t < T; ++t)
      if (rows[j * T + t] != 0) ids.push_back(rows[j * T + t]);
    const size_t lead = split ? (T - ids.size()) / 2 : 0;
    std::copy(ids.begin(), ids.end(), out.begin() + static_cast<ptrdiff_t>(j * T + lead));
  }
  return out;
}

void write_int64(const fs::path& path, const std::vector<int32_t>& rows) {
  std::string bytes(rows.size() * 8, '\0');
  for (size_t k = 0; k < rows.size(); ++k) {
    const int64_t v = rows[k];
    for (int b = 0; b < 8; ++b)
      bytes[k * 8 + b] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * b)) & 0xff);
  }
  write(path, bytes);
}

std::vector<int64_t> read_int64(const fs::path& path) {
  const std::string bytes = read_file(path);
  std::vector<int64_t> v(bytes.size() / 8);
  for (size_t k = 0; k < v.size(); ++k) {
    uint64_t x = 0;
    for (int b = 0; b < 8; ++b)
      x |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[k * 8 + b])) << (8 * b);
    v[k] = static_cast<int64_t>(x);
  }
  return v;
}

std::vector<float> read_floats(const fs::path& path) {
  const std::string bytes = read_file(path);
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

// The ONNX Runtime install (scripts/deps.sh: sentiment_install_onnxruntime) and node.
std::string node_command(const fs::path& manifest) {
  const fs::path ort = SENTIMENT_ONNXRUNTIME_DIR;
  if (!fs::exists(ort / "node_modules" / "onnxruntime-node" / "package.json"))
    throw Error("onnxruntime-node is not installed in " + ort.string() +
                ": run `source scripts/deps.sh && sentiment_install_onnxruntime`");
  return "NODE_PATH='" + (ort / "node_modules").string() +
         "' node '" SENTIMENT_SOURCE_DIR "/tests/onnx/run_onnx.js' '" + manifest.string() +
         "' 2>&1";
}

struct Case {
  std::string arch;
  std::string variant;
  std::vector<float> expected;  // (B, O) our probabilities of the ONNX output columns
  fs::path output;
  bool binary = true;
};

TEST(OnnxExport, EveryArchitectureMatchesOnnxRuntimeOnRealReviews) {
  const Corpus corpus = read_corpus();
  std::vector<std::string_view> train_views(corpus.train_texts.begin(), corpus.train_texts.end());
  const data::Vocabulary vocab = data::Vocabulary::build(train_views, kNumWords);
  std::vector<std::string_view> eval(corpus.eval_texts.begin(), corpus.eval_texts.end());
  ThreadPool pool(2);
  const fs::path dir = temp_dir("onnx-export");
  write(dir / "texts.json", nlohmann::json(corpus.eval_texts).dump());

  nlohmann::json manifest = {{"threads", 1}, {"cases", nlohmann::json::array()}};
  std::vector<Case> cases;
  std::vector<std::vector<int32_t>> encodings;  // per architecture: our encoding of eval
  for (const Architecture& arch : architectures()) {
    SCOPED_TRACE(arch.name);
    const Classifier c = train(arch, corpus, vocab, pool);
    const std::string bytes = to_onnx(c);
    ASSERT_NO_THROW(check_onnx(bytes));
    const fs::path onnx = dir / (std::string(arch.name) + ".onnx");
    const fs::path tokenizer = dir / (std::string(arch.name) + ".tokenizer.json");
    write(onnx, bytes);
    write(tokenizer, tokenizer_json(c));

    std::vector<int32_t> rows = c.encode(eval);
    encodings.push_back(rows);
    std::vector<std::pair<std::string, std::vector<int32_t>>> variants = {{"as encoded", rows}};
    if (arch.config.mask_zero) {
      rows.insert(rows.end(), kMaxlen, 0);  // and a row without a single id
      variants = {{"as encoded", rows},
                  {"padding after", repad(rows, kMaxlen, false)},
                  {"padding around", repad(rows, kMaxlen, true)}};
    }
    for (size_t v = 0; v < variants.size(); ++v) {
      const auto& [variant, ids] = variants[v];
      const std::string stem = std::string(arch.name) + "." + std::to_string(v);
      write_int64(dir / (stem + ".ids"), ids);
      const size_t B = ids.size() / kMaxlen;
      std::vector<float> p = c.predict_proba_encoded(ids, pool);
      Case k{arch.name, variant, {}, dir / (stem + ".out"), c.binary()};
      for (size_t j = 0; j < B; ++j)
        for (size_t o = c.binary() ? 1 : 0; o < c.num_classes(); ++o)
          k.expected.push_back(p[j * c.num_classes() + o]);
      nlohmann::json entry = {{"onnx", onnx.string()},
                              {"tokenizer", tokenizer.string()},
                              {"ids", (dir / (stem + ".ids")).string()},
                              {"dims", {B, kMaxlen}},
                              {"output", k.output.string()}};
      if (v == 0) {
        entry["texts"] = (dir / "texts.json").string();
        entry["encoded"] = (dir / (std::string(arch.name) + ".encoded")).string();
      }
      manifest["cases"].push_back(entry);
      cases.push_back(std::move(k));
    }
  }
  write(dir / "manifest.json", manifest.dump(1));
  const CliResult node = run_shell(node_command(dir / "manifest.json"));
  ASSERT_EQ(node.status, 0) << node.output;

  // The tokenizer JSON, applied by another program, gives our ids.
  const std::vector<Architecture> archs = architectures();
  for (size_t a = 0; a < archs.size(); ++a) {
    const std::vector<int64_t> theirs = read_int64(dir / (std::string(archs[a].name) + ".encoded"));
    ASSERT_EQ(theirs.size(), encodings[a].size()) << archs[a].name;
    for (size_t k = 0; k < theirs.size(); ++k)
      ASSERT_EQ(theirs[k], encodings[a][k])
          << archs[a].name << ": text " << k / kMaxlen + 1 << ", position " << k % kMaxlen;
  }

  std::printf("%-22s %-16s %-19s %s\n", "architecture", "padding", "our p range",
              "worst |p_ours - p_onnxruntime|");
  for (const Case& k : cases) {
    const std::vector<float> theirs = read_floats(k.output);
    ASSERT_EQ(theirs.size(), k.expected.size()) << k.arch << ", " << k.variant;
    double worst = 0.0;
    for (size_t i = 0; i < theirs.size(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(theirs[i]) - k.expected[i]));
    const auto [low, high] = std::minmax_element(k.expected.begin(), k.expected.end());
    std::printf("%-22s %-16s [%.4f, %.4f]   %.3g\n", k.arch.c_str(), k.variant.c_str(), *low, *high,
                worst);
    EXPECT_LE(worst, kTolerance) << k.arch << ", " << k.variant;
  }
}

// A tiny trained-shape model written as a model file, for the CLI tests.
fs::path tiny_model(const fs::path& dir) {
  ModelConfig cfg = config({layer(CellType::kLstm, 4)}, true);
  cfg.vocab_size = 8;
  Model model(cfg);
  Rng rng(3);
  model.initialize(rng);
  const data::Vocabulary vocab = data::Vocabulary::from_ranked({"good", "bad", "film", "a"}, 8);
  const fs::path path = dir / "tiny.model";
  save_model(path, Classifier(std::move(model), vocab, Preprocessing{12}));
  return path;
}

TEST(OnnxExport, CliWritesTheGraphAndTokenizerBesideIt) {
  const fs::path dir = temp_dir("onnx-cli");
  const fs::path model = tiny_model(dir);
  const CliResult r = run_cli("export " + model.string() + " --onnx " + (dir / "m.onnx").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NO_THROW(check_onnx(read_file(dir / "m.onnx")));
  const auto tok = nlohmann::json::parse(read_file(dir / "m.tokenizer.json"));
  EXPECT_EQ(tok.at("format"), kTokenizerJsonFormat);
  EXPECT_EQ(tok.at("maxlen"), 12);
  EXPECT_EQ(tok.at("num_words"), 8);
  EXPECT_EQ(tok.at("words"), nlohmann::json({"good", "bad", "film", "a"}));
  EXPECT_EQ(tok.at("special_indices"),
            nlohmann::json({{"pad", 0}, {"start", 1}, {"oov", 2}, {"index_from", 3}}));
  EXPECT_EQ(tok.at("labels"), nlohmann::json({"negative", "positive"}));

  const CliResult named =
      run_cli("export " + model.string() + " --onnx " + (dir / "n.onnx").string() +
              " --tokenizer " + (dir / "rules.json").string());
  ASSERT_EQ(named.status, 0) << named.output;
  EXPECT_TRUE(fs::exists(dir / "rules.json"));
  EXPECT_FALSE(fs::exists(dir / "n.tokenizer.json"));
}

TEST(OnnxExport, CliRefusesBadRequests) {
  const fs::path dir = temp_dir("onnx-refuse");
  const fs::path model = tiny_model(dir);
  const std::string before = read_file(model);
  expect_error(run_cli("export " + model.string() + " --onnx " + model.string()),
               "refusing to write");
  expect_error(run_cli("export " + model.string() + " --onnx " + (dir / "m.onnx").string() +
                       " --tokenizer " + model.string()),
               "refusing to write");
  expect_error(run_cli("export " + model.string() + " --onnx " + (dir / "m.onnx").string() +
                       " --tokenizer " + (dir / "m.onnx").string()),
               "tokenizer JSON over the ONNX file");
  EXPECT_EQ(read_file(model), before);
  expect_error(run_cli("export " + model.string() + " --tokenizer " + (dir / "t.json").string()),
               "--onnx");
  expect_error(run_cli("export " + model.string()), "--safetensors FILE, --onnx FILE");
  expect_error(run_cli("export " + (dir / "missing.model").string() + " --onnx " +
                       (dir / "x.onnx").string()),
               "missing.model");
  write(dir / "corrupt.model", "LSTMSENT not really a model");
  expect_error(run_cli("export " + (dir / "corrupt.model").string() + " --onnx " +
                       (dir / "x.onnx").string()),
               "corrupt.model");
  EXPECT_FALSE(fs::exists(dir / "x.onnx"));
}

TEST(OnnxExport, RefusesModelsProtobufCannotHold) {
  ModelConfig cfg = lstm_config(kMaxVocabulary, 64, 8);  // a 16 GiB embedding
  try {
    check_onnx_exportable(cfg);
    FAIL() << "expected the export to be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be exported to ONNX: its weights take"),
              std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(check_onnx_exportable(lstm_config(10000, 64, 64)));
}

TEST(OnnxExport, CheckerRejectsWhatIsNotAModel) {
  EXPECT_THROW(check_onnx("not a protobuf at all"), Error);
}

}  // namespace
}  // namespace sentiment
