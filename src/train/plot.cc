// Writes the per-epoch figures to a data file and a gnuplot script beside the outputs, then
// runs gnuplot on the script. Images are rendered to temporary names and renamed, so a
// failed run never leaves half an image.
#include "train/plot.h"

#include <sys/wait.h>

#include <cstdio>
#include <string>

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

void plot_history(const std::filesystem::path& dir, const History& h, const PlotOptions& opt) {
  if (h.loss.empty()) throw Error("plot: the history has no epochs");
  const std::filesystem::path data = dir / "history.dat";
  std::string rows = "# epoch loss accuracy val_loss val_accuracy\n";
  char line[200];
  for (size_t e = 0; e < h.loss.size(); ++e) {
    std::snprintf(line, sizeof line, "%zu %.6f %.6f %.6f %.6f\n", e + 1, h.loss[e],
                  h.accuracy[e], h.val_loss[e], h.val_accuracy[e]);
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
      {"accuracy.png", "pngcairo size 900,600 font 'Sans,11'", "Accuracy", "bottom right", 3, 5},
      {"accuracy.svg", "svg size 900,600 font 'Sans,11'", "Accuracy", "bottom right", 3, 5},
      {"loss.png", "pngcairo size 900,600 font 'Sans,11'", "Loss", "top right", 2, 4},
      {"loss.svg", "svg size 900,600 font 'Sans,11'", "Loss", "top right", 2, 4},
  };
  for (const auto& o : outputs) {
    const std::string title = o.ylabel == "Accuracy" ? opt.title : opt.title + ": loss";
    script += "reset\nset terminal " + o.terminal + "\n";
    script += "set output " + quote((dir / (o.name + ".tmp")).string()) + "\n";
    script += plot_commands(data.string(), title, o.ylabel, o.train_col, o.val_col, o.key, epochs);
    script += "unset output\n";
  }
  const std::filesystem::path script_path = dir / "plot.gp";
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
  for (const auto& o : outputs) {
    std::error_code ec;
    std::filesystem::rename(dir / (o.name + ".tmp"), dir / o.name, ec);
    if (ec) throw Error("plot: gnuplot did not write " + (dir / o.name).string());
  }
}

}  // namespace sentiment
