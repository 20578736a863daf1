/* The C API (include/sentiment/sentiment_c.h), compiled as C11 and linked with the shared
   library alone: loading, labels, prediction, every error path with its status and message,
   the per-thread last error, and one model predicting on several threads at once.
     c_api_test MODELS_DIR   (the tiny_models fixture's folder) */
#define _POSIX_C_SOURCE 200809L

#include <sentiment/sentiment_c.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* The call must give the status; prints the last error when it does not. */
#define CHECK_STATUS(call, expected)                                                       \
  do {                                                                                     \
    const sentiment_status got_ = (call);                                                  \
    if (got_ != (expected)) {                                                              \
      fprintf(stderr, "%s:%d: %s: got status %d (%s), expected %d (%s); last error: %s\n", \
              __FILE__, __LINE__, #call, (int)got_, sentiment_status_string(got_),         \
              (int)(expected), sentiment_status_string(expected), sentiment_last_error()); \
      exit(1);                                                                             \
    }                                                                                      \
  } while (0)

/* The last error must contain needle. */
#define CHECK_ERROR_HAS(needle)                                                             \
  do {                                                                                      \
    if (strstr(sentiment_last_error(), (needle)) == NULL) {                                 \
      fprintf(stderr, "%s:%d: last error '%s' does not contain '%s'\n", __FILE__, __LINE__, \
              sentiment_last_error(), (needle));                                            \
      exit(1);                                                                              \
    }                                                                                       \
  } while (0)

enum { kTexts = 5, kMaxClasses = 3, kThreads = 4, kRounds = 20 };

static const char* const kTextList[kTexts] = {
    "a wonderful film, truly moving", "a dull boring movie", "the cast was superb",
    "tedious and dreadful from start to end", "an ordinary story"};

static char g_models[4096];
static char g_tmp[4096];

static void path_in(char* out, size_t size, const char* dir, const char* name) {
  const int n = snprintf(out, size, "%s/%s", dir, name);
  CHECK(n > 0 && (size_t)n < size);
}

static sentiment_model* load(const char* name) {
  char path[4096];
  sentiment_model* model = NULL;
  path_in(path, sizeof path, g_models, name);
  CHECK_STATUS(sentiment_model_load(path, 2, &model), SENTIMENT_OK);
  CHECK(model != NULL);
  CHECK(strcmp(sentiment_last_error(), "") == 0);
  return model;
}

static void write_bytes(const char* path, const void* data, size_t n) {
  FILE* f = fopen(path, "wb");
  CHECK(f != NULL);
  CHECK(fwrite(data, 1, n, f) == n);
  CHECK(fclose(f) == 0);
}

/* The whole file into a malloc'd buffer, its size in *size. */
static char* read_bytes(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  long n;
  char* data;
  CHECK(f != NULL);
  CHECK(fseek(f, 0, SEEK_END) == 0);
  n = ftell(f);
  CHECK(n > 0);
  CHECK(fseek(f, 0, SEEK_SET) == 0);
  data = malloc((size_t)n);
  CHECK(data != NULL);
  CHECK(fread(data, 1, (size_t)n, f) == (size_t)n);
  CHECK(fclose(f) == 0);
  *size = (size_t)n;
  return data;
}

static void test_version_and_status_strings(void) {
  int a, b;
  CHECK(strcmp(sentiment_version(), SENTIMENT_VERSION_STRING) == 0);
  CHECK(strcmp(sentiment_last_error(), "") == 0);
  CHECK(strcmp(sentiment_status_string(SENTIMENT_OK), "ok") == 0);
  for (a = SENTIMENT_OK; a <= SENTIMENT_ERROR_INTERNAL; ++a) {
    CHECK(strlen(sentiment_status_string((sentiment_status)a)) > 0);
    for (b = SENTIMENT_OK; b < a; ++b)
      CHECK(strcmp(sentiment_status_string((sentiment_status)a),
                   sentiment_status_string((sentiment_status)b)) != 0);
  }
}

static void test_load_and_labels(void) {
  sentiment_model* tiny = load("tiny.model");
  sentiment_model* three = load("three.model");
  CHECK(sentiment_model_num_classes(tiny) == 2);
  CHECK(strcmp(sentiment_model_label(tiny, 0), "bad") == 0);
  CHECK(strcmp(sentiment_model_label(tiny, 1), "good") == 0);
  CHECK(sentiment_model_label(tiny, 2) == NULL);
  CHECK_ERROR_HAS("got index 2, expected below 2");
  CHECK(sentiment_model_num_classes(three) == 3);
  CHECK(strcmp(sentiment_last_error(), "") == 0);
  CHECK(strcmp(sentiment_model_label(three, 0), "bad") == 0);
  CHECK(strcmp(sentiment_model_label(three, 1), "flat") == 0);
  CHECK(strcmp(sentiment_model_label(three, 2), "good") == 0);
  CHECK(sentiment_model_label(three, (size_t)-1) == NULL);
  CHECK(sentiment_model_num_classes(NULL) == 0);
  CHECK_ERROR_HAS("model is NULL");
  CHECK(sentiment_model_label(NULL, 0) == NULL);
  CHECK_ERROR_HAS("model is NULL");
  sentiment_model_free(three);
  sentiment_model_free(tiny);
  sentiment_model_free(NULL);
}

static void test_predict(const char* name, size_t classes) {
  sentiment_model* model = load(name);
  float p[kTexts * kMaxClasses], again[kTexts * kMaxClasses], best[kTexts];
  size_t lengths[kTexts], labels[kTexts], n, k;
  CHECK(sentiment_model_num_classes(model) == classes);
  CHECK_STATUS(sentiment_predict(model, kTextList, NULL, kTexts, p, kTexts * classes),
               SENTIMENT_OK);
  for (n = 0; n < kTexts; ++n) {
    float sum = 0.0f;
    for (k = 0; k < classes; ++k) {
      CHECK(p[n * classes + k] >= 0.0f && p[n * classes + k] <= 1.0f);
      sum += p[n * classes + k];
    }
    CHECK(fabsf(sum - 1.0f) < 1e-5f);
  }
  /* Explicit lengths (texts need not end in NUL) give the same bits. */
  for (n = 0; n < kTexts; ++n) lengths[n] = strlen(kTextList[n]);
  CHECK_STATUS(sentiment_predict(model, kTextList, lengths, kTexts, again, kTexts * classes),
               SENTIMENT_OK);
  CHECK(memcmp(p, again, kTexts * classes * sizeof(float)) == 0);
  /* A larger buffer than needed is fine. */
  CHECK_STATUS(sentiment_predict(model, kTextList, NULL, kTexts, again, kTexts * kMaxClasses),
               SENTIMENT_OK);
  CHECK(memcmp(p, again, kTexts * classes * sizeof(float)) == 0);

  CHECK_STATUS(sentiment_predict_labels(model, kTextList, NULL, kTexts, labels, best, kTexts),
               SENTIMENT_OK);
  for (n = 0; n < kTexts; ++n) {
    const float* row = p + n * classes;
    CHECK(labels[n] < classes);
    CHECK(memcmp(&best[n], &row[labels[n]], sizeof(float)) == 0);
    if (classes == 2) {
      CHECK(labels[n] == (row[1] > 0.5f ? 1u : 0u));
    } else {
      for (k = 0; k < classes; ++k) CHECK(row[k] <= row[labels[n]]);
    }
  }
  if (classes == 2) {
    CHECK(strcmp(sentiment_model_label(model, labels[0]), "good") == 0);
    CHECK(strcmp(sentiment_model_label(model, labels[1]), "bad") == 0);
  }
  /* probabilities may be NULL. */
  CHECK_STATUS(sentiment_predict_labels(model, kTextList, lengths, kTexts, labels, NULL, kTexts),
               SENTIMENT_OK);
  sentiment_model_free(model);
}

static void test_load_errors(void) {
  char path[4096], model_path[4096];
  sentiment_model* model = (sentiment_model*)&model; /* any non-NULL value: must become NULL */
  char* bytes;
  size_t size, i;

  path_in(path, sizeof path, g_tmp, "missing.model");
  CHECK_STATUS(sentiment_model_load(path, 0, &model), SENTIMENT_ERROR_IO);
  CHECK(model == NULL);
  CHECK_ERROR_HAS(path);
  CHECK_ERROR_HAS("No such file or directory");

  CHECK_STATUS(sentiment_model_load(g_tmp, 0, &model), SENTIMENT_ERROR_IO);
  CHECK_ERROR_HAS(g_tmp);
  CHECK_ERROR_HAS("Is a directory");

  /* Random bytes. */
  path_in(path, sizeof path, g_tmp, "random.model");
  bytes = malloc(4096);
  CHECK(bytes != NULL);
  srand(7);
  for (i = 0; i < 4096; ++i) bytes[i] = (char)(rand() & 0xff);
  write_bytes(path, bytes, 4096);
  free(bytes);
  CHECK_STATUS(sentiment_model_load(path, 0, &model), SENTIMENT_ERROR_FORMAT);
  CHECK(model == NULL);
  CHECK_ERROR_HAS(path);

  /* Empty, truncated and damaged copies of a good model. */
  path_in(model_path, sizeof model_path, g_models, "tiny.model");
  bytes = read_bytes(model_path, &size);
  path_in(path, sizeof path, g_tmp, "empty.model");
  write_bytes(path, bytes, 0);
  CHECK_STATUS(sentiment_model_load(path, 0, &model), SENTIMENT_ERROR_FORMAT);
  CHECK_ERROR_HAS(path);
  path_in(path, sizeof path, g_tmp, "truncated.model");
  write_bytes(path, bytes, size / 2);
  CHECK_STATUS(sentiment_model_load(path, 0, &model), SENTIMENT_ERROR_FORMAT);
  CHECK(model == NULL);
  CHECK_ERROR_HAS(path);
  CHECK_ERROR_HAS("truncated");
  bytes[size / 2] ^= 0x40;
  path_in(path, sizeof path, g_tmp, "damaged.model");
  write_bytes(path, bytes, size);
  CHECK_STATUS(sentiment_model_load(path, 0, &model), SENTIMENT_ERROR_FORMAT);
  CHECK_ERROR_HAS(path);
  free(bytes);

  /* A file that cannot be opened (unless running as root, who may open anything). */
  path_in(path, sizeof path, g_tmp, "unreadable.model");
  write_bytes(path, "x", 1);
  CHECK(chmod(path, 0) == 0);
  if (geteuid() != 0) {
    CHECK_STATUS(sentiment_model_load(path, 0, &model), SENTIMENT_ERROR_IO);
    CHECK_ERROR_HAS("Permission denied");
  }

  CHECK_STATUS(sentiment_model_load(NULL, 0, &model), SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK(model == NULL);
  CHECK_ERROR_HAS("path is NULL");
  CHECK_STATUS(sentiment_model_load(model_path, 0, NULL), SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("out is NULL");
  CHECK_STATUS(sentiment_model_load(model_path, 1025, &model), SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK(model == NULL);
  CHECK_ERROR_HAS("got threads 1025, expected 0 to 1024");
}

/* Every element of p is still the sentinel: a failed call wrote nothing. */
static int untouched(const float* p, size_t n) {
  size_t i;
  for (i = 0; i < n; ++i)
    if (p[i] != -1.0f) return 0;
  return 1;
}

static void test_predict_errors(void) {
  sentiment_model* model = load("tiny.model");
  const char* null_text[2] = {"fine", NULL};
  const char* empty[3] = {"fine", "  \t\n ", "good"};
  const char* bad_utf8[3] = {"fine", "also fine", "bad \xff byte"};
  const char* embedded[1] = {"fine"};
  size_t embedded_length[1] = {0};
  const char* big[1];
  const size_t big_size = ((size_t)1 << 20) + 2; /* 1 MiB and one byte, then the NUL */
  char* big_text;
  float p[8];
  size_t labels[4], i;
  for (i = 0; i < 8; ++i) p[i] = -1.0f;

  CHECK_STATUS(sentiment_predict(NULL, kTextList, NULL, 1, p, 8), SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("model is NULL");
  CHECK_STATUS(sentiment_predict(model, NULL, NULL, 2, p, 8), SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("texts is NULL but count is 2");
  CHECK_STATUS(sentiment_predict(model, null_text, NULL, 2, p, 8),
               SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("text 2 is NULL");
  CHECK_STATUS(sentiment_predict(model, kTextList, NULL, 2, NULL, 8),
               SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("probabilities is NULL");
  CHECK_STATUS(sentiment_predict(model, kTextList, NULL, 4, p, 7),
               SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("got capacity 7 floats, expected at least 4 texts x 2 classes");
  /* A count whose buffer size would overflow size_t. */
  CHECK_STATUS(sentiment_predict(model, kTextList, NULL, (size_t)-1 / 2 + 1, p, 8),
               SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK(untouched(p, 8));

  /* Count 0 is no work, whatever the pointers. */
  CHECK_STATUS(sentiment_predict(model, NULL, NULL, 0, NULL, 0), SENTIMENT_OK);
  CHECK(strcmp(sentiment_last_error(), "") == 0);
  CHECK_STATUS(sentiment_predict(model, kTextList, NULL, 0, p, 8), SENTIMENT_OK);
  CHECK(untouched(p, 8));

  CHECK_STATUS(sentiment_predict(model, empty, NULL, 3, p, 8), SENTIMENT_ERROR_TEXT);
  CHECK_ERROR_HAS("text 2 is empty");
  CHECK_STATUS(sentiment_predict(model, bad_utf8, NULL, 3, p, 8), SENTIMENT_ERROR_TEXT);
  CHECK_ERROR_HAS("text 3 is not valid UTF-8");
  CHECK_STATUS(sentiment_predict(model, embedded, embedded_length, 1, p, 8), SENTIMENT_ERROR_TEXT);
  CHECK_ERROR_HAS("text 1 is empty");
  big_text = malloc(big_size);
  CHECK(big_text != NULL);
  memset(big_text, 'a', big_size - 1);
  big_text[big_size - 1] = '\0';
  big[0] = big_text;
  CHECK_STATUS(sentiment_predict(model, big, NULL, 1, p, 8), SENTIMENT_ERROR_TEXT);
  CHECK_ERROR_HAS("text 1 is 1048577 bytes, over the limit");
  free(big_text);
  CHECK(untouched(p, 8));

  CHECK_STATUS(sentiment_predict_labels(NULL, kTextList, NULL, 1, labels, p, 4),
               SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("model is NULL");
  CHECK_STATUS(sentiment_predict_labels(model, kTextList, NULL, 1, NULL, p, 4),
               SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("labels is NULL");
  CHECK_STATUS(sentiment_predict_labels(model, kTextList, NULL, 5, labels, p, 4),
               SENTIMENT_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("got capacity 4, expected at least 5");
  CHECK_STATUS(sentiment_predict_labels(model, empty, NULL, 3, labels, p, 4), SENTIMENT_ERROR_TEXT);
  CHECK_ERROR_HAS("text 2 is empty");
  CHECK_STATUS(sentiment_predict_labels(model, NULL, NULL, 0, NULL, NULL, 0), SENTIMENT_OK);
  CHECK(untouched(p, 8));

  /* A call that succeeds clears the message. */
  CHECK_STATUS(sentiment_predict(model, bad_utf8, NULL, 3, p, 8), SENTIMENT_ERROR_TEXT);
  CHECK_STATUS(sentiment_predict(model, kTextList, NULL, 4, p, 8), SENTIMENT_OK);
  CHECK(strcmp(sentiment_last_error(), "") == 0);
  sentiment_model_free(model);
}

/* --- threads --- */

typedef struct {
  const sentiment_model* model;
  const float* expected; /* (kTexts, 2) */
  int mismatches;
  int failures;
} PredictJob;

static void* predict_many(void* arg) {
  PredictJob* job = arg;
  float p[kTexts * 2];
  int r;
  for (r = 0; r < kRounds; ++r) {
    if (sentiment_predict(job->model, kTextList, NULL, kTexts, p, kTexts * 2) != SENTIMENT_OK ||
        strcmp(sentiment_last_error(), "") != 0)
      ++job->failures;
    else if (memcmp(p, job->expected, sizeof p) != 0)
      ++job->mismatches;
  }
  return NULL;
}

static void test_one_model_many_threads(void) {
  sentiment_model* model = load("tiny.model");
  float expected[kTexts * 2];
  pthread_t threads[kThreads];
  PredictJob jobs[kThreads];
  int t;
  CHECK_STATUS(sentiment_predict(model, kTextList, NULL, kTexts, expected, kTexts * 2),
               SENTIMENT_OK);
  for (t = 0; t < kThreads; ++t) {
    jobs[t].model = model;
    jobs[t].expected = expected;
    jobs[t].mismatches = 0;
    jobs[t].failures = 0;
    CHECK(pthread_create(&threads[t], NULL, predict_many, &jobs[t]) == 0);
  }
  for (t = 0; t < kThreads; ++t) {
    CHECK(pthread_join(threads[t], NULL) == 0);
    CHECK(jobs[t].failures == 0);
    CHECK(jobs[t].mismatches == 0);
  }
  sentiment_model_free(model);
}

typedef struct {
  const sentiment_model* model;
  int fail;          /* make a call that fails (else one that succeeds) */
  char message[256]; /* the thread's last error afterwards */
} ErrorJob;

static void* error_of_thread(void* arg) {
  ErrorJob* job = arg;
  const char* empty[1] = {" "};
  float p[2];
  const sentiment_status want = job->fail ? SENTIMENT_ERROR_TEXT : SENTIMENT_OK;
  if (sentiment_predict(job->model, job->fail ? empty : kTextList, NULL, 1, p, 2) != want)
    snprintf(job->message, sizeof job->message, "unexpected status");
  else
    snprintf(job->message, sizeof job->message, "%s", sentiment_last_error());
  return NULL;
}

static void test_last_error_is_per_thread(void) {
  sentiment_model* model = load("tiny.model");
  pthread_t threads[2];
  ErrorJob jobs[2] = {{NULL, 0, ""}, {NULL, 1, ""}};
  int t;
  CHECK_STATUS(sentiment_model_load(NULL, 0, NULL), SENTIMENT_ERROR_INVALID_ARGUMENT);
  for (t = 0; t < 2; ++t) {
    jobs[t].model = model;
    CHECK(pthread_create(&threads[t], NULL, error_of_thread, &jobs[t]) == 0);
  }
  for (t = 0; t < 2; ++t) CHECK(pthread_join(threads[t], NULL) == 0);
  CHECK(strcmp(jobs[0].message, "") == 0);                /* succeeded: no message */
  CHECK(strcmp(jobs[1].message, "text 1 is empty") == 0); /* its own failure */
  CHECK_ERROR_HAS("out is NULL");                         /* this thread's is untouched */
  sentiment_model_free(model);
}

static void remove_temp_files(void) {
  static const char* const names[] = {"random.model", "empty.model", "truncated.model",
                                      "damaged.model", "unreadable.model"};
  char path[4096];
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; ++i) {
    path_in(path, sizeof path, g_tmp, names[i]);
    unlink(path);
  }
  rmdir(g_tmp);
}

int main(int argc, char** argv) {
  const char* tmp = getenv("TMPDIR");
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
    return 2;
  }
  snprintf(g_models, sizeof g_models, "%s", argv[1]);
  snprintf(g_tmp, sizeof g_tmp, "%s/sentiment-c-api-XXXXXX", tmp != NULL ? tmp : "/tmp");
  CHECK(mkdtemp(g_tmp) != NULL);

  test_version_and_status_strings();
  test_load_and_labels();
  test_predict("tiny.model", 2);
  test_predict("three.model", 3);
  test_load_errors();
  test_predict_errors();
  test_one_model_many_threads();
  test_last_error_is_per_thread();

  remove_temp_files();
  printf("c_api_test: all checks passed\n");
  return 0;
}
