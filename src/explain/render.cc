// Renderers for an Explanation: JSON (server and --json), a standalone HTML page, and the
// terminal. Colours are scaled to the largest |contribution| in the text, so the strongest
// word is always fully coloured whatever the model's overall confidence.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "data/vocabulary.h"
#include "explain/explain.h"

namespace sentiment {
namespace {

// Below this fraction of the largest contribution a word is left uncoloured in the
// terminal, where only five shades are available and faint ones read as noise.
constexpr float kTerminalMinShare = 0.1f;
// ANSI 256-colour backgrounds from faint to strong; black text stays readable on all.
constexpr int kGreens[] = {194, 157, 120, 83, 46};
constexpr int kReds[] = {224, 217, 210, 203, 196};
constexpr int kShades = 5;
// RGB of the HTML colour scale ends (a red and a green that keep black text readable at
// full strength).
constexpr const char* kHtmlRed = "220,38,38";
constexpr const char* kHtmlGreen = "22,163,74";

float largest_contribution(const Explanation& e) {
  float m = 0.0f;
  for (const WordScore& w : e.words) m = std::max(m, std::abs(w.contribution));
  return m;
}

std::string format(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, value);
  return buf;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Labels come from the model file: keep control bytes (escape sequences) off the terminal.
std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string prediction_line(const Explanation& e) {
  return printable(e.label) + "  p(" + printable(e.labels[1]) +
         ") = " + format("%.4f", e.probability);
}

}  // namespace

std::string render_json(const Explanation& e) {
  nlohmann::ordered_json words = nlohmann::ordered_json::array();
  for (const WordScore& w : e.words)
    words.push_back({{"word", w.word},
                     {"index", w.index},
                     {"truncated", w.truncated},
                     {"contribution", w.contribution}});
  const nlohmann::ordered_json j = {
      {"label", e.label}, {"probability", e.probability}, {"words", std::move(words)}};
  // Words come from valid UTF-8 but labels come from a file: never throw on output.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string render_html(const Explanation& e, std::string_view title) {
  const float scale = largest_contribution(e);
  const std::string neg = html_escape(e.labels[0]), pos = html_escape(e.labels[1]);
  const std::string heading =
      title.empty() ? "Why " + html_escape(e.label) + "?" : html_escape(title);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + heading + "</title>\n<style>\n";
  h += "body{font:16px/1.7 system-ui,sans-serif;max-width:50em;margin:2em auto;padding:0 1em;"
       "color:#1f2328;background:#fff}\n";
  h += ".pred{font-size:1.2em}\n";
  h += ".text span{padding:.1em .2em;border-radius:.25em}\n";
  h += ".text .cut{color:#8c959f;text-decoration:line-through}\n";
  h += ".text .oov{text-decoration:underline dotted}\n";
  h += ".legend{display:flex;align-items:center;gap:.6em;font-size:.9em;margin:1em 0}\n";
  h += ".bar{display:inline-block;width:14em;height:1em;border:1px solid #d0d7de;"
       "background:linear-gradient(to right,rgb(" +
       std::string(kHtmlRed) + "),#fff,rgb(" + kHtmlGreen + "))}\n";
  h += ".note{color:#57606a;font-size:.85em}\n</style>\n</head>\n<body>\n";
  h += "<h1>" + heading + "</h1>\n";
  h += "<p class=\"pred\">Prediction: <b>" + html_escape(e.label) + "</b>, p(" + pos +
       ") = " + format("%.4f", e.probability) + "</p>\n";
  h += "<div class=\"legend\"><span>toward " + neg + " " + format("%+.4f", -scale) +
       "</span><span class=\"bar\"></span><span>" + format("%+.4f", scale) + " toward " + pos +
       "</span></div>\n";
  h += "<p class=\"text\">";
  for (size_t k = 0; k < e.words.size(); ++k) {
    const WordScore& w = e.words[k];
    if (k > 0) h += ' ';
    std::string cls = w.truncated ? "cut" : (w.index == data::kOovIndex ? "oov" : "");
    std::string style;
    if (!w.truncated && scale > 0.0f && w.contribution != 0.0f) {
      const double alpha = std::abs(w.contribution) / scale;
      style = std::string(" style=\"background:rgba(") +
              (w.contribution > 0 ? kHtmlGreen : kHtmlRed) + format(",%.3f)\"", alpha);
    }
    const std::string tip = w.truncated
                                ? "cut by maxlen, never seen"
                                : format("%+.5f", w.contribution) +
                                      (w.index == data::kOovIndex ? ", not in vocabulary" : "");
    h += "<span" + (cls.empty() ? "" : " class=\"" + cls + "\"") + style + " title=\"" +
         html_escape(tip) + "\">" + html_escape(w.word) + "</span>";
  }
  h += "</p>\n<p class=\"note\">A word's score is p(" + pos + ") of the text minus p(" + pos +
       ") of the text with that occurrence removed (occlusion); hover a word to see it. "
       "Dotted underline: not in the vocabulary. Struck through: cut by the model's maximum "
       "length, so never seen (score 0).</p>\n</body>\n</html>\n";
  return h;
}

std::string render_terminal(const Explanation& e, bool color) {
  const float scale = largest_contribution(e);
  std::string out;
  if (!color) {
    out += prediction_line(e) + "\n";
    out += "    #  contribution   index  word\n";
    for (size_t k = 0; k < e.words.size(); ++k) {
      const WordScore& w = e.words[k];
      char buf[96];
      std::snprintf(buf, sizeof buf, "%5zu  %+12.5f  %6d  ", k + 1,
                    static_cast<double>(w.contribution), static_cast<int>(w.index));
      out += buf + w.word + (w.truncated ? "  (cut by maxlen)" : "") + "\n";
    }
    return out;
  }
  for (size_t k = 0; k < e.words.size(); ++k) {
    const WordScore& w = e.words[k];
    if (k > 0) out += ' ';
    const float share = scale > 0.0f ? std::abs(w.contribution) / scale : 0.0f;
    if (w.truncated) {
      out += "\x1b[2m" + w.word + "\x1b[0m";
    } else if (share >= kTerminalMinShare) {
      const int shade = std::min(kShades - 1, static_cast<int>(share * kShades));
      const int bg = w.contribution > 0 ? kGreens[shade] : kReds[shade];
      out += "\x1b[30;48;5;" + std::to_string(bg) + "m" + w.word + "\x1b[0m";
    } else {
      out += w.word;
    }
  }
  out += "\n\n\x1b[1m" + prediction_line(e) + "\x1b[0m\n";
  out += "\x1b[30;48;5;" + std::to_string(kReds[kShades - 1]) + "m " + format("%+.4f", -scale) +
         " \x1b[0m toward " + printable(e.labels[0]) + "   \x1b[30;48;5;" +
         std::to_string(kGreens[kShades - 1]) + "m " + format("%+.4f", scale) + " \x1b[0m toward " +
         printable(e.labels[1]) + "   \x1b[2mdim\x1b[0m: cut by maxlen\n";
  return out;
}

}  // namespace sentiment
