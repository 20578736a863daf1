// read_imdb on small trees and archives built at run time: both layouts (labelled and
// official with unsup/, *.feat, urls_*.txt), archive and directory forms, ordering and
// rating parsing, and every kind of bad input with the words its error must contain.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rng.h"
#include "data/imdb.h"
#include "data_test_util.h"

namespace sentiment::data {
namespace {

using testing::error_of;
using testing::FixtureFile;
using testing::make_tar;
using testing::small_reviews;
using testing::TempDir;
using testing::write_file;
using testing::write_tree;

std::vector<std::string> sources(const std::vector<Review>& reviews) {
  std::vector<std::string> out;
  for (const Review& r : reviews) out.push_back(r.source);
  return out;
}

// The canonical order and fields for small_reviews(), whatever form it was read from.
void expect_small_reviews(const ImdbReviews& reviews) {
  EXPECT_EQ(sources(reviews.train),
            (std::vector<std::string>{"train/neg/2_1.txt", "train/neg/10_2.txt",
                                      "train/pos/1_8.txt", "train/pos/3_10.txt"}));
  EXPECT_EQ(sources(reviews.test),
            (std::vector<std::string>{"test/neg/0_3.txt", "test/neg/5_4.txt", "test/pos/7_9.txt",
                                      "test/pos/12_7.txt"}));
  ASSERT_EQ(reviews.train.size(), 4u);
  ASSERT_EQ(reviews.test.size(), 4u);
  EXPECT_EQ(reviews.train[0].text, "Awful<br /><br />film, truly awful.");
  EXPECT_EQ(reviews.train[0].label, 0);
  EXPECT_EQ(reviews.train[0].rating, 1);
  EXPECT_EQ(reviews.train[1].rating, 2);
  EXPECT_EQ(reviews.train[2].label, 1);
  EXPECT_EQ(reviews.train[2].rating, 8);
  EXPECT_EQ(reviews.train[3].rating, 10);
  EXPECT_EQ(reviews.train[3].text, "Great film! A great cast.");
  EXPECT_EQ(reviews.test[3].rating, 7);
  EXPECT_EQ(reviews.test[3].label, 1);
}

TEST(ReadImdb, LabelledArchiveWithTopLevelFolder) {
  TempDir tmp;
  write_tree(tmp / "src", small_reviews());
  expect_small_reviews(read_imdb(make_tar(tmp / "src", "aclImdb", tmp / "a.tar.gz")));
}

TEST(ReadImdb, OfficialLayoutExtrasAreIgnored) {
  TempDir tmp;
  write_tree(tmp / "src", small_reviews(), /*official=*/true);
  expect_small_reviews(read_imdb(make_tar(tmp / "src", "aclImdb", tmp / "v1.tgz")));
  expect_small_reviews(read_imdb(tmp / "src"));
}

TEST(ReadImdb, PlainTarAndArchiveWithoutTopLevelFolder) {
  TempDir tmp;
  write_tree(tmp / "src", small_reviews());
  expect_small_reviews(read_imdb(make_tar(tmp / "src", "aclImdb", tmp / "a.tar", "cf")));
  expect_small_reviews(read_imdb(make_tar(tmp / "src/aclImdb", "train test", tmp / "b.tar.gz")));
  // "./" prefixes, as `tar -C dir .` writes them.
  expect_small_reviews(read_imdb(make_tar(tmp / "src/aclImdb", ".", tmp / "c.tar.gz")));
}

TEST(ReadImdb, DirectoryOrItsParent) {
  TempDir tmp;
  const auto acl = write_tree(tmp.path(), small_reviews());
  expect_small_reviews(read_imdb(acl));
  expect_small_reviews(read_imdb(tmp.path()));
}

TEST(ReadImdb, HiddenFilesAreIgnored) {
  TempDir tmp;
  auto files = small_reviews();
  files.push_back({"train/pos/._3_10.txt", "\xFF\xFE macOS metadata"});
  files.push_back({"test/neg/.notes", "x"});
  write_tree(tmp / "src", files);
  expect_small_reviews(read_imdb(tmp / "src"));
  expect_small_reviews(read_imdb(make_tar(tmp / "src", "aclImdb", tmp / "a.tar.gz")));
}

TEST(ReadImdb, MissingPath) {
  TempDir tmp;
  const std::string message = error_of([&] { read_imdb(tmp / "nope.tar.gz"); });
  EXPECT_NE(message.find("nope.tar.gz"), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

TEST(ReadImdb, RandomBytesAreNotAnArchive) {
  TempDir tmp;
  Rng rng(3);
  std::string junk(4096, '\0');
  for (char& c : junk) c = static_cast<char>(rng.below(256));
  write_file(tmp / "junk.tar.gz", junk);
  const std::string message = error_of([&] { read_imdb(tmp / "junk.tar.gz"); });
  EXPECT_NE(message.find("cannot read archive"), std::string::npos) << message;
  EXPECT_NE(message.find("junk.tar.gz"), std::string::npos) << message;
}

// Compressions that libarchive would hand to an external program (lzop, lrzip) are not
// formats at all: an untrusted file never starts a process.
TEST(ReadImdb, ExternalDecompressorsAreNeverRun) {
  TempDir tmp;
  write_file(tmp / "a.tar.lzo", std::string("\x89LZO\0\r\n\x1a\n", 9) + std::string(64, 'x'));
  write_file(tmp / "a.tar.lrz", std::string("LRZI\0\x06", 6) + std::string(64, 'x'));
  for (const char* name : {"a.tar.lzo", "a.tar.lrz"}) {
    const std::string message = error_of([&] { read_imdb(tmp / name); });
    EXPECT_NE(message.find("Unrecognized archive format"), std::string::npos) << message;
    EXPECT_EQ(message.find("program"), std::string::npos) << message;
  }
}

TEST(ReadImdb, TruncatedArchive) {
  TempDir tmp;
  // Random letters compress poorly, so the cut lands in the middle of the members.
  Rng rng(4);
  auto files = small_reviews();
  for (FixtureFile& f : files) {
    for (int k = 0; k < 4000; ++k) f.text += static_cast<char>('a' + rng.below(26));
  }
  write_tree(tmp / "src", files);
  const std::string whole = testing::read_file(make_tar(tmp / "src", "aclImdb", tmp / "a.tar.gz"));
  write_file(tmp / "cut.tar.gz", whole.substr(0, whole.size() / 2));
  const std::string message = error_of([&] { read_imdb(tmp / "cut.tar.gz"); });
  EXPECT_NE(message.find("cannot read archive"), std::string::npos) << message;
  EXPECT_NE(message.find("cut.tar.gz"), std::string::npos) << message;
}

TEST(ReadImdb, WrongLayout) {
  TempDir tmp;
  std::vector<FixtureFile> no_test_pos;
  for (const FixtureFile& f : small_reviews()) {
    if (!f.relative.starts_with("test/pos")) no_test_pos.push_back(f);
  }
  write_tree(tmp / "src", no_test_pos);
  std::string message = error_of([&] { read_imdb(tmp / "src"); });
  EXPECT_NE(message.find("wrong layout"), std::string::npos) << message;
  EXPECT_NE(message.find("test/pos"), std::string::npos) << message;

  message = error_of([&] { read_imdb(make_tar(tmp / "src", "aclImdb", tmp / "a.tar.gz")); });
  EXPECT_NE(message.find("wrong layout"), std::string::npos) << message;
  EXPECT_NE(message.find("no reviews in test/pos"), std::string::npos) << message;
  EXPECT_NE(message.find("expected aclImdb/{train,test}/{neg,pos}"), std::string::npos) << message;

  // A directory that is not aclImdb at all.
  write_file(tmp / "other/readme.txt", "hello");
  message = error_of([&] { read_imdb(tmp / "other"); });
  EXPECT_NE(message.find("missing directory train/neg"), std::string::npos) << message;
}

TEST(ReadImdb, TwoTreesInOneArchive) {
  TempDir tmp;
  write_tree(tmp / "src/one", small_reviews());
  write_tree(tmp / "src/two", small_reviews());
  const std::string message =
      error_of([&] { read_imdb(make_tar(tmp / "src", "one two", tmp / "a.tar.gz")); });
  EXPECT_NE(message.find("one tree"), std::string::npos) << message;
}

// Writes small_reviews() plus one bad file, then expects the same error words from the
// directory and the archive reader.
void expect_bad_file(const FixtureFile& bad, const std::vector<std::string>& expected_words) {
  TempDir tmp;
  auto files = small_reviews();
  files.push_back(bad);
  write_tree(tmp / "src", files);
  const std::string from_dir = error_of([&] { read_imdb(tmp / "src"); });
  const std::string from_archive =
      error_of([&] { read_imdb(make_tar(tmp / "src", "aclImdb", tmp / "a.tar.gz")); });
  for (const std::string& message : {from_dir, from_archive}) {
    for (const std::string& word : expected_words) {
      EXPECT_NE(message.find(word), std::string::npos)
          << "missing '" << word << "' in: " << message;
    }
  }
}

TEST(ReadImdb, EmptyReview) {
  expect_bad_file({"train/pos/99_9.txt", ""}, {"train/pos/99_9.txt", "is empty"});
  expect_bad_file({"test/pos/99_9.txt", " \n\t "}, {"test/pos/99_9.txt", "is empty", "whitespace"});
}

TEST(ReadImdb, OversizedReview) {
  expect_bad_file({"test/neg/99_1.txt", std::string(kMaxReviewBytes + 1, 'a')},
                  {"test/neg/99_1.txt", "too large", std::to_string(kMaxReviewBytes + 1),
                   "at most " + std::to_string(kMaxReviewBytes)});
}

TEST(ReadImdb, NonUtf8Review) {
  expect_bad_file({"train/neg/99_3.txt", "fine until \xE9t\xE9"},
                  {"train/neg/99_3.txt", "not valid UTF-8", "offset 11"});
}

// The input policy: a Latin-1 review decodes, skip drops (and counts) a bad review from a
// directory and an archive alike, replace keeps it with U+FFFD.
TEST(ReadImdb, InputPolicy) {
  TempDir tmp;
  auto files = small_reviews();
  files.push_back({"train/neg/99_3.txt", "fine until \xE9t\xE9"});
  files.push_back({"test/pos/98_9.txt", "  "});
  write_tree(tmp / "src", files);
  const std::filesystem::path archive = make_tar(tmp / "src", "aclImdb", tmp / "a.tar.gz");
  for (const std::filesystem::path& path : {tmp / "src", archive}) {
    SCOPED_TRACE(path.string());
    ImdbReviews r = read_imdb(path, {InputEncoding::kUtf8, OnError::kSkip});
    expect_small_reviews(r);
    EXPECT_EQ(r.skipped, 2u);
    EXPECT_NE(r.first_skipped.find("99_3.txt"), std::string::npos) << r.first_skipped;
    EXPECT_NE(r.first_skipped.find("offset 11"), std::string::npos) << r.first_skipped;

    const std::string empty_too = error_of([&] {
      read_imdb(path, {InputEncoding::kLatin1, OnError::kFail});
    });
    EXPECT_NE(empty_too.find("98_9.txt"), std::string::npos) << empty_too;
    r = read_imdb(path, {InputEncoding::kLatin1, OnError::kSkip});
    EXPECT_EQ(r.skipped, 1u);
    ASSERT_EQ(r.train.size(), 5u);
    EXPECT_EQ(r.train[2].source, "train/neg/99_3.txt");
    EXPECT_EQ(r.train[2].text, "fine until \xC3\xA9t\xC3\xA9");

    // replace mends bytes only: a blank review is still an error.
    const std::string replaced = error_of([&] {
      read_imdb(path, {InputEncoding::kUtf8, OnError::kReplace});
    });
    EXPECT_NE(replaced.find("is empty"), std::string::npos) << replaced;
  }
}

TEST(ReadImdb, BadFileNames) {
  for (const std::string name : {"abc_9.txt", "12.txt", "12_11.txt", "12_0.txt", "12_9.text",
                                 "_9.txt", "12_.txt", "-1_9.txt", "1_9_2.txt"}) {
    SCOPED_TRACE(name);
    expect_bad_file({"train/pos/" + name, "text"},
                    {"bad review file name", "train/pos/" + name, "ID_RATING.txt"});
  }
}

TEST(ReadImdb, DuplicateIds) {
  expect_bad_file({"train/pos/3_9.txt", "same id as 3_10.txt"}, {"share the id 3"});
}

TEST(ReadImdb, LargeIdsSortNumerically) {
  TempDir tmp;
  auto files = small_reviews();
  files.push_back({"train/neg/12345678901234_4.txt", "Big id."});
  files.push_back({"train/neg/999_3.txt", "Medium id."});
  write_tree(tmp / "src", files);
  const ImdbReviews reviews = read_imdb(tmp / "src");
  EXPECT_EQ(sources(reviews.train)[2], "train/neg/999_3.txt");
  EXPECT_EQ(sources(reviews.train)[3], "train/neg/12345678901234_4.txt");
}

}  // namespace
}  // namespace sentiment::data
