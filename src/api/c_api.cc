// The C API (include/sentiment/sentiment_c.h) over the public C++ API alone: every entry point
// catches everything and turns it into a status and a per-thread message, so no exception
// crosses into C.
#include "sentiment/sentiment_c.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "sentiment/sentiment.h"

// The most threads a model may be given, as the CLI's --threads allows.
constexpr size_t kMaxThreads = 1024;

struct sentiment_model {
  sentiment::Model model;
};

namespace {

// The calling thread's last error. Recording a message may itself run out of memory; the
// fixed fallback then stands in for it.
struct LastError {
  std::string message;
  const char* fallback = nullptr;
};
thread_local LastError t_last_error;

void clear_error() noexcept {
  t_last_error.message.clear();
  t_last_error.fallback = nullptr;
}

// Records the message a + b + c; it never throws, so it is safe in a catch block.
sentiment_status fail(sentiment_status status, std::string_view a, std::string_view b = {},
                      std::string_view c = {}) noexcept {
  try {
    std::string& m = t_last_error.message;
    m.assign(a);
    m.append(b);
    m.append(c);
    t_last_error.fallback = nullptr;
  } catch (...) {
    t_last_error.fallback = "out of memory while recording an error";
  }
  return status;
}

// Runs fn (returning a status) with the error cleared first, mapping what it throws:
// sentiment::Error to error_status, std::bad_alloc to out of memory, anything else to an
// internal error.
template <typename Fn>
sentiment_status guarded(const char* function, sentiment_status error_status, Fn fn) noexcept {
  clear_error();
  try {
    return fn();
  } catch (const sentiment::Error& e) {
    return fail(error_status, e.what());
  } catch (const std::bad_alloc&) {
    return fail(SENTIMENT_ERROR_OUT_OF_MEMORY, function, ": out of memory");
  } catch (const std::exception& e) {
    return fail(SENTIMENT_ERROR_INTERNAL, function, ": ", e.what());
  } catch (...) {
    return fail(SENTIMENT_ERROR_INTERNAL, function, ": unknown exception");
  }
}

sentiment_status invalid(const std::string& message) {
  return fail(SENTIMENT_ERROR_INVALID_ARGUMENT, message);
}

// A file the loader could not open is an IO error, anything it refuses after that a format
// error; the loader's message does not say which, so the file is checked here first (pipes
// and devices are left to the loader: opening one here could take its data).
// Returns "" when the loader may read it, else the reason, worded as the loader words it.
std::string unreadable(const char* path) {
  const std::string name = std::string("cannot read model file ") + path + ": ";
  struct stat st {};
  if (::stat(path, &st) != 0) return name + std::strerror(errno);
  if (S_ISDIR(st.st_mode)) return name + std::strerror(EISDIR);
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) return "";
  if (!S_ISREG(st.st_mode)) return name + "it is not a regular file";
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return name + std::strerror(errno);
  ::close(fd);
  return "";
}

// The texts as views: texts[i] with lengths[i] bytes, or up to its NUL without lengths.
// Returns false (with the message set) when a pointer is missing.
bool text_views(const char* function, const char* const* texts, const size_t* lengths, size_t count,
                std::vector<std::string_view>& views) {
  if (texts == nullptr) {
    invalid(std::string(function) + ": texts is NULL but count is " + std::to_string(count));
    return false;
  }
  views.resize(count);
  for (size_t i = 0; i < count; ++i) {
    if (texts[i] == nullptr) {
      invalid(std::string(function) + ": text " + std::to_string(i + 1) + " is NULL");
      return false;
    }
    views[i] =
        lengths == nullptr ? std::string_view(texts[i]) : std::string_view(texts[i], lengths[i]);
  }
  return true;
}

}  // namespace

extern "C" {

SENTIMENT_API const char* sentiment_version(void) {
  return sentiment::version();
}

SENTIMENT_API const char* sentiment_status_string(sentiment_status status) {
  switch (status) {
    case SENTIMENT_OK:
      return "ok";
    case SENTIMENT_ERROR_INVALID_ARGUMENT:
      return "invalid argument";
    case SENTIMENT_ERROR_IO:
      return "input/output error";
    case SENTIMENT_ERROR_FORMAT:
      return "invalid model file";
    case SENTIMENT_ERROR_TEXT:
      return "invalid text";
    case SENTIMENT_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case SENTIMENT_ERROR_INTERNAL:
      return "internal error";
  }
  return "unknown status";
}

SENTIMENT_API const char* sentiment_last_error(void) {
  return t_last_error.fallback != nullptr ? t_last_error.fallback : t_last_error.message.c_str();
}

SENTIMENT_API sentiment_status sentiment_model_load(const char* path, size_t threads,
                                                    sentiment_model** out) {
  return guarded("sentiment_model_load", SENTIMENT_ERROR_FORMAT, [&] {
    if (out == nullptr) return invalid("sentiment_model_load: out is NULL");
    *out = nullptr;
    if (path == nullptr) return invalid("sentiment_model_load: path is NULL");
    if (threads > kMaxThreads)
      return invalid("sentiment_model_load: got threads " + std::to_string(threads) +
                     ", expected 0 to " + std::to_string(kMaxThreads));
    const std::string reason = unreadable(path);
    if (!reason.empty()) return fail(SENTIMENT_ERROR_IO, reason);
    sentiment::LoadOptions options;
    options.threads = threads;
    *out = new sentiment_model{sentiment::Model::load(path, options)};
    return SENTIMENT_OK;
  });
}

SENTIMENT_API void sentiment_model_free(sentiment_model* model) {
  delete model;
}

SENTIMENT_API size_t sentiment_model_num_classes(const sentiment_model* model) {
  size_t n = 0;
  guarded("sentiment_model_num_classes", SENTIMENT_ERROR_INTERNAL, [&] {
    if (model == nullptr) return invalid("sentiment_model_num_classes: model is NULL");
    n = model->model.num_classes();
    return SENTIMENT_OK;
  });
  return n;
}

SENTIMENT_API const char* sentiment_model_label(const sentiment_model* model, size_t index) {
  const char* label = nullptr;
  guarded("sentiment_model_label", SENTIMENT_ERROR_INTERNAL, [&] {
    if (model == nullptr) return invalid("sentiment_model_label: model is NULL");
    const std::vector<std::string>& labels = model->model.labels();
    if (index >= labels.size())
      return invalid("sentiment_model_label: got index " + std::to_string(index) +
                     ", expected below " + std::to_string(labels.size()) + " (the classes)");
    label = labels[index].c_str();
    return SENTIMENT_OK;
  });
  return label;
}

SENTIMENT_API sentiment_status sentiment_predict(const sentiment_model* model,
                                                 const char* const* texts, const size_t* lengths,
                                                 size_t count, float* probabilities,
                                                 size_t capacity) {
  // sentiment::Error from predict_proba names a text the model refuses.
  return guarded("sentiment_predict", SENTIMENT_ERROR_TEXT, [&] {
    if (model == nullptr) return invalid("sentiment_predict: model is NULL");
    if (count == 0) return SENTIMENT_OK;
    const size_t K = model->model.num_classes();
    if (probabilities == nullptr)
      return invalid("sentiment_predict: probabilities is NULL but count is " +
                     std::to_string(count));
    if (count > SIZE_MAX / K || capacity < count * K)
      return invalid("sentiment_predict: got capacity " + std::to_string(capacity) +
                     " floats, expected at least " + std::to_string(count) + " texts x " +
                     std::to_string(K) + " classes");
    std::vector<std::string_view> views;
    if (!text_views("sentiment_predict", texts, lengths, count, views))
      return SENTIMENT_ERROR_INVALID_ARGUMENT;
    const std::vector<float> p = model->model.predict_proba(views.data(), count);
    std::memcpy(probabilities, p.data(), p.size() * sizeof(float));
    return SENTIMENT_OK;
  });
}

SENTIMENT_API sentiment_status sentiment_predict_labels(const sentiment_model* model,
                                                        const char* const* texts,
                                                        const size_t* lengths, size_t count,
                                                        size_t* labels, float* probabilities,
                                                        size_t capacity) {
  return guarded("sentiment_predict_labels", SENTIMENT_ERROR_TEXT, [&] {
    if (model == nullptr) return invalid("sentiment_predict_labels: model is NULL");
    if (count == 0) return SENTIMENT_OK;
    if (labels == nullptr)
      return invalid("sentiment_predict_labels: labels is NULL but count is " +
                     std::to_string(count));
    if (capacity < count)
      return invalid("sentiment_predict_labels: got capacity " + std::to_string(capacity) +
                     ", expected at least " + std::to_string(count) + " (the texts)");
    std::vector<std::string_view> views;
    if (!text_views("sentiment_predict_labels", texts, lengths, count, views))
      return SENTIMENT_ERROR_INVALID_ARGUMENT;
    const std::vector<sentiment::Prediction> p = model->model.predict(views.data(), count);
    for (size_t i = 0; i < count; ++i) {
      labels[i] = p[i].index;
      if (probabilities != nullptr) probabilities[i] = p[i].probability;
    }
    return SENTIMENT_OK;
  });
}

}  // extern "C"
