// Tokenizer: hand-worked cases for each rule, UTF-8 handling and validation, and a
// randomized check against a direct transcription of the anchor's Python rules on ASCII.
#include "data/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rng.h"
#include "data_test_util.h"

namespace sentiment::data {
namespace {

using testing::error_of;
using Words = std::vector<std::string>;

Words words(std::string_view text) {
  Words out;
  tokenize(text, out);
  return out;
}

TEST(Tokenizer, EmptyAndSeparatorOnlyTextGiveNoWords) {
  EXPECT_EQ(words(""), Words{});
  EXPECT_EQ(words("   \n\t "), Words{});
  EXPECT_EQ(words("!?.,;:-()\"<>/"), Words{});
}

TEST(Tokenizer, BrTagsAreSeparators) {
  EXPECT_EQ(words("good<br />bad"), (Words{"good", "bad"}));
  EXPECT_EQ(words("<br /><br />end<br />"), (Words{"end"}));
  // Only the exact bytes "<br />" (as the anchor's bytes.replace): other spellings leave "br".
  EXPECT_EQ(words("a<br/>b"), (Words{"a", "br", "b"}));
  EXPECT_EQ(words("a<BR />b"), (Words{"a", "br", "b"}));
  EXPECT_EQ(words("a<<br />b"), (Words{"a", "b"}));
  EXPECT_EQ(words("a<br /"), (Words{"a", "br"}));
}

TEST(Tokenizer, LowercasesAscii) {
  EXPECT_EQ(words("Hello WORLD MiXeD"), (Words{"hello", "world", "mixed"}));
}

TEST(Tokenizer, ApostrophesInsideWordsStayAndOutsideAreStripped) {
  EXPECT_EQ(words("don't"), (Words{"don't"}));
  EXPECT_EQ(words("'quoted'"), (Words{"quoted"}));
  EXPECT_EQ(words("the students' books"), (Words{"the", "students", "books"}));
  EXPECT_EQ(words("rock 'n' roll"), (Words{"rock", "n", "roll"}));
  EXPECT_EQ(words("'' ' '''"), Words{});
  EXPECT_EQ(words("o'clock's ''twas''"), (Words{"o'clock's", "twas"}));
}

TEST(Tokenizer, DigitsAreWordCharacters) {
  EXPECT_EQ(words("1990s: 10/10, 7.5 stars"), (Words{"1990s", "10", "10", "7", "5", "stars"}));
}

TEST(Tokenizer, PunctuationSeparates) {
  EXPECT_EQ(words("Wow!!! Great,really-good...(yes)\"ok\"_x"),
            (Words{"wow", "great", "really", "good", "yes", "ok", "x"}));
}

TEST(Tokenizer, NonAsciiLettersAreWordCharacters) {
  EXPECT_EQ(words("Café naïve"), (Words{"café", "naïve"}));
  // Latin-1 capitals are lowercased; other scripts are kept as written.
  EXPECT_EQ(words("CRÈME ÉTÉ ÞORN"), (Words{"crème", "été", "þorn"}));
  EXPECT_EQ(words("Ωmega Москва 日本語"), (Words{"Ωmega", "Москва", "日本語"}));
  EXPECT_EQ(words("emoji🙂ok"), (Words{"emoji🙂ok"}));
}

TEST(Tokenizer, NonAsciiSeparatorSet) {
  EXPECT_EQ(words("a\u00A0b"), (Words{"a", "b"}));                 // no-break space
  EXPECT_EQ(words("\u00ABAm\u00E9lie\u00BB"), (Words{"amélie"}));  // « »
  EXPECT_EQ(words("5\u00D73 6\u00F72"), (Words{"5", "3", "6", "2"}));
  EXPECT_EQ(words("well\u2014maybe\u2026 \u201Cso\u201D"), (Words{"well", "maybe", "so"}));
  EXPECT_EQ(words("こんにちは、世界。"), (Words{"こんにちは", "世界"}));
  EXPECT_EQ(words("\uFEFFstart"), (Words{"start"}));
  // C1 controls: IMDB holds cp1252 dashes decoded as U+0096/U+0097.
  EXPECT_EQ(words("good\u0096bad\u0097ugly"), (Words{"good", "bad", "ugly"}));
  EXPECT_TRUE(is_separator_code_point(U'\u2018'));
  EXPECT_FALSE(is_separator_code_point(U'\u2019'));
  EXPECT_FALSE(is_separator_code_point(U'\u00B4'));
  EXPECT_FALSE(is_separator_code_point(U'\u00C9'));
  EXPECT_TRUE(is_separator_code_point(U'\u00D7'));
  EXPECT_TRUE(is_separator_code_point(U' '));
  EXPECT_FALSE(is_separator_code_point(U'a'));
}

TEST(Tokenizer, TypographicApostrophesBecomeAscii) {
  EXPECT_EQ(words("Don\u2019t it\u00B4s"), (Words{"don't", "it's"}));
  EXPECT_EQ(words("\u2018quoted\u2019"), (Words{"quoted"}));  // U+2018 separates, U+2019 strips
}

TEST(Tokenizer, InvalidUtf8Throws) {
  const std::vector<std::string> bad = {
      "\xFF",              // never valid
      "caf\xC3",           // truncated two-byte sequence
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong three-byte
      "\xED\xA0\x80",      // UTF-16 surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "ok \x80 stray",     // lone continuation byte
      "\xE2\x80",          // truncated three-byte
  };
  for (const std::string& text : bad) {
    const std::string message = error_of([&] { words(text); });
    EXPECT_NE(message.find("invalid UTF-8"), std::string::npos) << message;
    EXPECT_NE(message.find("offset"), std::string::npos) << message;
    EXPECT_FALSE(is_valid_utf8(text));
  }
  EXPECT_EQ(invalid_utf8_offset("ok \x80 stray"), 3u);
  EXPECT_EQ(invalid_utf8_offset("0123456789abcdef\xFF"), 16u);  // past the 8-byte fast path
  EXPECT_EQ(invalid_utf8_offset("caf\xC3\xA9 \xF0\x9F\x99\x82"), std::string_view::npos);
  EXPECT_TRUE(is_valid_utf8(""));
}

TEST(Tokenizer, ScannerIsReusableAndAppends) {
  WordScanner scanner;
  std::vector<std::string> seen;
  for (std::string_view text : {"One two", "", "THREE'"}) {
    scanner.reset(text);
    for (std::string_view w; scanner.next(w);) seen.emplace_back(w);
  }
  EXPECT_EQ(seen, (Words{"one", "two", "three"}));
  Words out{"kept"};
  tokenize("more", out);
  EXPECT_EQ(out, (Words{"kept", "more"}));
}

// The anchor's rules written out directly: replace "<br />", lowercase, split on every
// byte outside [a-z0-9'], strip apostrophes, drop empties.
Words anchor_tokens(std::string_view raw) {
  std::string text;
  for (size_t i = 0; i < raw.size();) {
    if (raw.substr(i, 6) == "<br />") {
      text.push_back(' ');
      i += 6;
    } else {
      text.push_back(raw[i++]);
    }
  }
  Words out;
  std::string word;
  auto flush = [&] {
    const size_t first = word.find_first_not_of('\'');
    if (first != std::string::npos) {
      out.push_back(word.substr(first, word.find_last_not_of('\'') - first + 1));
    }
    word.clear();
  };
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'') {
      word.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

TEST(Tokenizer, MatchesAnchorRulesOnRandomAscii) {
  const std::vector<std::string> pieces = {"a",     "Z", "q", "7", "'", " ", "<br />", "<br",
                                           "br />", "<", "/", ">", ".", "-", "\n",     "Don't"};
  Rng rng(42);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    const uint64_t n = rng.below(30);
    for (uint64_t k = 0; k < n; ++k) text += pieces[rng.below(pieces.size())];
    ASSERT_EQ(words(text), anchor_tokens(text)) << "text: [" << text << "]";
  }
}

}  // namespace
}  // namespace sentiment::data
