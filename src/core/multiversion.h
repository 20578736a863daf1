// SENTIMENT_MULTIVERSION: compiles a function for AVX-512, AVX2 and baseline x86-64; the
// loader picks the best clone for the running CPU. Only on non-template functions (Clang
// rejects templates), and sanitizer builds get the plain version.
// SENTIMENT_SANITIZED is 1 in AddressSanitizer builds with either compiler: GCC defines
// __SANITIZE_ADDRESS__, Clang (before 16) only answers __has_feature(address_sanitizer).
// Clang 14 accepts target_clones("arch=x86-64-v4", ...) but silently emits only the default
// clone (checked with nm), so Clang builds say so by getting the plain version outright;
// the fused LSTM step (kernels/cpu/lstm_step.cc) picks its AVX2/AVX-512 code at run time
// by CPUID with either compiler.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define SENTIMENT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SENTIMENT_SANITIZED 1
#endif
#endif
#ifndef SENTIMENT_SANITIZED
#define SENTIMENT_SANITIZED 0
#endif

#if defined(__x86_64__) && !SENTIMENT_SANITIZED && !defined(__clang__)
#define SENTIMENT_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SENTIMENT_MULTIVERSION
#endif
