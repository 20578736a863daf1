// Writes the per-epoch figures to a data file and a gnuplot script beside the outputs, then
// runs gnuplot on the script. Images are rendered to temporary names and renamed, so a
// failed run never leaves half an image.
#include "train/plot.h"

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/file_util.h"

namespace sentiment {
namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string plot_commands(const std::string& data, const std::string& title,
                          const std::string& ylabel, int train_col, int val_col,
                          const std::string& key_pos, size_t epochs) {
  std::string s;
  s += "set title " + quote(title) + "\n";
  s += "set xlabel 'Epoch'\nset ylabel " + quote(ylabel) + "\n";
  s += "set grid\nset key " + key_pos + " box opaque\n";
  s += "set xtics 1\nset xrange [0.8:" + std::to_string(epochs) + ".2]\n";
  s += "plot " + quote(data) + " using 1:" + std::to_string(train_col) +
       " with linespoints lw 2 pt 7 title 'Training " + ylabel + "', " + quote(data) +
       " using 1:" + std::to_string(val_col) + " with linespoints lw 2 pt 5 title 'Validation " +
       ylabel + "'\n";
  return s;
}

}  // namespace

namespace {

// Runs gnuplot on script (saved as script_path); the script renders each output to
// "<name>.tmp", which is renamed into place once gnuplot succeeded.
void render(const std::filesystem::path& dir, const std::filesystem::path& script_path,
            const std::string& script, const std::vector<std::string>& outputs,
            const PlotOptions& opt) {
  write_file_atomic(script_path, script);
  const std::string cmd =
      shell_quote(opt.gnuplot) + " " + shell_quote(script_path.string()) + " 2>&1";
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw Error("plot: cannot start " + opt.gnuplot);
  std::string output;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      throw Error("plot: gnuplot not found (install the gnuplot-nox package)");
    throw Error("plot: gnuplot failed: " + output);
  }
  for (const auto& name : outputs) {
    const std::filesystem::path tmp = dir / (name + ".tmp");
    if (!std::filesystem::is_regular_file(tmp))
      throw Error("plot: gnuplot did not write " + (dir / name).string());
    move_file_into_place(tmp, dir / name);
  }
}

const char* kPng = "pngcairo size 900,600 font 'Sans,11'";
const char* kSvg = "svg size 900,600 font 'Sans,11'";

}  // namespace

void plot_history(const std::filesystem::path& dir, const History& h, const PlotOptions& opt) {
  if (h.loss.empty()) throw Error("plot: the history has no epochs");
  const std::filesystem::path data = dir / "history.dat";
  std::string rows = "# epoch loss accuracy val_loss val_accuracy\n";
  char line[200];
  for (size_t e = 0; e < h.loss.size(); ++e) {
    std::snprintf(line, sizeof line, "%zu %.6f %.6f %.6f %.6f\n", e + 1, h.loss[e], h.accuracy[e],
                  h.val_loss[e], h.val_accuracy[e]);
    rows += line;
  }
  write_file_atomic(data, rows);

  std::string script;
  const size_t epochs = h.loss.size();
  struct Output {
    std::string name, terminal, ylabel, key;
    int train_col, val_col;
  };
  const Output outputs[] = {
      {"accuracy.png", kPng, "Accuracy", "bottom right", 3, 5},
      {"accuracy.svg", kSvg, "Accuracy", "bottom right", 3, 5},
      {"loss.png", kPng, "Loss", "top right", 2, 4},
      {"loss.svg", kSvg, "Loss", "top right", 2, 4},
  };
  std::vector<std::string> names;
  for (const auto& o : outputs) {
    const std::string title = o.ylabel == "Accuracy" ? opt.title : opt.title + ": loss";
    script += "reset\nset terminal " + o.terminal + "\n";
    script += "set output " + quote((dir / (o.name + ".tmp")).string()) + "\n";
    script += plot_commands(data.string(), title, o.ylabel, o.train_col, o.val_col, o.key, epochs);
    script += "unset output\n";
    names.push_back(o.name);
  }
  render(dir, dir / "plot.gp", script, names, opt);
}

void plot_roc(const std::filesystem::path& dir, const std::string& stem, const BinaryReport& report,
              const std::string& title, const PlotOptions& opt) {
  const std::filesystem::path data = dir / (stem + ".dat");
  std::string rows = "# fpr tpr threshold\n";
  char line[128];
  for (const auto& pt : report.roc) {
    std::snprintf(line, sizeof line, "%.6f %.6f %.6f\n", pt.fpr, pt.tpr, pt.threshold);
    rows += line;
  }
  write_file_atomic(data, rows);
  std::snprintf(line, sizeof line, "ROC (AUC = %.4f)", report.roc_auc);
  std::string script;
  std::vector<std::string> names;
  for (const auto& [ext, terminal] : {std::pair{".png", kPng}, std::pair{".svg", kSvg}}) {
    const std::string name = stem + ext;
    script += "reset\nset terminal " + std::string(terminal) + "\n";
    script += "set output " + quote((dir / (name + ".tmp")).string()) + "\n";
    script += "set title " + quote(title) + "\nset xlabel 'False positive rate'\n";
    script += "set ylabel 'True positive rate'\nset grid\nset key bottom right box opaque\n";
    script += "set size ratio -1\nset xrange [0:1]\nset yrange [0:1]\n";
    script += "plot " + quote(data.string()) + " using 1:2 with lines lw 2 title " + quote(line) +
              ", x with lines dt 2 lc rgb 'gray' title 'Chance'\n";
    script += "unset output\n";
    names.push_back(name);
  }
  render(dir, dir / (stem + ".gp"), script, names, opt);
}

}  // namespace sentiment
