// Classifier::encode on a pool gives exactly the rows of the serial pass, for runs of texts
// that do not fill the last task, and names the first bad text as the serial pass does.
#include "io/classifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"

namespace sentiment {
namespace {

Classifier small_classifier() {
  Model model(lstm_config(20, 4, 6));
  Rng rng(3);
  model.initialize(rng);
  auto vocab = data::Vocabulary::from_ranked(
      {"the", "film", "great", "awful", "was", "a", "plot", "acting", "fun", "bad"}, 20);
  Preprocessing pre;
  pre.maxlen = 7;
  return Classifier(std::move(model), std::move(vocab), pre);
}

const char* const kWords[] = {"the", "film", "great", "awful", "was", "a", "plot", "zebra"};

std::vector<std::string> texts(size_t n) {
  std::vector<std::string> out;
  for (size_t k = 0; k < n; ++k) {
    std::string t;
    for (size_t w = 0; w <= k % 11; ++w) t += std::string(kWords[(k * 7 + w * 3) % 8]) + " ";
    out.push_back(t);
  }
  return out;
}

std::string error_of(const Classifier& c, const std::vector<std::string_view>& v,
                     ThreadPool* pool) {
  try {
    c.encode(v, pool);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ClassifierEncode, ThePoolGivesTheSerialRows) {
  const Classifier c = small_classifier();
  ThreadPool pool(3);
  for (size_t n : {0u, 1u, 31u, 32u, 33u, 100u, 257u}) {
    const std::vector<std::string> t = texts(n);
    const std::vector<std::string_view> v(t.begin(), t.end());
    const std::vector<int32_t> serial = c.encode(v);
    ASSERT_EQ(serial.size(), n * 7);
    EXPECT_EQ(c.encode(v, &pool), serial) << n << " texts";
  }
}

TEST(ClassifierEncode, TheFirstBadTextIsNamedWhateverThePool) {
  const Classifier c = small_classifier();
  ThreadPool pool(3);
  std::vector<std::string> t = texts(200);
  t[150] = "   ";          // empty, in a later task
  t[70] = "caf\xE9 film";  // not UTF-8, earlier
  const std::vector<std::string_view> v(t.begin(), t.end());
  EXPECT_EQ(error_of(c, v, nullptr), "text 71 is not valid UTF-8");
  EXPECT_EQ(error_of(c, v, &pool), "text 71 is not valid UTF-8");
  t[70] = "fine";
  const std::vector<std::string_view> w(t.begin(), t.end());
  EXPECT_EQ(error_of(c, w, &pool), "text 151 is empty");
}

}  // namespace
}  // namespace sentiment
