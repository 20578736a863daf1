// A flat open-addressing hash map from words to int64 values, for the two hot loops of the
// data layer (counting 6M training words, looking up 12M words when encoding). Compared
// with std::unordered_map it avoids a heap node per word and a pointer chase per probe,
// which halved the time of counting plus encoding IMDB (2.3 s -> 1.1 s).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sentiment::data {

class WordTable {
 public:
  WordTable() { slots_.resize(kInitialSlots); }

  size_t size() const { return words_.size(); }
  // Words in insertion order, with their values.
  std::string_view word(size_t i) const {
    return std::string_view(text_).substr(words_[i].offset, words_[i].length);
  }
  int64_t value(size_t i) const { return words_[i].value; }

  // The value stored for word, or nullptr.
  const int64_t* find(std::string_view word) const {
    const uint64_t hash = hash_word(word);
    for (size_t s = hash & mask();; s = (s + 1) & mask()) {
      const Slot& slot = slots_[s];
      if (slot.id == 0) return nullptr;
      if (slot.hash == hash && same(slot.id - 1, word)) return &words_[slot.id - 1].value;
    }
  }

  // The value of word, inserted with value 0 when absent; `inserted` says which.
  int64_t& get(std::string_view word, bool& inserted) {
    const uint64_t hash = hash_word(word);
    size_t s = hash & mask();
    for (;; s = (s + 1) & mask()) {
      const Slot& slot = slots_[s];
      if (slot.id == 0) break;
      if (slot.hash == hash && same(slot.id - 1, word)) {
        inserted = false;
        return words_[slot.id - 1].value;
      }
    }
    inserted = true;
    words_.push_back({text_.size(), static_cast<uint32_t>(word.size()), 0});
    text_.append(word);
    slots_[s] = {hash, static_cast<uint32_t>(words_.size())};
    // Keep the load under 1/2 so that linear probes stay short.
    if (2 * words_.size() > slots_.size()) grow();
    return words_.back().value;
  }
  int64_t& operator[](std::string_view word) {
    bool inserted = false;
    return get(word, inserted);
  }

 private:
  static constexpr size_t kInitialSlots = 1 << 10;

  struct Slot {
    uint64_t hash = 0;
    uint32_t id = 0;  // index into words_ plus one; 0 marks an empty slot
  };
  struct Word {
    size_t offset;  // into text_
    uint32_t length;
    int64_t value;
  };

  // FNV-1a (words are short, so byte-at-a-time is cheap) with a final mix so that the low
  // bits used for the slot depend on every bit of every byte.
  static uint64_t hash_word(std::string_view word) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : word) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
  }

  size_t mask() const { return slots_.size() - 1; }

  // Equal hashes almost always mean equal words; an inline byte loop beats a memcmp call
  // for words of a few bytes.
  bool same(size_t i, std::string_view word) const {
    if (words_[i].length != word.size()) return false;
    const char* stored = text_.data() + words_[i].offset;
    for (size_t k = 0; k < word.size(); ++k) {
      if (stored[k] != word[k]) return false;
    }
    return true;
  }

  void grow() {
    std::vector<Slot> old(2 * slots_.size());
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.id == 0) continue;
      size_t s = slot.hash & mask();
      while (slots_[s].id != 0) s = (s + 1) & mask();
      slots_[s] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::vector<Word> words_;
  std::string text_;  // all words back to back, so a table is a few large allocations
};

}  // namespace sentiment::data
