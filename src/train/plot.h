// Training curves drawn by gnuplot, driven as a child process: accuracy.{png,svg} (training
// vs validation accuracy per epoch) and loss.{png,svg}.
#pragma once

#include <filesystem>
#include <string>

#include "train/trainer.h"

namespace sentiment {

struct PlotOptions {
  std::string title = "RNN (LSTM) on IMDB";
  std::string gnuplot = "gnuplot";  // executable name or path
};

// Writes accuracy.png/.svg and loss.png/.svg into dir. Throws Error when gnuplot is missing
// or fails, with its message.
void plot_history(const std::filesystem::path& dir, const History& history,
                  const PlotOptions& options = {});

}  // namespace sentiment
