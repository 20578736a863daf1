/* lstm-sentiment's C API (C11, or C++ through the same header): load a model file and
   classify raw text. It is a thin layer over the C++ API in sentiment.h with the same
   results to the last bit; no exception and no C++ type crosses it. Link with
   `pkg-config --cflags --libs sentiment` or the CMake target sentiment::sentiment.

     sentiment_model* model = NULL;
     if (sentiment_model_load("final.model", 0, &model) != SENTIMENT_OK) {
       fprintf(stderr, "error: %s\n", sentiment_last_error());
       return 1;
     }
     const char* texts[] = {"A moving, funny film."};
     size_t label;
     float p;
     if (sentiment_predict_labels(model, texts, NULL, 1, &label, &p, 1) == SENTIMENT_OK)
       printf("%s %.3f\n", sentiment_model_label(model, label), p);
     sentiment_model_free(model);

   Ownership: a model is created by sentiment_model_load and released, once, by
   sentiment_model_free. Strings the library returns are never freed by the caller: labels
   live as long as their model; version and status strings for the life of the program;
   the last error message until the next call into this API on the same thread. Every
   buffer passed in (texts, lengths, probabilities, labels) stays the caller's, is only read
   or written during the call, and is never kept.

   Threads: any number of threads may call sentiment_predict, sentiment_predict_labels,
   sentiment_model_num_classes and sentiment_model_label on one model at the same time
   (a model shares one thread pool between its calls; a call that finds the pool busy runs
   on its caller's thread instead of waiting). sentiment_model_free must not overlap any
   other call on the same model. Different models are independent.

   Errors: every function that can fail returns a sentiment_status (or, for
   sentiment_model_num_classes and sentiment_model_label, 0 and NULL); on failure it writes
   no output (*out is set to NULL, buffers are left as they were) and sentiment_last_error()
   on the same thread describes it, naming the file or the text at fault (texts are numbered
   from 1: texts[0] is "text 1"). A call that succeeds clears the message. Nothing aborts
   the program or lets a C++ exception escape. */
#ifndef SENTIMENT_SENTIMENT_C_H
#define SENTIMENT_SENTIMENT_C_H

#include <stddef.h>

#include "sentiment/export.h"
#include "sentiment/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A loaded classifier (opaque): tokenizer rules, vocabulary, weights and labels. */
typedef struct sentiment_model sentiment_model;

/* The outcome of a call. The values are part of the ABI and never change. */
typedef enum sentiment_status {
  SENTIMENT_OK = 0,
  SENTIMENT_ERROR_INVALID_ARGUMENT = 1, /* a NULL pointer, a buffer too small, a bad index */
  SENTIMENT_ERROR_IO = 2,               /* a model file missing, unreadable or a directory */
  SENTIMENT_ERROR_FORMAT = 3,           /* a corrupt, truncated or foreign model file */
  SENTIMENT_ERROR_TEXT = 4,             /* a text empty, over 1 MiB or not valid UTF-8 */
  SENTIMENT_ERROR_OUT_OF_MEMORY = 5,
  SENTIMENT_ERROR_INTERNAL = 6 /* a failure inside the library (a bug: please report it) */
} sentiment_status;

/* The library's version, "MAJOR.MINOR.PATCH" (SENTIMENT_VERSION_STRING is the headers'). */
SENTIMENT_API const char* sentiment_version(void);

/* A fixed English name for a status, e.g. "invalid argument"; "unknown status" for a value
   outside the enum. */
SENTIMENT_API const char* sentiment_status_string(sentiment_status status);

/* The message of the last failed call on the calling thread, "" when the last call
   succeeded or none was made. Valid until the next call into this API on this thread. */
SENTIMENT_API const char* sentiment_last_error(void);

/* Reads a model file written by `sentiment train` or sentiment::Model::save into *out,
   which the caller releases with sentiment_model_free. threads: how many threads one
   prediction may use, 0 for one per core, at most 1024. Fails with SENTIMENT_ERROR_IO when the file
   cannot be opened (the message names it and the system's reason) and
   SENTIMENT_ERROR_FORMAT when it is not a valid model file. */
SENTIMENT_API sentiment_status sentiment_model_load(const char* path, size_t threads,
                                                    sentiment_model** out);

/* Releases a model and its labels; NULL is accepted and does nothing. */
SENTIMENT_API void sentiment_model_free(sentiment_model* model);

/* The number of classes (labels), at least 2; 0 for a NULL model. */
SENTIMENT_API size_t sentiment_model_num_classes(const sentiment_model* model);

/* The name of class index (0 <= index < num_classes), NUL-terminated and owned by the model;
   NULL for a NULL model or an index out of range (with a last error message). */
SENTIMENT_API const char* sentiment_model_label(const sentiment_model* model, size_t index);

/* Class probabilities of count texts, row-major: probabilities[i * K + k] is the probability
   of class k for texts[i], K = sentiment_model_num_classes(model); each row sums to 1.
     texts          count pointers to UTF-8 text
     lengths        count byte lengths, or NULL when every text is NUL-terminated
     probabilities  caller-owned, capacity floats, at least count * K
   count 0 is valid and writes nothing (texts and probabilities may then be NULL). A text that
   is empty (nothing but whitespace), over 1 MiB or not valid UTF-8 fails the whole call with
   SENTIMENT_ERROR_TEXT and a message naming the first such text. */
SENTIMENT_API sentiment_status sentiment_predict(const sentiment_model* model,
                                                 const char* const* texts, const size_t* lengths,
                                                 size_t count, float* probabilities,
                                                 size_t capacity);

/* The most probable class of each text, as sentiment_predict's texts, lengths and count:
   labels[i] is an index for sentiment_model_label, and, unless probabilities is NULL,
   probabilities[i] is its probability. Binary models give class 1 when its probability is
   above 0.5, as `sentiment predict` does. labels (and probabilities) hold capacity entries,
   at least count. */
SENTIMENT_API sentiment_status sentiment_predict_labels(const sentiment_model* model,
                                                        const char* const* texts,
                                                        const size_t* lengths, size_t count,
                                                        size_t* labels, float* probabilities,
                                                        size_t capacity);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SENTIMENT_SENTIMENT_C_H */
