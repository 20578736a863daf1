// read_imdb: the aclImdb layout from a directory or a tar archive. Both paths produce the
// same list of entries, which is then sorted into the canonical order (split, neg before
// pos, numeric id) and validated in parallel with deterministic error reporting.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <optional>
#include <tuple>

#include "core/error.h"
#include "core/thread_pool.h"
#include "data/archive.h"
#include "data/imdb.h"
#include "data/input_policy.h"
#include "data/tokenizer.h"

namespace sentiment::data {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 2> kSplits = {"train", "test"};
constexpr std::array<std::string_view, 2> kLabelDirs = {"neg", "pos"};  // index = label
constexpr std::string_view kLayoutHint =
    "expected aclImdb/{train,test}/{neg,pos}/ID_RATING.txt, as in aclImdb_v1.tar.gz";
// Validation is cheap per review; a few tasks per thread balance long and short chunks.
constexpr size_t kTasksPerThread = 8;

struct Entry {
  size_t split = 0;  // index into kSplits
  int label = 0;     // index into kLabelDirs
  uint64_t id = 0;
  int rating = 0;
  std::string source;  // "train/pos/123_9.txt", relative to the aclImdb root
  std::string member;  // how errors name it: the archive member, or source for a directory
  std::string text;
  std::string skipped;  // why the review was dropped under OnError::kSkip (empty: kept)
};

std::optional<size_t> index_in(std::string_view name, const auto& names) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<size_t>(it - names.begin());
}

bool parse_decimal(std::string_view digits, uint64_t& value) {
  if (digits.empty() || digits.size() > 19) return false;  // 19 digits always fit 64 bits
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc() && end == digits.data() + digits.size();
}

// Fills id and rating from a file name "ID_RATING.txt"; throws naming the member.
void parse_review_name(std::string_view name, const std::string& member, const std::string& where,
                       Entry& entry) {
  constexpr std::string_view kSuffix = ".txt";
  bool ok = name.size() > kSuffix.size() && name.ends_with(kSuffix);
  uint64_t rating = 0;
  if (ok) {
    const std::string_view stem = name.substr(0, name.size() - kSuffix.size());
    const size_t underscore = stem.find('_');
    ok = underscore != std::string_view::npos &&
         parse_decimal(stem.substr(0, underscore), entry.id) &&
         parse_decimal(stem.substr(underscore + 1), rating) && rating >= 1 && rating <= 10;
  }
  if (!ok) {
    throw Error("bad review file name '" + member + "' in '" + where + "': got '" +
                std::string(name) +
                "', expected ID_RATING.txt with a numeric ID and a rating from 1 to 10");
  }
  entry.rating = static_cast<int>(rating);
}

void check_size(int64_t size, const std::string& member, const std::string& where) {
  if (size == 0) {
    throw Error("review '" + member + "' in '" + where + "' is empty (expected review text)");
  }
  if (size > static_cast<int64_t>(kMaxReviewBytes)) {
    throw Error("review '" + member + "' in '" + where + "' is too large: got " +
                std::to_string(size) + " bytes, expected at most " +
                std::to_string(kMaxReviewBytes) + " (1 MiB)");
  }
}

std::string read_review_file(const fs::path& file, const std::string& member,
                             const std::string& where) {
  const std::string name = file.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open review '" + name + "': " + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw Error("cannot stat '" + name + "': " + std::strerror(errno));
  check_size(info.st_size, member, where);
  std::string text(static_cast<size_t>(info.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("cannot read review '" + name + "': " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  // A file that shrank while being read must not pass as a shorter review.
  if (got != text.size()) {
    throw Error("review '" + name + "' changed while being read: got " + std::to_string(got) +
                " bytes, expected " + std::to_string(text.size()));
  }
  return text;
}

// Per split (train, test), neg before pos, then numeric id.
bool canonical_order(const Entry& a, const Entry& b) {
  return std::tie(a.split, a.label, a.id) < std::tie(b.split, b.label, b.id);
}

// Runs fn on every entry in parallel; rethrows the error of the first failing entry in
// list order, so the message never depends on thread timing.
void for_each_entry(std::vector<Entry>& entries, const std::function<void(Entry&)>& fn) {
  ThreadPool pool(0);
  const size_t tasks = std::min(entries.size(), pool.size() * kTasksPerThread);
  std::vector<std::exception_ptr> errors(tasks);
  pool.parallel_for(tasks, [&](size_t task, size_t) {
    const size_t begin = entries.size() * task / tasks;
    const size_t end = entries.size() * (task + 1) / tasks;
    try {
      for (size_t i = begin; i < end; ++i) fn(entries[i]);
    } catch (...) {
      errors[task] = std::current_exception();
    }
  });
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// Sorts into the canonical order, checks ids are unique and no split/label is empty, and
// moves the texts into the result.
ImdbReviews finish(std::vector<Entry> entries, const std::string& where,
                   const InputPolicy& policy) {
  std::sort(entries.begin(), entries.end(), canonical_order);
  std::array<std::array<size_t, 2>, 2> counts{};
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    ++counts[e.split][static_cast<size_t>(e.label)];
    if (i > 0 && entries[i - 1].split == e.split && entries[i - 1].label == e.label &&
        entries[i - 1].id == e.id) {
      throw Error("reviews '" + entries[i - 1].member + "' and '" + e.member + "' in '" + where +
                  "' share the id " + std::to_string(e.id) + " (expected unique ids per folder)");
    }
  }
  for (size_t s = 0; s < kSplits.size(); ++s) {
    for (size_t l = 0; l < kLabelDirs.size(); ++l) {
      if (counts[s][l] == 0) {
        throw Error("wrong layout in '" + where + "': found no reviews in " +
                    std::string(kSplits[s]) + "/" + std::string(kLabelDirs[l]) + " (" +
                    std::string(kLayoutHint) + ")");
      }
    }
  }
  for_each_entry(entries, [&](Entry& e) {
    const std::string name = "review '" + e.member + "' in '" + where + "'";
    PolicyResult r = apply_input_policy(std::move(e.text), policy);
    std::string error;
    // A review of blanks would encode to a bare start marker: as useless as an empty one.
    if (!r.ok()) {
      error = name + " " + r.error;
    } else if (r.text.find_first_not_of(" \t\n\r\v\f") == std::string::npos) {
      error = name + " is empty (only whitespace; expected review text)";
    }
    if (error.empty()) {
      e.text = std::move(r.text);
    } else if (policy.on_error == OnError::kSkip) {
      e.skipped = std::move(error);
    } else {
      throw Error(error);
    }
  });
  ImdbReviews reviews;
  reviews.train.reserve(counts[0][0] + counts[0][1]);
  reviews.test.reserve(counts[1][0] + counts[1][1]);
  for (Entry& e : entries) {
    if (!e.skipped.empty()) {
      if (reviews.skipped++ == 0) reviews.first_skipped = std::move(e.skipped);
      continue;
    }
    auto& split = e.split == 0 ? reviews.train : reviews.test;
    split.push_back({std::move(e.text), e.label, e.rating, std::move(e.source)});
  }
  return reviews;
}

ImdbReviews read_directory(const fs::path& path, const InputPolicy& policy) {
  fs::path root = path;
  if (!fs::is_directory(root / "train") && fs::is_directory(root / "aclImdb")) {
    root = root / "aclImdb";
  }
  const std::string where = root.string();
  std::vector<Entry> entries;
  for (size_t s = 0; s < kSplits.size(); ++s) {
    for (size_t l = 0; l < kLabelDirs.size(); ++l) {
      const std::string relative = std::string(kSplits[s]) + "/" + std::string(kLabelDirs[l]);
      const fs::path dir = root / relative;
      if (!fs::is_directory(dir)) {
        throw Error("wrong layout in '" + where + "': missing directory " + relative + " (" +
                    std::string(kLayoutHint) + ", or the directory that holds aclImdb/)");
      }
      std::vector<std::string> names;
      for (const fs::directory_entry& file : fs::directory_iterator(dir)) {
        std::string name = file.path().filename().string();
        // Hidden files (editor backups, macOS "._*" metadata) are not reviews.
        if (!name.starts_with('.') && file.is_regular_file()) names.push_back(std::move(name));
      }
      // Directory order is the file system's; sorting makes a bad-name error reproducible.
      std::sort(names.begin(), names.end());
      for (const std::string& name : names) {
        Entry entry;
        entry.split = s;
        entry.label = static_cast<int>(l);
        entry.source = relative + "/" + name;
        entry.member = entry.source;
        parse_review_name(name, entry.source, where, entry);
        entries.push_back(std::move(entry));
      }
    }
  }
  // Sorted before reading so that, of several bad files, the first in order is reported.
  std::sort(entries.begin(), entries.end(), canonical_order);
  for_each_entry(entries,
                 [&](Entry& e) { e.text = read_review_file(root / e.source, e.member, where); });
  return finish(std::move(entries), where, policy);
}

// Splits an archive member path into components, dropping "." and empty ones.
std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(begin, end - begin);
    if (!part.empty() && part != ".") parts.push_back(part);
    begin = end + 1;
  }
  return parts;
}

ImdbReviews read_archive_file(const fs::path& path, const InputPolicy& policy) {
  const std::string where = path.string();
  std::vector<Entry> entries;
  std::optional<std::string> prefix;  // what comes before train/ or test/, e.g. "aclImdb"
  Entry pending;
  auto select = [&](const ArchiveMember& member) {
    const std::vector<std::string_view> parts = components(member.path);
    const size_t n = parts.size();
    if (n < 3) return false;
    const auto split = index_in(parts[n - 3], kSplits);
    const auto label = index_in(parts[n - 2], kLabelDirs);
    // train/unsup, *.feat, urls_*.txt, imdb.vocab and README all fail this test.
    if (!split || !label || parts[n - 1].starts_with('.')) return false;
    std::string root;
    for (size_t i = 0; i + 3 < n; ++i) root += std::string(parts[i]) + "/";
    if (!prefix) prefix = root;
    if (root != *prefix) {
      throw Error("archive '" + where + "' holds reviews under both '" + *prefix + "' and '" +
                  root + "' (" + std::string(kLayoutHint) + ", one tree only)");
    }
    pending = Entry{};
    pending.split = *split;
    pending.label = static_cast<int>(*label);
    pending.source = std::string(parts[n - 3]) + "/" + std::string(parts[n - 2]) + "/" +
                     std::string(parts[n - 1]);
    pending.member = member.path;
    parse_review_name(parts[n - 1], member.path, where, pending);
    check_size(member.size, member.path, where);
    return true;
  };
  auto take = [&](const ArchiveMember&, std::string&& bytes) {
    pending.text = std::move(bytes);
    entries.push_back(std::move(pending));
  };
  read_archive(path, select, take);
  return finish(std::move(entries), where, policy);
}

}  // namespace

ImdbReviews read_imdb(const std::filesystem::path& path, const InputPolicy& policy) {
  try {
    const fs::file_status status = fs::status(path);
    if (!fs::exists(status)) {
      throw Error("IMDB data '" + path.string() +
                  "' does not exist (expected the aclImdb directory, its parent, or a "
                  ".tar.gz/.tgz/.tar archive of it)");
    }
    if (fs::is_directory(status)) return read_directory(path, policy);
    if (fs::is_regular_file(status)) return read_archive_file(path, policy);
    throw Error("IMDB data '" + path.string() +
                "' is neither a directory nor a regular file (expected the aclImdb directory "
                "or a .tar.gz/.tgz/.tar archive of it)");
  } catch (const fs::filesystem_error& e) {
    throw Error("cannot read IMDB data '" + path.string() + "': " + e.what());
  }
}

}  // namespace sentiment::data
