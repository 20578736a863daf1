// Keras-style training output. On a terminal: a live bar per epoch
//   "Epoch 1/5\n 120/313 [=======>......] - ETA: 9s - 48ms/step - loss: 0.5123 - accuracy: 0.7410"
// redrawn in place; when the stream is not a terminal, only the finished lines. Each epoch
// ends with one line of loss, accuracy, val_loss, val_accuracy and seconds.
#pragma once

#include <chrono>
#include <cstdio>

#include "train/trainer.h"

namespace sentiment {

class ProgressPrinter {
 public:
  // live: redraw a bar in place (pass isatty(fileno(out))).
  ProgressPrinter(std::FILE* out, bool live) : out_(out), live_(live) {}

  void epoch_begin(int epoch, int epochs, size_t steps);
  void batch_end(size_t step, size_t steps, double loss, double accuracy);
  void epoch_end(const EpochResult& result);

  TrainCallbacks callbacks();

 private:
  std::FILE* out_;
  bool live_;
  std::chrono::steady_clock::time_point epoch_start_, last_draw_;
};

}  // namespace sentiment
