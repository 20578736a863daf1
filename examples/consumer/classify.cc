// classify MODEL: reads one text per line from stdin and prints each one's label and that
// label's probability, tab-separated, using only the installed lstm-sentiment package
// (<sentiment/sentiment.h> and libsentiment.so). A failure prints "error: ..." and exits 1.
#include <sentiment/sentiment.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL < texts (one per line)\n", argv[0]);
    return 2;
  }
  try {
    const sentiment::Model model = sentiment::Model::load(argv[1]);
    std::vector<std::string> texts;
    for (std::string line; std::getline(std::cin, line);) texts.push_back(line);
    for (const sentiment::Prediction& p : model.predict(texts))
      std::printf("%s\t%.4f\n", p.label.c_str(), static_cast<double>(p.probability));
  } catch (const sentiment::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
