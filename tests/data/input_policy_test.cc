// The input policy on single texts: UTF-8 checking with the first bad byte's offset,
// Latin-1 decoding of every byte, U+FFFD replacement, and the names of the policies.
#include "data/input_policy.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "data/tokenizer.h"

namespace sentiment::data {
namespace {

constexpr InputPolicy kFail{InputEncoding::kUtf8, OnError::kFail};
constexpr InputPolicy kSkip{InputEncoding::kUtf8, OnError::kSkip};
constexpr InputPolicy kReplace{InputEncoding::kUtf8, OnError::kReplace};
constexpr InputPolicy kLatin1{InputEncoding::kLatin1, OnError::kFail};

TEST(InputPolicy, ValidUtf8PassesUnchanged) {
  for (const InputPolicy& p : {kFail, kSkip, kReplace}) {
    const std::string text = "caf\xC3\xA9 \xE2\x82\xAC 100 \xF0\x9F\x98\x80 plain";
    const PolicyResult r = apply_input_policy(text, p);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.text, text);
    EXPECT_EQ(r.offset, std::string::npos);
  }
}

TEST(InputPolicy, InvalidUtf8IsRefusedWithTheFirstBadByteAndItsOffset) {
  struct Case {
    std::string bytes;
    size_t offset;
    const char* byte;
  };
  const Case cases[] = {
      {"caf\xE9 au lait", 3, "0xE9"},        // a Latin-1 e-acute
      {"\xFF", 0, "0xFF"},                   // never valid
      {"ok \xC0\xAF", 3, "0xC0"},            // overlong '/'
      {"ab\xED\xA0\x80", 2, "0xED"},         // a UTF-16 surrogate
      {"good \xE2\x82", 5, "0xE2"},          // truncated at the end
      {"\xC3\xA9\xC3\xA9\x80x", 4, "0x80"},  // a stray continuation byte
  };
  for (const Case& c : cases) {
    for (const InputPolicy& p : {kFail, kSkip}) {
      const PolicyResult r = apply_input_policy(c.bytes, p);
      ASSERT_FALSE(r.ok()) << c.byte;
      EXPECT_EQ(r.offset, c.offset) << r.error;
      EXPECT_NE(r.error.find("not valid UTF-8"), std::string::npos) << r.error;
      EXPECT_NE(r.error.find(std::string(c.byte) + " at byte offset " + std::to_string(c.offset)),
                std::string::npos)
          << r.error;
    }
  }
}

TEST(InputPolicy, Latin1DecodesEveryHighByteToItsCodePoint) {
  for (int b = 0x80; b <= 0xFF; ++b) {
    const std::string raw(1, static_cast<char>(b));
    const PolicyResult r = apply_input_policy(raw, kLatin1);
    ASSERT_TRUE(r.ok()) << b;
    ASSERT_EQ(r.text.size(), 2u) << b;
    const auto lead = static_cast<unsigned char>(r.text[0]);
    const auto cont = static_cast<unsigned char>(r.text[1]);
    EXPECT_EQ(((lead & 0x1F) << 6) | (cont & 0x3F), b) << b;
    EXPECT_TRUE(is_valid_utf8(r.text)) << b;
  }
  EXPECT_EQ(latin1_to_utf8("caf\xE9 na\xEFve \xA3"
                           "5"),
            "caf\xC3\xA9 na\xC3\xAFve \xC2\xA3"
            "5");
  EXPECT_EQ(latin1_to_utf8("plain ascii\t\n"), "plain ascii\t\n");
  // Latin-1 reads UTF-8 bytes as two characters each: it is the user's choice, not checked.
  EXPECT_EQ(apply_input_policy("\xC3\xA9", kLatin1).text, "\xC3\x83\xC2\xA9");
}

TEST(InputPolicy, ReplaceGivesOneReplacementCharacterPerBadByte) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(apply_input_policy("caf\xE9 ok", kReplace).text, "caf" + fffd + " ok");
  EXPECT_EQ(apply_input_policy("\xFF\xFE", kReplace).text, fffd + fffd);
  EXPECT_EQ(apply_input_policy("a\xE2\x82", kReplace).text, "a" + fffd + fffd);
  EXPECT_EQ(apply_input_policy("\xC3\xA9\x80\xC3\xA9", kReplace).text,
            "\xC3\xA9" + fffd + "\xC3\xA9");
  const PolicyResult r = apply_input_policy("x\xE9y", kReplace);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(is_valid_utf8(r.text));
  EXPECT_EQ(replace_invalid_utf8(""), "");
}

TEST(InputPolicy, NamesRoundTripAndUnknownNamesAreErrors) {
  for (const InputEncoding e : {InputEncoding::kUtf8, InputEncoding::kLatin1})
    EXPECT_EQ(parse_input_encoding(to_string(e)), e);
  for (const OnError e : {OnError::kFail, OnError::kSkip, OnError::kReplace})
    EXPECT_EQ(parse_on_error(to_string(e)), e);
  EXPECT_EQ(to_string(InputEncoding::kLatin1), "latin-1");
  EXPECT_THROW(parse_input_encoding("cp1252"), Error);
  EXPECT_THROW(parse_on_error("ignore"), Error);
  // The defaults keep the old behaviour: UTF-8, and a bad line is an error.
  const InputPolicy defaults;
  EXPECT_EQ(defaults.encoding, InputEncoding::kUtf8);
  EXPECT_EQ(defaults.on_error, OnError::kFail);
}

}  // namespace
}  // namespace sentiment::data
