// Plots drawn by gnuplot, driven as a child process: the training curves accuracy.{png,svg}
// (training vs validation accuracy per epoch) and loss.{png,svg}, and the ROC curve of a
// test report.
#pragma once

#include <filesystem>
#include <string>

#include "train/report.h"
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

// Writes <stem>.png and <stem>.svg with the ROC curve and its AUC.
void plot_roc(const std::filesystem::path& dir, const std::string& stem, const BinaryReport& report,
              const std::string& title, const PlotOptions& options = {});

}  // namespace sentiment
