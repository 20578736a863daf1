// Any labelled text corpus in one in-memory form: class folders, CSV, TSV or fastText
// files are read into parallel vectors of texts, class ids and sources, with the class
// names alongside. Every text and label is validated; errors name the file and line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "data/input_policy.h"

namespace sentiment::data {

struct LabelledTexts {
  std::vector<std::string> texts;    // raw UTF-8 text as stored, one per row
  std::vector<int32_t> labels;       // class ids, indices into classes
  std::vector<std::string> classes;  // id -> class name
  std::vector<std::string> sources;  // "file:line" or the file's path, for error messages
  size_t skipped = 0;                // rows dropped under OnError::kSkip
  std::string first_skipped;         // the error of the first of them
};

// Persisted (in configs and on the command line by name): explicit values.
enum class TextFormat : int { kAuto = 0, kFolders = 1, kCsv = 2, kTsv = 3, kFastText = 4 };

struct TextReadOptions {
  TextFormat format = TextFormat::kAuto;
  // CSV/TSV only: a header name, or a 0-based column index written as a number (a header
  // name wins when a column is literally named "2"). Without a header only indices work.
  std::string text_column = "text";
  std::string label_column = "label";
  bool header = true;  // CSV/TSV: the first row holds column names
  // When non-empty, the fixed class list (from a trained model or the training split):
  // ids are positions in it and a label not in it is an error. When empty, the classes
  // are the distinct labels found, sorted by byte order, and at least 2 are required.
  std::vector<std::string> classes;
  // How texts and labels are decoded, and what a bad row does (see input_policy.h).
  InputPolicy policy;
};

// Reads one split of a corpus. The formats:
//   folders   a directory with one subfolder per class (the folder name is the class),
//             each holding one text file per example (any name not starting with '.');
//             files at the top level, hidden entries and nested folders are ignored; rows
//             come class folder by folder (byte order), files in numeric-aware name order
//             ("2.txt" before "10.txt"); a class folder with no files is an error.
//   csv       RFC 4180: ',' separated, "quoted fields" with "" for a quote and newlines
//             inside quotes, LF or CRLF line ends.
//   tsv       tab separated, no quoting (a field cannot hold a tab or a newline).
//   fasttext  lines "__label__NAME text..."; exactly one label per line.
// In the file formats a leading UTF-8 byte-order mark is skipped, blank lines (outside
// quoted fields) are skipped and labels are trimmed of ASCII whitespace. Texts and labels are
// decoded by options.policy.encoding (Latin-1 becomes UTF-8); then in every format a label
// must be non-empty UTF-8 and each row's text non-blank, valid UTF-8 and at most
// kMaxReviewBytes. Throws Error naming the path (and line) and what was expected on a
// missing path, a malformed row, a bad text or label, an unknown column, a label outside
// options.classes, or fewer than 2 classes. Row errors (a wrong number of fields, a missing
// or second fastText label, a bad text or label, a label outside options.classes) are
// per row: under OnError::kSkip the row is dropped and counted in `skipped` instead; under
// kReplace invalid UTF-8 bytes become U+FFFD and the other row errors still throw. Errors
// that break the file's structure (an unterminated quote, a bad header) always throw.
LabelledTexts read_labelled_texts(const std::filesystem::path& path,
                                  const TextReadOptions& options = {});

// The format kAuto picks: a directory -> kFolders; *.csv -> kCsv; *.tsv or *.tab ->
// kTsv (extensions in any case); any other file whose first non-blank line starts with
// __label__ -> kFastText. Throws Error listing the supported formats otherwise, or when
// path does not exist.
TextFormat detect_text_format(const std::filesystem::path& path);

// "auto", "folders", "csv", "tsv", "fasttext"; parse_text_format throws Error on any
// other name.
std::string to_string(TextFormat format);
TextFormat parse_text_format(std::string_view name);

// Reader options from the corpus settings train and test share (format by name, columns,
// header); throws Error for an unknown format.
TextReadOptions text_read_options(const std::string& format, const std::string& text_column,
                                  const std::string& label_column, bool header);

// Rows per class: result[c] counts the rows whose label is c (size = classes.size()).
// Throws Error on a label outside [0, classes.size()).
std::vector<size_t> class_counts(const LabelledTexts& data);

}  // namespace sentiment::data
