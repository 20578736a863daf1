// lstm-sentiment's public C++ API, for programs that embed it: load a model file and label
// raw text, or train a model on encoded data. Link the CMake target `sentiment::sentiment`.
//
//   sentiment::ThreadPool pool(0);                       // one worker per core
//   const sentiment::Classifier c = sentiment::load_model("runs/r1/final.model");
//   std::vector<std::string_view> texts = {"A moving, funny film."};
//   std::vector<float> p = c.predict(texts, pool);       // P(positive) per text
//   const std::string& label = c.label_for(p[0]);        // "positive" or "negative"
#pragma once

#include "core/error.h"        // sentiment::Error, thrown for every user-facing failure
#include "core/thread_pool.h"  // sentiment::ThreadPool
#include "data/imdb.h"         // read_imdb, encode_imdb, locate_imdb
#include "io/classifier.h"     // sentiment::Classifier: raw text -> probabilities
#include "io/model_file.h"     // load_model, save_model
#include "model/model.h"       // sentiment::Model, ModelConfig
#include "train/trainer.h"     // fit, evaluate, predict, TrainConfig, History
