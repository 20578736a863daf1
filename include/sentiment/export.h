/* The symbol visibility of lstm-sentiment's public API, for C and C++. The shared library
   is built with every other symbol hidden, so only what is marked SENTIMENT_API is part of
   its ABI. */
#ifndef SENTIMENT_EXPORT_H
#define SENTIMENT_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define SENTIMENT_API __attribute__((visibility("default")))
#else
#define SENTIMENT_API
#endif

#endif /* SENTIMENT_EXPORT_H */
