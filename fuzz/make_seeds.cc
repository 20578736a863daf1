// Writes the fuzzers' starting corpora from the project's own fixtures: tiny models,
// checkpoints, configurations, corpora and archives like the unit tests build. Usage:
//   make_seeds OUT_DIR [SOURCE_DIR]   (one folder per harness under OUT_DIR)
// Generated at build time rather than committed, so the seeds follow the formats as they
// change; fuzz/corpus/ holds only the small inputs worth keeping (past findings).
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/vocabulary.h"
#include "io/model_file.h"
#include "model/model_json.h"
#include "model/quantized.h"
#include "optim/adam.h"
#include "run/run_config.h"
#include "train/checkpoint.h"
#include "train/epoch_end.h"

namespace fs = std::filesystem;
using namespace sentiment;

namespace {

fs::path g_out;

void seed(const std::string& harness, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_out / harness);
  std::ofstream(g_out / harness / name, std::ios::binary) << bytes;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Classifier tiny_classifier(ModelConfig cfg, std::vector<std::string> labels, size_t maxlen) {
  const std::vector<std::string_view> texts = {"good film", "bad film", "a good one", "café ’s"};
  Model model(cfg);
  Rng rng(7);
  model.initialize(rng);
  Preprocessing pre;
  pre.maxlen = maxlen;
  return Classifier(std::move(model),
                    data::Vocabulary::build(texts, static_cast<int32_t>(cfg.vocab_size)), pre,
                    std::move(labels));
}

// One ustar member: a 512-byte header, then the body padded to 512 bytes.
void tar_member(std::string& out, const std::string& name, const std::string& body, char type) {
  char h[512] = {};
  std::snprintf(h, 100, "%s", name.c_str());
  std::snprintf(h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
  std::snprintf(h + 108, 8, "%07o", 0);
  std::snprintf(h + 116, 8, "%07o", 0);
  std::snprintf(h + 124, 12, "%011o", static_cast<unsigned>(body.size()));
  std::snprintf(h + 136, 12, "%011o", 0);
  std::memset(h + 148, ' ', 8);
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);
  out.append(h, 512);
  out += body;
  out.append((512 - body.size() % 512) % 512, '\0');
}

std::string gzip(const std::string& raw) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, raw.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void model_seeds() {
  ModelConfig multi = lstm_config(12, 3, 2);
  multi.layers[0].cell = CellType::kGru;
  multi.layers.push_back(RecurrentLayerConfig{});
  multi.layers[1].units = 2;
  multi.layers[1].bidirectional = true;
  multi.pooling = Pooling::kMaxMean;
  multi.num_classes = 3;
  multi.ngrams.order = 2;
  multi.ngrams.buckets = 8;
  multi.ngrams.dim = 2;
  const Classifier lstm = tiny_classifier(lstm_config(10, 4, 4), {"negative", "positive"}, 8);
  const Classifier stack = tiny_classifier(multi, {"a", "b", "c"}, 5);
  // The int8 forms (format version 3) too, so the fuzzer reaches the int8 tensors' checks.
  auto int8 = [](const Classifier& c) {
    return Classifier(quantize_model(c.model()), c.vocabulary(), c.preprocessing(), c.labels());
  };
  const std::string models[4] = {serialize_model(lstm), serialize_model(stack),
                                 serialize_model(int8(lstm)), serialize_model(int8(stack))};
  for (int k = 0; k < 4; ++k) {
    seed("model_file", "model" + std::to_string(k) + "_crc_fixed", "\x01" + models[k]);
    seed("model_file", "model" + std::to_string(k) + "_as_is", std::string(1, '\0') + models[k]);
  }
  seed("model_json", "lstm.json", model_config_to_json(lstm_config(10, 4, 4)).dump());
  seed("model_json", "multi.json", model_config_to_json(multi).dump(1));
}

// A real checkpoint of the tiny model checkpoint_fuzz.cc resumes into, written through
// the training loop's own epoch-end path after two epochs.
void checkpoint_seeds() {
  for (const bool plateau : {false, true}) {
    Model model(lstm_config(4, 1, 1));
    TrainConfig config;
    config.epochs = 10;
    config.schedule.kind = plateau ? LrSchedule::Kind::kPlateau : LrSchedule::Kind::kCosine;
    config.early_stopping = EarlyStoppingConfig{};
    config.early_stopping->restore_best_weights = true;
    EpochEnd end(config);
    Adam adam(config.adam, model.params().size());
    Rng rng(1);
    Checkpoint c;
    c.run_json = R"({"data":{"maxlen":8}})";
    TrainCallbacks callbacks;
    callbacks.checkpoint = [&](const TrainStateView& s) { c.state = copy_of(s); };
    for (int epoch = 1; epoch <= 2; ++epoch) {
      EpochResult r;
      r.epoch = epoch;
      r.train = {0.7 / epoch, 0.5 + 0.1 * epoch, 8};
      r.val = {0.8 / epoch, 0.5 + 0.05 * epoch, 4};
      r.learning_rate = 1e-3;
      end.on_epoch_end(r, model, adam, rng, callbacks);
    }
    const fs::path tmp = g_out / "checkpoint.tmp";
    save_checkpoint(tmp, c);
    const std::string bytes = read(tmp);
    fs::remove(tmp);
    // Mode bit 0: repair the checksum; bit 1: plateau schedule (checkpoint_fuzz.cc).
    const char fixed = plateau ? '\x03' : '\x01', as_is = plateau ? '\x02' : '\x00';
    const std::string kind = plateau ? "plateau" : "cosine";
    seed("checkpoint", kind + "_crc_fixed", fixed + bytes);
    seed("checkpoint", kind + "_as_is", as_is + bytes);
  }
}

void text_seeds() {
  // Mode bytes: see labelled_text_fuzz.cc (format in bits 0-1, no header 4, indices 8,
  // fixed classes 16).
  seed("labelled_text", "csv",
       std::string("\x00", 1) +
           "\xEF\xBB\xBFtext,label\n\"a \"\"good\"\"\nfilm\",pos\r\n"
           "bad film,neg\n\n");
  seed("labelled_text", "csv_index_fixed", std::string("\x1c", 1) + "neg,bad one\npos,good one\n");
  seed("labelled_text", "tsv", std::string("\x01", 1) + "label\ttext\npos\tgood\nneg\tbad\n");
  seed("labelled_text", "fasttext",
       std::string("\x02", 1) + "__label__pos good film\n  \n__label__neg\tbad  film\r\n");
  for (const char* t : {"Good film<br /><br />don’t 'quoted' ''", "Café ÉTÉ × ÷ “q” 。東京",
                        "\xF0\x9F\x98\x80 emoji\xEF\xBB\xBF", "bad \xC3\x28 byte"})
    seed("tokenizer", std::to_string(std::hash<std::string>{}(t) % 100000), t);
  // Mode bytes: see api_fuzz.cc (method in bits 0-1, route in bits 2-3, path line 16).
  seed("api", "predict_text", std::string("\x00", 1) + R"({"text":"good film"})");
  seed("api", "predict_texts", std::string("\x00", 1) + R"({"texts":["good film","bad",""]})");
  seed("api", "explain", std::string("\x04", 1) + R"({"text":"a good film"})");
  seed("api", "metadata", std::string("\x09", 1));
  seed("api", "path_line", std::string("\x11", 1) + "/health?x=1\n");
}

void archive_seeds() {
  std::string tar;
  tar_member(tar, "aclImdb/", "", '5');
  for (const char* split : {"train", "test"}) {
    for (const char* label : {"pos", "neg"}) {
      const std::string dir = std::string("aclImdb/") + split + "/" + label + "/";
      tar_member(tar, dir, "", '5');
      tar_member(tar, dir + "0_" + (label[0] == 'p' ? "9" : "2") + ".txt", "A good film.", '0');
      tar_member(tar, dir + "12_7.txt", "Fine<br />film", '0');
    }
  }
  tar_member(tar, "aclImdb/README", "readme", '0');
  tar_member(tar, "aclImdb/train/unsup/1_0.txt", "unlabelled", '0');
  tar.append(1024, '\0');
  seed("archive", "imdb_tar_gz", "\x01" + gzip(tar));
  seed("archive", "imdb_tar", "\x01" + tar);
  seed("archive", "members_tar_gz", std::string(1, '\0') + gzip(tar));

  // Directory trees (folders_fuzz.cc): "path\nbytes\0" entries, a path ending in '/' a
  // directory; mode bit 0 reads the tree as aclImdb, otherwise as class folders.
  std::string imdb, classes;
  for (const char* split : {"train", "test"})
    for (const char* label : {"pos", "neg"})
      imdb += std::string("aclImdb/") + split + "/" + label + "/3_" +
              (label[0] == 'p' ? "8" : "1") + ".txt\nA fine film<br />indeed" +
              std::string(1, '\0');
  imdb += std::string("aclImdb/train/unsup/\n") + std::string(1, '\0');
  seed("folders", "imdb_tree", "\x01" + imdb);
  for (const char* f : {"pos/2.txt\ngood", "pos/10.txt\ngreat", "neg/1.txt\nbad", ".hidden/x\nx",
                        "neg/.swp\nignored"})
    classes += std::string(f) + std::string(1, '\0');
  seed("folders", "class_tree", std::string(1, '\0') + classes);
}

void run_config_seeds(const fs::path& source) {
  seed("run_config", "default.json", run_config_to_json(RunConfig{}).dump(1));
  const fs::path best = source / "configs" / "imdb-best.json";
  if (fs::exists(best)) seed("run_config", "imdb-best.json", read(best));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR [SOURCE_DIR]\n");
    return 2;
  }
  g_out = argv[1];
  fs::create_directories(g_out);
  model_seeds();
  checkpoint_seeds();
  text_seeds();
  archive_seeds();
  run_config_seeds(argc > 2 ? fs::path(argv[2]) : fs::path("."));
  return 0;
}
