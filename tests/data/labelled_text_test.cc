// read_labelled_texts on small corpora written at run time in every format (class folders,
// CSV, TSV, fastText): parsing corner cases, class ordering, fixed class lists, format
// detection, and every kind of bad input with the file, line and words its error must hold.
#include "data/labelled_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/imdb.h"
#include "data_test_util.h"

namespace sentiment::data {
namespace {

using testing::error_of;
using testing::TempDir;
using testing::write_file;

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

// Runs fn, which must throw Error, and checks that its message holds every word.
template <typename Fn>
void expect_error(Fn&& fn, const Strings& words) {
  const std::string message = error_of(fn);
  for (const std::string& word : words) {
    EXPECT_NE(message.find(word), std::string::npos) << "missing '" << word << "' in: " << message;
  }
}

TextReadOptions with_format(TextFormat format) {
  TextReadOptions options;
  options.format = format;
  return options;
}

// ---- class folders ----

TEST(ReadLabelledTexts, FoldersInNaturalOrderIgnoringHiddenAndTopLevelFiles) {
  TempDir tmp;
  const auto root = tmp / "corpus";
  write_file(root / "pos/10.txt", "Ten: a fine day.");
  write_file(root / "pos/2.txt", "Two: sunny and warm.");
  write_file(root / "pos/1.txt", "One: bright skies.");
  write_file(root / "neg/b.txt", "Rain all week.");
  write_file(root / "neg/a", "Cold wind, no extension.");
  write_file(root / "neg/.a.swp", "\xFF editor backup");
  write_file(root / "neg/nested/deep.txt", "not an example");
  write_file(root / ".hidden/x.txt", "not a class");
  write_file(root / "README", "top-level files are not classes");

  const LabelledTexts data = read_labelled_texts(root);
  EXPECT_EQ(data.classes, (Strings{"neg", "pos"}));
  EXPECT_EQ(data.texts, (Strings{"Cold wind, no extension.", "Rain all week.", "One: bright skies.",
                                 "Two: sunny and warm.", "Ten: a fine day."}));
  EXPECT_EQ(data.labels, (std::vector<int32_t>{0, 0, 1, 1, 1}));
  EXPECT_EQ(data.sources, (Strings{(root / "neg/a").string(), (root / "neg/b.txt").string(),
                                   (root / "pos/1.txt").string(), (root / "pos/2.txt").string(),
                                   (root / "pos/10.txt").string()}));
  EXPECT_EQ(class_counts(data), (std::vector<size_t>{2, 3}));
}

TEST(ReadLabelledTexts, FolderNamesSortNumericallyThenByBytes) {
  TempDir tmp;
  const auto root = tmp / "corpus";
  for (const std::string name : {"r10_a.txt", "r9_b.txt", "r01.txt", "r1.txt", "r2.txt"}) {
    write_file(root / "x" / name, "text of " + name);
  }
  write_file(root / "y/only.txt", "other class");
  const LabelledTexts data = read_labelled_texts(root, with_format(TextFormat::kFolders));
  EXPECT_EQ(data.texts, (Strings{"text of r01.txt", "text of r1.txt", "text of r2.txt",
                                 "text of r9_b.txt", "text of r10_a.txt", "other class"}));
}

TEST(ReadLabelledTexts, FolderClassesSortByBytes) {
  TempDir tmp;
  const auto root = tmp / "corpus";
  write_file(root / "b/1.txt", "bee");
  write_file(root / "a/1.txt", "ay");
  write_file(root / "C/1.txt", "capital see");
  const LabelledTexts data = read_labelled_texts(root);
  EXPECT_EQ(data.classes, (Strings{"C", "a", "b"}));
  EXPECT_EQ(data.texts, (Strings{"capital see", "ay", "bee"}));
  EXPECT_EQ(data.labels, (std::vector<int32_t>{0, 1, 2}));
}

TEST(ReadLabelledTexts, FoldersWithFixedClasses) {
  TempDir tmp;
  const auto root = tmp / "corpus";
  write_file(root / "neg/1.txt", "gloomy");
  write_file(root / "pos/1.txt", "cheerful");
  TextReadOptions options;
  options.classes = {"pos", "neg", "neutral"};  // the given order is kept, unused ones too
  LabelledTexts data = read_labelled_texts(root, options);
  EXPECT_EQ(data.classes, options.classes);
  EXPECT_EQ(data.labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(class_counts(data), (std::vector<size_t>{1, 1, 0}));

  // One class folder is enough when the classes are fixed (a test split may lack one).
  write_file(tmp / "one/pos/1.txt", "cheerful");
  data = read_labelled_texts(tmp / "one", options);
  EXPECT_EQ(data.labels, (std::vector<int32_t>{0}));

  write_file(root / "mixed/1.txt", "so-so");
  expect_error([&] { read_labelled_texts(root, options); },
               {(root / "mixed").string(), "'mixed' is not one of the 3 classes", "pos, neg"});
}

TEST(ReadLabelledTexts, FolderErrors) {
  TempDir tmp;
  const auto root = tmp / "corpus";
  write_file(root / "pos/1.txt", "fine");
  expect_error([&] { read_labelled_texts(root); },
               {root.string(), "only 1 class folder ('pos')", "at least 2"});

  fs::create_directories(root / "neg");
  write_file(root / "neg/.hidden", "hidden files do not count");
  expect_error([&] { read_labelled_texts(root); }, {(root / "neg").string(), "holds no files"});

  fs::create_directories(tmp / "bare");
  write_file(tmp / "bare/notes.txt", "no folders here");
  expect_error([&] { read_labelled_texts(tmp / "bare", with_format(TextFormat::kFolders)); },
               {(tmp / "bare").string(), "no class folders"});

  expect_error(
      [&] { read_labelled_texts(tmp / "bare/notes.txt", with_format(TextFormat::kFolders)); },
      {"notes.txt", "is not a directory"});
}

// Writes a two-class folder corpus plus one bad file and expects its error words.
void expect_bad_folder_file(const std::string& text, const Strings& words) {
  TempDir tmp;
  const auto root = tmp / "corpus";
  write_file(root / "neg/1.txt", "fine");
  write_file(root / "pos/1.txt", "fine");
  write_file(root / "pos/2.txt", text);
  Strings all = words;
  all.push_back((root / "pos/2.txt").string());
  expect_error([&] { read_labelled_texts(root); }, all);
}

TEST(ReadLabelledTexts, BadFolderTexts) {
  expect_bad_folder_file("", {"text is empty", "expected non-blank text"});
  expect_bad_folder_file(" \n\t ", {"text is empty (only whitespace)"});
  expect_bad_folder_file("fine until \xE9t\xE9", {"not valid UTF-8", "offset 11"});
  expect_bad_folder_file(std::string(kMaxReviewBytes + 1, 'a'),
                         {"too large", std::to_string(kMaxReviewBytes + 1),
                          "at most " + std::to_string(kMaxReviewBytes)});
}

// ---- CSV ----

TEST(ReadLabelledTexts, CsvQuotingCrlfAndBom) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file,
             "\xEF\xBB\xBFid,text,label\r\n"
             "1,plain words,pos\r\n"
             "2,\"a comma, inside\",neg\r\n"
             "\r\n"
             "3,\"she said \"\"hi\"\"\",pos\r\n"
             "4,\"two\nlines, \"\"quoted\"\"\",neg\n"
             "5,a 5\" screen,pos\n"
             "6,\"\"\"\",neg\n"
             "7,\"last, no newline\", pos ");
  const LabelledTexts data = read_labelled_texts(file);
  EXPECT_EQ(data.classes, (Strings{"neg", "pos"}));
  EXPECT_EQ(data.texts,
            (Strings{"plain words", "a comma, inside", "she said \"hi\"", "two\nlines, \"quoted\"",
                     "a 5\" screen", "\"", "last, no newline"}));
  EXPECT_EQ(data.labels, (std::vector<int32_t>{1, 0, 1, 0, 1, 0, 1}));
  const std::string f = file.string();
  EXPECT_EQ(data.sources,
            (Strings{f + ":2", f + ":3", f + ":5", f + ":6", f + ":8", f + ":9", f + ":10"}));
}

TEST(ReadLabelledTexts, CsvColumnsByNameOrIndex) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file, "sentiment,review\r\nneg,dull\r\npos,lively\r\n");
  TextReadOptions options;
  options.text_column = "review";
  options.label_column = "sentiment";
  LabelledTexts data = read_labelled_texts(file, options);
  EXPECT_EQ(data.texts, (Strings{"dull", "lively"}));
  EXPECT_EQ(data.labels, (std::vector<int32_t>{0, 1}));

  options.text_column = "1";
  options.label_column = "0";
  data = read_labelled_texts(file, options);
  EXPECT_EQ(data.texts, (Strings{"dull", "lively"}));

  // Without a header the first row is data and only indices select columns.
  write_file(file, "neg,dull\npos,lively\n");
  options.header = false;
  data = read_labelled_texts(file, options);
  EXPECT_EQ(data.texts, (Strings{"dull", "lively"}));
  EXPECT_EQ(data.sources, (Strings{file.string() + ":1", file.string() + ":2"}));

  options.text_column = "review";
  expect_error([&] { read_labelled_texts(file, options); },
               {file.string(), "text column 'review' is not a number", "no header row"});
}

TEST(ReadLabelledTexts, CsvColumnErrors) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file, "\nid,review,label\n1,fine,pos\n2,poor,neg\n");
  expect_error([&] { read_labelled_texts(file); },
               {file.string() + ":2", "no text column named 'text'", "columns: id, review, label"});

  TextReadOptions options;
  options.text_column = "7";
  expect_error([&] { read_labelled_texts(file, options); },
               {file.string() + ":2", "text column index 7 is out of range", "0 to 2"});

  options.text_column = "label";
  expect_error([&] { read_labelled_texts(file, options); },
               {file.string(), "both column 2", "two different columns"});

  write_file(file, "text,label,text\na,b,c\n");
  expect_error([&] { read_labelled_texts(file); },
               {file.string() + ":1", "columns 0 and 2 are both named 'text'"});
}

TEST(ReadLabelledTexts, CsvWrongFieldCountNamesTheLine) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file,
             "id,text,label\n1,fine,pos\n2,\"multi\nline\",neg\n3,no comma quoted, here,pos\n");
  expect_error([&] { read_labelled_texts(file); },
               {file.string() + ":5: expected 3 fields, got 4", "must be quoted"});

  write_file(file, "id,text,label\n1,fine,pos\n2,short\n");
  expect_error([&] { read_labelled_texts(file); },
               {file.string() + ":3: expected 3 fields, got 2"});
}

TEST(ReadLabelledTexts, CsvQuoteErrors) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file, "text,label\nfine,pos\n\"never\nclosed,neg\nmore,pos\n");
  expect_error([&] { read_labelled_texts(file); },
               {file.string() + ":3", "quoted field never ends", "closing '\"'"});

  write_file(file, "text,label\nfine,pos\n\"closed\"early,neg\n");
  expect_error([&] { read_labelled_texts(file); },
               {file.string() + ":3", "unexpected character after a closing quote"});
}

TEST(ReadLabelledTexts, CsvClassOrderAndTrimmedLabels) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file, "text,label\nhappy,pos\nsad,neg\nmeh, neutral \nglad,pos\n");
  const LabelledTexts data = read_labelled_texts(file);
  EXPECT_EQ(data.classes, (Strings{"neg", "neutral", "pos"}));
  EXPECT_EQ(data.labels, (std::vector<int32_t>{2, 0, 1, 2}));
  EXPECT_EQ(class_counts(data), (std::vector<size_t>{1, 1, 2}));

  // Byte order, not numeric order: a label column of ratings.
  write_file(file, "text,label\na,2\nb,10\nc,1\n");
  EXPECT_EQ(read_labelled_texts(file).classes, (Strings{"1", "10", "2"}));
}

TEST(ReadLabelledTexts, FixedClassesRejectUnknownLabels) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file, "text,label\nhappy,pos\nsad,neg\nmeh,neutral\n");
  TextReadOptions options;
  options.classes = {"pos", "neg"};
  expect_error([&] { read_labelled_texts(file, options); },
               {file.string() + ":4", "label 'neutral' is not one of the 2 classes", "pos, neg"});

  options.classes = {"pos", "neg", "neutral"};
  const LabelledTexts data = read_labelled_texts(file, options);
  EXPECT_EQ(data.classes, options.classes);
  EXPECT_EQ(data.labels, (std::vector<int32_t>{0, 1, 2}));

  options.classes = {"pos", "neg", "pos"};
  expect_error([&] { read_labelled_texts(file, options); }, {"'pos' more than once"});
  options.classes = {"pos", " "};
  expect_error([&] { read_labelled_texts(file, options); }, {"empty name at position 1"});
}

TEST(ReadLabelledTexts, CsvBadRows) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  const std::string f = file.string();
  const auto expect_row_error = [&](const std::string& row, const Strings& words) {
    write_file(file, "text,label\nfine,pos\nok,neg\n" + row + "\n");
    Strings all = words;
    all.push_back(f + ":4");
    expect_error([&] { read_labelled_texts(file); }, all);
  };
  expect_row_error("\"\",pos", {"text is empty"});
  expect_row_error("\"  \n \",pos", {"text is empty (only whitespace)"});
  expect_row_error("caf\xC3,pos", {"not valid UTF-8", "offset 3"});
  expect_row_error("words,", {"label is empty"});
  expect_row_error("words,\"  \"", {"label is empty"});
  expect_row_error("words,\xFF", {"label is not valid UTF-8"});
  expect_row_error(std::string(kMaxReviewBytes + 1, 'a') + ",pos",
                   {"too large", "at most " + std::to_string(kMaxReviewBytes)});
}

// The input policy on every file format: Latin-1 decodes texts and labels; skip drops a
// bad row (any per-row error) and counts it; replace mends invalid bytes only.
TEST(ReadLabelledTexts, InputPolicy) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file,
             "text,label\nfine,pos\ncaf\xE9 ok,neg\nwords,\xE9t\xE9\n\"  \",pos\na,b,c\nok,neg\n");
  TextReadOptions options;
  options.policy = {InputEncoding::kUtf8, OnError::kFail};
  expect_error([&] { read_labelled_texts(file, options); },
               {file.string() + ":3", "text is not valid UTF-8", "0xE9 at byte offset 3"});

  options.policy = {InputEncoding::kUtf8, OnError::kSkip};
  LabelledTexts t = read_labelled_texts(file, options);
  EXPECT_EQ(t.texts, (Strings{"fine", "ok"}));
  EXPECT_EQ(t.skipped, 4u);
  EXPECT_NE(t.first_skipped.find(file.string() + ":3"), std::string::npos) << t.first_skipped;

  options.policy = {InputEncoding::kLatin1, OnError::kSkip};
  t = read_labelled_texts(file, options);
  EXPECT_EQ(t.texts, (Strings{"fine", "caf\xC3\xA9 ok", "words", "ok"}));
  EXPECT_EQ(t.classes, (Strings{"neg", "pos", "\xC3\xA9t\xC3\xA9"}));
  EXPECT_EQ(t.skipped, 2u);

  // replace: the bytes are mended, the blank text (line 5) still fails.
  options.policy = {InputEncoding::kUtf8, OnError::kReplace};
  expect_error([&] { read_labelled_texts(file, options); },
               {file.string() + ":5", "text is empty"});
  write_file(file, "text,label\nfine,pos\ncaf\xE9 ok,neg\n");
  t = read_labelled_texts(file, options);
  EXPECT_EQ(t.texts, (Strings{"fine", "caf\xEF\xBF\xBD ok"}));

  // Every row bad: the error says they were skipped.
  write_file(file, "text,label\n\xFF,pos\n");
  options.policy = {InputEncoding::kUtf8, OnError::kSkip};
  expect_error([&] { read_labelled_texts(file, options); },
               {"no labelled texts", "all 1 rows skipped"});

  // fastText and folders go through the same policy.
  const auto ft = tmp / "data.txt";
  write_file(ft, "__label__a good\n__label__b caf\xE9\nno label here\n__label__b bad\n");
  TextReadOptions fasttext = with_format(TextFormat::kFastText);
  fasttext.policy = {InputEncoding::kLatin1, OnError::kSkip};
  t = read_labelled_texts(ft, fasttext);
  EXPECT_EQ(t.texts, (Strings{"good", "caf\xC3\xA9", "bad"}));
  EXPECT_EQ(t.skipped, 1u);
  write_file(tmp / "f" / "x" / "1.txt", "caf\xE9");
  write_file(tmp / "f" / "x" / "2.txt", "good");
  write_file(tmp / "f" / "y" / "1.txt", "fine");
  TextReadOptions folders = with_format(TextFormat::kFolders);
  folders.policy = {InputEncoding::kUtf8, OnError::kSkip};
  t = read_labelled_texts(tmp / "f", folders);
  EXPECT_EQ(t.texts, (Strings{"good", "fine"}));
  EXPECT_EQ(t.skipped, 1u);
}

TEST(ReadLabelledTexts, TooFewClassesOrRows) {
  TempDir tmp;
  const auto file = tmp / "data.csv";
  write_file(file, "text,label\nhappy,pos\nglad,pos\n");
  expect_error([&] { read_labelled_texts(file); },
               {file.string(), "found only 1 class ('pos')", "at least 2"});

  write_file(file, "text,label\n");
  expect_error([&] { read_labelled_texts(file); }, {file.string(), "no labelled texts"});

  write_file(file, "\xEF\xBB\xBF\n\n");
  expect_error([&] { read_labelled_texts(file); }, {file.string(), "file is empty"});
}

// ---- TSV ----

TEST(ReadLabelledTexts, TsvWithCrlfAndIndexColumns) {
  TempDir tmp;
  const auto file = tmp / "data.tab";
  write_file(file,
             "\xEF\xBB\xBFlabel\ttext\r\nneg\t\"quotes\" stay, commas too\r\n\r\npos\tok\r\n");
  LabelledTexts data = read_labelled_texts(file);
  EXPECT_EQ(data.texts, (Strings{"\"quotes\" stay, commas too", "ok"}));
  EXPECT_EQ(data.labels, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(data.sources, (Strings{file.string() + ":2", file.string() + ":4"}));

  const auto plain = tmp / "plain.tsv";
  write_file(plain, "neg\tdull\npos\tlively");
  TextReadOptions options;
  options.header = false;
  options.text_column = "1";
  options.label_column = "0";
  data = read_labelled_texts(plain, options);
  EXPECT_EQ(data.texts, (Strings{"dull", "lively"}));
  EXPECT_EQ(data.classes, (Strings{"neg", "pos"}));

  write_file(plain, "neg\tdull\npos\tlively\tand\ttabbed\n");
  expect_error([&] { read_labelled_texts(plain, options); },
               {plain.string() + ":2: expected 2 fields, got 4", "cannot hold a tab"});
}

TEST(ReadLabelledTexts, ExplicitFormatOverridesTheExtension) {
  TempDir tmp;
  const auto file = tmp / "data.txt";
  write_file(file, "text,label\na b,x\nc d,y\n");
  const LabelledTexts data = read_labelled_texts(file, with_format(TextFormat::kCsv));
  EXPECT_EQ(data.texts, (Strings{"a b", "c d"}));
  expect_error([&] { read_labelled_texts(tmp.path(), with_format(TextFormat::kCsv)); },
               {tmp.path().string(), "not a regular file", "csv file"});
}

// ---- fastText ----

TEST(ReadLabelledTexts, FastText) {
  TempDir tmp;
  const auto file = tmp / "train.ft";
  write_file(file,
             "\xEF\xBB\xBF__label__pos great fun , really\n"
             "\n"
             "   \t\n"
             "__label__neg\tdull\tand slow\r\n"
             "  __label__pos  spaced out  \n"
             "__label__neutral it mentions label__x and a__label__y\n");
  const LabelledTexts data = read_labelled_texts(file);
  EXPECT_EQ(data.classes, (Strings{"neg", "neutral", "pos"}));
  EXPECT_EQ(data.texts, (Strings{"great fun , really", "dull\tand slow", "spaced out  ",
                                 "it mentions label__x and a__label__y"}));
  EXPECT_EQ(data.labels, (std::vector<int32_t>{2, 0, 2, 1}));
  const std::string f = file.string();
  EXPECT_EQ(data.sources, (Strings{f + ":1", f + ":4", f + ":5", f + ":6"}));
}

TEST(ReadLabelledTexts, FastTextErrors) {
  TempDir tmp;
  const auto file = tmp / "train.txt";
  const std::string f = file.string();
  const auto expect_line_error = [&](const std::string& line, const Strings& words) {
    write_file(file, "__label__a first\n\n__label__b second\n" + line + "\n");
    Strings all = words;
    all.push_back(f + ":4");
    expect_error([&] { read_labelled_texts(file); }, all);
  };
  expect_line_error("no label here", {"no label", "__label__NAME"});
  expect_line_error("__label__a __label__b both",
                    {"more than one label (__label__a and __label__b)", "multi-label"});
  expect_line_error("__label__a text then __label__b", {"multi-label lines are not supported"});
  expect_line_error("__label__ text", {"label is empty"});
  expect_line_error("__label__a", {"text is empty"});
  expect_line_error("__label__a \xC0\xAF", {"not valid UTF-8"});
}

// ---- format detection and names ----

TEST(DetectTextFormat, EachCase) {
  TempDir tmp;
  EXPECT_EQ(detect_text_format(tmp.path()), TextFormat::kFolders);
  write_file(tmp / "a.csv", "text,label\n");
  write_file(tmp / "b.CSV", "");
  write_file(tmp / "c.tsv", "");
  write_file(tmp / "d.Tab", "");
  write_file(tmp / "e.txt", "__label__x words\n");
  write_file(tmp / "f.ft", "\xEF\xBB\xBF\n  \n\t__label__x words\n");
  write_file(tmp / "noext", "__label__x words\n");
  EXPECT_EQ(detect_text_format(tmp / "a.csv"), TextFormat::kCsv);
  EXPECT_EQ(detect_text_format(tmp / "b.CSV"), TextFormat::kCsv);
  EXPECT_EQ(detect_text_format(tmp / "c.tsv"), TextFormat::kTsv);
  EXPECT_EQ(detect_text_format(tmp / "d.Tab"), TextFormat::kTsv);
  EXPECT_EQ(detect_text_format(tmp / "e.txt"), TextFormat::kFastText);
  EXPECT_EQ(detect_text_format(tmp / "f.ft"), TextFormat::kFastText);
  EXPECT_EQ(detect_text_format(tmp / "noext"), TextFormat::kFastText);

  write_file(tmp / "plain.txt", "just words\n__label__x later\n");
  write_file(tmp / "empty.txt", "");
  write_file(tmp / "data.json", "{}");
  for (const std::string name : {"plain.txt", "empty.txt", "data.json"}) {
    SCOPED_TRACE(name);
    expect_error(
        [&] { detect_text_format(tmp / name); },
        {"cannot tell the format", name, "subfolder per class", ".csv", ".tsv/.tab", "__label__"});
  }
  expect_error([&] { detect_text_format(tmp / "missing.csv"); }, {"missing.csv", "does not exist"});
}

TEST(ReadLabelledTexts, MissingPath) {
  TempDir tmp;
  for (const TextFormat format : {TextFormat::kAuto, TextFormat::kFolders, TextFormat::kCsv}) {
    expect_error([&] { read_labelled_texts(tmp / "nope.csv", with_format(format)); },
                 {(tmp / "nope.csv").string(), "does not exist"});
  }
}

TEST(TextFormatNames, RoundTripAndUnknown) {
  for (const TextFormat format : {TextFormat::kAuto, TextFormat::kFolders, TextFormat::kCsv,
                                  TextFormat::kTsv, TextFormat::kFastText}) {
    EXPECT_EQ(parse_text_format(to_string(format)), format);
  }
  EXPECT_EQ(to_string(TextFormat::kFastText), "fasttext");
  expect_error([] { parse_text_format("json"); },
               {"unknown text format 'json'", "auto, folders, csv, tsv or fasttext"});
  expect_error([] { parse_text_format("CSV"); }, {"'CSV'"});
}

TEST(ClassCounts, RejectsOutOfRangeLabels) {
  LabelledTexts data;
  data.classes = {"a", "b"};
  data.texts = {"x", "y", "z"};
  data.labels = {0, 1, 1};
  data.sources = {"f:1", "f:2", "f:3"};
  EXPECT_EQ(class_counts(data), (std::vector<size_t>{1, 2}));
  data.labels[2] = 2;
  expect_error([&] { class_counts(data); }, {"f:3", "label 2 is out of range", "0 to 1"});
  data.labels[2] = -1;
  expect_error([&] { class_counts(data); }, {"label -1 is out of range"});
}

}  // namespace
}  // namespace sentiment::data
