// SENTIMENT_MULTIVERSION: compiles a function for AVX-512, AVX2 and baseline x86-64; the
// loader picks the best clone for the running CPU. Only on non-template functions (Clang
// rejects templates), and ASan builds get the plain version.
#pragma once

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define SENTIMENT_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SENTIMENT_MULTIVERSION
#endif
