// read_labelled_texts: class folders, CSV, TSV and fastText files into LabelledTexts. Each
// format yields (text, label, source) rows that go through one validation path; class ids
// are assigned at the end so that they follow byte order whatever order rows came in.
#include "data/labelled_text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/file_util.h"
#include "data/imdb.h"
#include "data/tokenizer.h"

namespace sentiment::data {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kBlank = " \t\n\r\v\f";
constexpr std::string_view kLabelPrefix = "__label__";
constexpr std::string_view kFormatsHint =
    "expected a directory with one subfolder per class, a .csv file, a .tsv/.tab file, or a "
    "fastText file whose lines start with __label__";
// Class lists in messages are cut after this many names; a bad label column can hold
// thousands of distinct values.
constexpr size_t kMaxListedNames = 20;

std::string_view trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(kBlank);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kBlank) - begin + 1);
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kMaxListedNames; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > kMaxListedNames) out += ", ...";
  return out;
}

std::string at_line(const std::string& where, size_t line) {
  return where + ":" + std::to_string(line);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Numeric-aware name order: digit runs compare as numbers ("2" < "10"), all else byte by
// byte; names that tie that way ("01" and "1") fall back to byte order, so the order is
// total and does not depend on the directory listing.
bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t a_end = i;
      size_t b_end = j;
      while (a_end < a.size() && is_digit(a[a_end])) ++a_end;
      while (b_end < b.size() && is_digit(b[b_end])) ++b_end;
      while (i + 1 < a_end && a[i] == '0') ++i;
      while (j + 1 < b_end && b[j] == '0') ++j;
      if (a_end - i != b_end - j) return a_end - i < b_end - j;
      const int c = a.substr(i, a_end - i).compare(b.substr(j, b_end - j));
      if (c != 0) return c < 0;
      i = a_end;
      j = b_end;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if (i == a.size() && j == b.size()) return a < b;
  return i == a.size();
}

std::string_view without_bom(std::string_view text) {
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  return text;
}

// A text or label after the input policy; a refused one throws, naming its source.
std::string decode(std::string_view raw, const InputPolicy& policy, const std::string& source,
                   const char* what) {
  PolicyResult r = apply_input_policy(std::string(raw), policy);
  if (!r.ok()) throw Error(source + ": " + what + " " + r.error);
  return std::move(r.text);
}

// Reads one row with read_row; under OnError::kSkip a row's Error drops the row (read_row
// adds it last, when nothing else can fail) and is counted instead of thrown.
template <typename Fn>
void per_row(LabelledTexts& out, const InputPolicy& policy, Fn&& read_row) {
  if (policy.on_error != OnError::kSkip) {
    read_row();
    return;
  }
  try {
    read_row();
  } catch (const Error& e) {
    if (out.skipped++ == 0) out.first_skipped = e.what();
  }
}

// Text already decoded by the policy (valid UTF-8).
void check_text(std::string_view text, const std::string& source) {
  // A text of blanks would encode to a bare start marker: as useless as an empty one.
  if (trim(text).empty()) {
    throw Error(source + ": text is empty" + (text.empty() ? "" : " (only whitespace)") +
                "; expected non-blank text");
  }
  if (text.size() > kMaxReviewBytes) {
    throw Error(source + ": text is too large: got " + std::to_string(text.size()) +
                " bytes, expected at most " + std::to_string(kMaxReviewBytes));
  }
}

// Maps label names to class ids. With a fixed class list the ids are final; otherwise ids
// are provisional and finish() renumbers them into byte order of the names.
class ClassTable {
 public:
  explicit ClassTable(const std::vector<std::string>& fixed) : fixed_(!fixed.empty()) {
    for (size_t i = 0; i < fixed.size(); ++i) {
      if (trim(fixed[i]).empty()) {
        throw Error("the class list holds an empty name at position " + std::to_string(i) +
                    " (expected non-blank class names)");
      }
      if (!ids_.emplace(fixed[i], static_cast<int32_t>(i)).second) {
        throw Error("the class list names '" + fixed[i] +
                    "' more than once (expected distinct class names)");
      }
    }
    names_ = fixed;
  }

  int32_t id_of(std::string_view label, const std::string& source) {
    if (label.empty()) throw Error(source + ": label is empty; expected a class name");
    if (const size_t bad = invalid_utf8_offset(label); bad != std::string_view::npos) {
      throw Error(source + ": label is not valid UTF-8 (first bad byte at offset " +
                  std::to_string(bad) + "; expected a UTF-8 class name)");
    }
    if (const auto it = ids_.find(label); it != ids_.end()) return it->second;
    if (fixed_) {
      throw Error(source + ": label '" + std::string(label) + "' is not one of the " +
                  std::to_string(names_.size()) +
                  " classes (expected one of: " + join_names(names_) + ")");
    }
    const auto id = static_cast<int32_t>(names_.size());
    names_.emplace_back(label);
    ids_.emplace(std::string(label), id);
    return id;
  }

  // Sets out.classes and, for found classes, renumbers out.labels into name order.
  void finish(LabelledTexts& out, const std::string& where) {
    if (out.texts.empty()) {
      throw Error(where + ": no labelled texts found" +
                  (out.skipped > 0 ? " (all " + std::to_string(out.skipped) +
                                         " rows skipped; the first: " + out.first_skipped + ")"
                                   : std::string()) +
                  " (expected at least one row)");
    }
    if (fixed_) {
      out.classes = names_;
      return;
    }
    if (names_.size() < 2) {
      throw Error(where + ": found only 1 class ('" + names_.front() +
                  "'); expected at least 2 distinct labels");
    }
    std::vector<int32_t> renumber(names_.size());
    int32_t next = 0;
    for (const auto& [name, id] : ids_) renumber[static_cast<size_t>(id)] = next++;
    for (int32_t& label : out.labels) label = renumber[static_cast<size_t>(label)];
    out.classes.clear();
    for (const auto& entry : ids_) out.classes.push_back(entry.first);
  }

 private:
  bool fixed_;
  std::vector<std::string> names_;                   // by id
  std::map<std::string, int32_t, std::less<>> ids_;  // ordered: the final order when found
};

void add_row(LabelledTexts& out, ClassTable& classes, const InputPolicy& policy,
             std::string_view raw_text, std::string_view raw_label, std::string source) {
  std::string text = decode(raw_text, policy, source, "text");
  check_text(text, source);
  const std::string label = decode(trim(raw_label), policy, source, "label");
  out.labels.push_back(classes.id_of(label, source));
  out.texts.push_back(std::move(text));
  out.sources.push_back(std::move(source));
}

LabelledTexts read_folders(const fs::path& root, const TextReadOptions& options) {
  const std::string where = root.string();
  std::vector<std::string> class_dirs;
  for (const fs::directory_entry& entry : fs::directory_iterator(root)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with('.') && entry.is_directory()) class_dirs.push_back(std::move(name));
  }
  std::sort(class_dirs.begin(), class_dirs.end());
  if (class_dirs.empty()) {
    throw Error(where +
                ": no class folders found (expected one subfolder per class, each "
                "holding one text file per example)");
  }
  if (options.classes.empty() && class_dirs.size() < 2) {
    throw Error(where + ": found only 1 class folder ('" + class_dirs.front() +
                "'); expected at least 2, one subfolder per class");
  }
  ClassTable classes(options.classes);
  LabelledTexts out;
  for (const std::string& class_dir : class_dirs) {
    const fs::path dir = root / class_dir;
    std::vector<std::string> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      // Hidden files (editor backups, macOS "._*" metadata) are not examples.
      if (!name.starts_with('.') && entry.is_regular_file()) files.push_back(std::move(name));
    }
    if (files.empty()) {
      throw Error(dir.string() +
                  ": class folder holds no files (expected one text file per example)");
    }
    std::sort(files.begin(), files.end(), natural_less);
    const int32_t id = classes.id_of(class_dir, dir.string());
    for (const std::string& name : files) {
      const fs::path file = dir / name;
      std::string source = file.string();
      const std::string raw = read_whole_file(file, "text file", kMaxReviewBytes);
      per_row(out, options.policy, [&] {
        std::string text = decode(raw, options.policy, source, "text");
        check_text(text, source);
        out.labels.push_back(id);
        out.texts.push_back(std::move(text));
        out.sources.push_back(std::move(source));
      });
    }
  }
  classes.finish(out, where);
  return out;
}

struct Record {
  size_t line = 0;  // where the record starts (1-based)
  std::vector<std::string> fields;
};

// Splits delimited records off a text one at a time. With quoting (CSV, RFC 4180) a field
// that starts with '"' runs to the matching '"', may hold delimiters and newlines, and
// writes a quote as ""; a quote inside an unquoted field is kept as is (as Python's csv
// does). Without quoting (TSV) a field ends at the next delimiter or line end. Lines end
// in LF or CRLF; blank lines between records are skipped.
class RecordReader {
 public:
  RecordReader(std::string_view text, char delimiter, bool quoting, const std::string& where)
      : text_(text), delimiter_(delimiter), quoting_(quoting), where_(where) {
    stops_[0] = delimiter;
  }

  bool next(Record& record) {
    while (pos_ < text_.size()) {
      size_t eol = text_.find('\n', pos_);
      if (eol == std::string_view::npos) eol = text_.size();
      if (!trim(text_.substr(pos_, eol - pos_)).empty()) break;
      pos_ = std::min(eol + 1, text_.size());
      ++line_;
    }
    if (pos_ >= text_.size()) return false;
    record.line = line_;
    record.fields.clear();
    while (true) {
      std::string& field = record.fields.emplace_back();
      if (quoting_ && pos_ < text_.size() && text_[pos_] == '"') {
        read_quoted(field);
      } else {
        read_plain(field);
      }
      if (pos_ >= text_.size()) return true;
      const char c = text_[pos_];
      if (c == delimiter_) {
        ++pos_;
        continue;
      }
      // Both readers stop only at a delimiter, "\n", "\r\n" or a final "\r".
      pos_ = std::min(pos_ + (c == '\r' ? 2 : 1), text_.size());
      ++line_;
      return true;
    }
  }

 private:
  void read_plain(std::string& field) {
    size_t end = text_.find_first_of(std::string_view(stops_, 2), pos_);
    if (end == std::string_view::npos) end = text_.size();
    if (end > pos_ && text_[end - 1] == '\r' && (end == text_.size() || text_[end] == '\n')) {
      --end;  // the CR of a CRLF line end
    }
    field.assign(text_.substr(pos_, end - pos_));
    pos_ = end;
  }

  void read_quoted(std::string& field) {
    const size_t start_line = line_;
    ++pos_;
    while (true) {
      const size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        throw Error(at_line(where_, start_line) +
                    ": quoted field never ends (expected a closing '\"'; write \"\" for a "
                    "quote inside a quoted field)");
      }
      const std::string_view chunk = text_.substr(pos_, quote - pos_);
      line_ += static_cast<size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
      field.append(chunk);
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        field += '"';
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ == text_.size()) return;
    const char c = text_[pos_];
    const bool line_end =
        c == '\n' || (c == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n'));
    if (c != delimiter_ && !line_end) {
      throw Error(at_line(where_, line_) +
                  ": unexpected character after a closing quote (expected ',' or a line end; "
                  "write \"\" for a quote inside a quoted field)");
    }
  }

  std::string_view text_;
  char delimiter_;
  bool quoting_;
  const std::string& where_;
  char stops_[2] = {',', '\n'};
  size_t pos_ = 0;
  size_t line_ = 1;
};

bool parse_index(std::string_view digits, size_t& value) {
  if (digits.empty() || digits.size() > 9) return false;  // no table is that wide
  value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return true;
}

// The index of the text or label column: a header name first, then a 0-based index.
size_t resolve_column(const std::string& spec, const std::string& role, const Record& first,
                      bool header, const std::string& where) {
  const size_t width = first.fields.size();
  const std::string at = at_line(where, first.line);
  if (header) {
    std::optional<size_t> found;
    for (size_t i = 0; i < width; ++i) {
      if (trim(first.fields[i]) != spec) continue;
      if (found) {
        throw Error(at + ": columns " + std::to_string(*found) + " and " + std::to_string(i) +
                    " are both named '" + spec + "' (expected a unique " + role +
                    " column name, or give its 0-based index)");
      }
      found = i;
    }
    if (found) return *found;
  }
  size_t index = 0;
  if (parse_index(spec, index)) {
    if (index < width) return index;
    throw Error(at + ": " + role + " column index " + spec + " is out of range (expected 0 to " +
                std::to_string(width - 1) + "; the file has " + std::to_string(width) +
                " columns)");
  }
  if (header) {
    throw Error(at + ": no " + role + " column named '" + spec + "' in the header (columns: " +
                join_names(first.fields) + "; expected a header name or a 0-based index)");
  }
  throw Error(where + ": " + role + " column '" + spec +
              "' is not a number (expected a 0-based column index, since the file has no "
              "header row)");
}

LabelledTexts read_table(const fs::path& path, TextFormat format, const TextReadOptions& options) {
  const std::string where = path.string();
  const bool csv = format == TextFormat::kCsv;
  const std::string content = read_whole_file(path, "corpus", std::numeric_limits<size_t>::max());
  RecordReader reader(without_bom(content), csv ? ',' : '\t', csv, where);
  Record record;
  if (!reader.next(record)) {
    throw Error(where + ": file is empty (expected " +
                (options.header ? "a header row, then " : std::string()) + "one row per text)");
  }
  const size_t width = record.fields.size();
  const size_t first_line = record.line;
  const size_t text_column =
      resolve_column(options.text_column, "text", record, options.header, where);
  const size_t label_column =
      resolve_column(options.label_column, "label", record, options.header, where);
  if (text_column == label_column) {
    throw Error(where + ": the text and the label are both column " + std::to_string(text_column) +
                " (expected two different columns)");
  }
  const std::string hint = csv ? "; a field that holds ',' or a newline must be quoted"
                               : "; TSV fields cannot hold a tab or a newline";
  ClassTable classes(options.classes);
  LabelledTexts out;
  for (bool more = !options.header || reader.next(record); more; more = reader.next(record)) {
    per_row(out, options.policy, [&] {
      std::string source = at_line(where, record.line);
      if (record.fields.size() != width) {
        throw Error(source + ": expected " + std::to_string(width) + " fields, got " +
                    std::to_string(record.fields.size()) + " (as many as on line " +
                    std::to_string(first_line) + hint + ")");
      }
      add_row(out, classes, options.policy, record.fields[text_column], record.fields[label_column],
              std::move(source));
    });
  }
  classes.finish(out, where);
  return out;
}

// fastText separates tokens with these; a line may end in CRLF.
constexpr std::string_view kFastTextBlank = " \t\v\f\r";

// Offset of the first whitespace-separated token of text that starts with __label__.
size_t find_label_token(std::string_view text) {
  for (size_t at = text.find(kLabelPrefix); at != std::string_view::npos;
       at = text.find(kLabelPrefix, at + 1)) {
    if (at == 0 || kFastTextBlank.find(text[at - 1]) != std::string_view::npos) return at;
  }
  return std::string_view::npos;
}

LabelledTexts read_fasttext(const fs::path& path, const TextReadOptions& options) {
  const std::string where = path.string();
  const std::string content = read_whole_file(path, "corpus", std::numeric_limits<size_t>::max());
  const std::string_view text = without_bom(content);
  ClassTable classes(options.classes);
  LabelledTexts out;
  size_t line_number = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    const size_t first = line.find_first_not_of(kFastTextBlank);
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    per_row(out, options.policy, [&] {
      std::string source = at_line(where, line_number);
      if (!line.starts_with(kLabelPrefix)) {
        throw Error(source + ": no label (expected the line to start with __label__NAME)");
      }
      const size_t label_end = std::min(line.find_first_of(kFastTextBlank), line.size());
      const std::string_view label =
          line.substr(kLabelPrefix.size(), label_end - kLabelPrefix.size());
      std::string_view rest = line.substr(label_end);
      rest.remove_prefix(std::min(rest.find_first_not_of(kFastTextBlank), rest.size()));
      if (rest.ends_with('\r')) rest.remove_suffix(1);
      // fastText reads every __label__ token as a label, wherever it is on the line.
      if (const size_t other = find_label_token(rest); other != std::string_view::npos) {
        const std::string_view second =
            rest.substr(other, rest.find_first_of(kFastTextBlank, other) - other);
        throw Error(source + ": more than one label (" + std::string(line.substr(0, label_end)) +
                    " and " + std::string(second) +
                    "); multi-label lines are not supported (expected exactly one __label__ per "
                    "line)");
      }
      add_row(out, classes, options.policy, rest, label, std::move(source));
    });
  }
  classes.finish(out, where);
  return out;
}

// True when the first non-blank line of the file starts with __label__.
bool starts_with_fasttext_label(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path.string() + "': " + std::strerror(errno));
  std::string line;
  for (bool first = true; std::getline(in, line); first = false) {
    std::string_view view = first ? without_bom(line) : std::string_view(line);
    view = trim(view);
    if (!view.empty()) return view.starts_with(kLabelPrefix);
  }
  return false;
}

}  // namespace

TextFormat detect_text_format(const std::filesystem::path& path) {
  try {
    const fs::file_status status = fs::status(path);
    if (!fs::exists(status)) {
      throw Error("'" + path.string() + "' does not exist (" + std::string(kFormatsHint) + ")");
    }
    if (fs::is_directory(status)) return TextFormat::kFolders;
    std::string extension = path.extension().string();
    for (char& c : extension) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (extension == ".csv") return TextFormat::kCsv;
    if (extension == ".tsv" || extension == ".tab") return TextFormat::kTsv;
    if (fs::is_regular_file(status) && starts_with_fasttext_label(path)) {
      return TextFormat::kFastText;
    }
    throw Error("cannot tell the format of '" + path.string() + "': " + std::string(kFormatsHint) +
                " (or name the format: folders, csv, tsv, fasttext)");
  } catch (const fs::filesystem_error& e) {
    throw Error("cannot read '" + path.string() + "': " + e.what());
  }
}

LabelledTexts read_labelled_texts(const std::filesystem::path& path,
                                  const TextReadOptions& options) {
  try {
    const fs::file_status status = fs::status(path);
    if (!fs::exists(status)) {
      throw Error("labelled text data '" + path.string() + "' does not exist (" +
                  std::string(kFormatsHint) + ")");
    }
    const TextFormat format =
        options.format == TextFormat::kAuto ? detect_text_format(path) : options.format;
    switch (format) {
      case TextFormat::kFolders:
        if (!fs::is_directory(status)) {
          throw Error("'" + path.string() +
                      "' is not a directory (expected one subfolder per class for the folders "
                      "format)");
        }
        return read_folders(path, options);
      case TextFormat::kCsv:
      case TextFormat::kTsv:
      case TextFormat::kFastText:
        if (!fs::is_regular_file(status)) {
          throw Error("'" + path.string() + "' is not a regular file (expected a " +
                      to_string(format) + " file)");
        }
        return format == TextFormat::kFastText ? read_fasttext(path, options)
                                               : read_table(path, format, options);
      case TextFormat::kAuto:
        break;
    }
    throw Error("unknown text format " + std::to_string(static_cast<int>(format)) +
                " (expected folders, csv, tsv or fasttext)");
  } catch (const fs::filesystem_error& e) {
    throw Error("cannot read labelled text data '" + path.string() + "': " + e.what());
  }
}

std::string to_string(TextFormat format) {
  switch (format) {
    case TextFormat::kAuto:
      return "auto";
    case TextFormat::kFolders:
      return "folders";
    case TextFormat::kCsv:
      return "csv";
    case TextFormat::kTsv:
      return "tsv";
    case TextFormat::kFastText:
      return "fasttext";
  }
  return "unknown (" + std::to_string(static_cast<int>(format)) + ")";
}

TextFormat parse_text_format(std::string_view name) {
  for (const TextFormat format : {TextFormat::kAuto, TextFormat::kFolders, TextFormat::kCsv,
                                  TextFormat::kTsv, TextFormat::kFastText}) {
    if (name == to_string(format)) return format;
  }
  throw Error("unknown text format '" + std::string(name) +
              "' (expected auto, folders, csv, tsv or fasttext)");
}

std::vector<size_t> class_counts(const LabelledTexts& data) {
  std::vector<size_t> counts(data.classes.size(), 0);
  for (size_t i = 0; i < data.labels.size(); ++i) {
    const int32_t label = data.labels[i];
    if (label < 0 || static_cast<size_t>(label) >= counts.size()) {
      const std::string where =
          i < data.sources.size() ? data.sources[i] : "row " + std::to_string(i);
      throw Error(where + ": label " + std::to_string(label) + " is out of range (expected 0 to " +
                  std::to_string(static_cast<int64_t>(counts.size()) - 1) + ", one per class)");
    }
    ++counts[static_cast<size_t>(label)];
  }
  return counts;
}

TextReadOptions text_read_options(const std::string& format, const std::string& text_column,
                                  const std::string& label_column, bool header) {
  TextReadOptions ro;
  ro.format = parse_text_format(format);
  ro.text_column = text_column;
  ro.label_column = label_column;
  ro.header = header;
  return ro;
}

}  // namespace sentiment::data
