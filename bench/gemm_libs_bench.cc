// sgemm throughput of the BLAS libraries Debian offers, side by side in one run, at the
// shapes the LSTM uses: OpenBLAS, BLIS and oneDNN (dnnl_sgemm). Each library is loaded with
// dlopen, so one binary compares them all and a missing one is reported, not fatal.
// Single-threaded, as the project calls GEMM (one per worker thread); oneDNN's OpenMP pool
// is limited to one thread for the same reason. Run by hand: bench/compare_blas.sh.
#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using SgemmCblas = void (*)(int, int, int, int, int, int, float, const float*, int, const float*,
                            int, float, float*, int);
using SgemmDnnl = int (*)(char, char, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
using SetThreads = void (*)(int);

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

struct Shape {
  const char* name;
  bool ta, tb;
  int M, N, K;
};

// B = 32 sequences per shard, T = 200 steps, E = H = 64, 4H = 256.
const Shape kShapes[] = {
    {"input projection (T*B,E)x(E,4H)", false, false, 6400, 256, 64},
    {"recurrent step (B,H)x(H,4H)", false, false, 32, 256, 64},
    {"step backward (B,4H)x(4H,H)", false, true, 32, 64, 256},
    {"weight grad X^T dZ (E,T*B)x(T*B,4H)", true, false, 64, 256, 6400},
    {"input grad dZ W^T (T*B,4H)x(4H,E)", false, true, 6400, 64, 256},
    {"square 1024^3", false, false, 1024, 1024, 1024},
};

struct Library {
  std::string name;
  SgemmCblas cblas = nullptr;
  SgemmDnnl dnnl = nullptr;
};

double gflops(const Library& lib, const Shape& s) {
  std::vector<float> a(static_cast<size_t>(s.M) * s.K, 0.5f),
      b(static_cast<size_t>(s.K) * s.N, 0.25f), c(static_cast<size_t>(s.M) * s.N, 0.0f);
  const int lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
  auto call = [&] {
    if (lib.cblas)
      lib.cblas(kRowMajor, s.ta ? kTrans : kNoTrans, s.tb ? kTrans : kNoTrans, s.M, s.N, s.K, 1.0f,
                a.data(), lda, b.data(), ldb, 0.0f, c.data(), s.N);
    else
      lib.dnnl(s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', s.M, s.N, s.K, 1.0f, a.data(), lda, b.data(),
               ldb, 0.0f, c.data(), s.N);
  };
  for (int w = 0; w < 3; ++w) call();
  // Best of 5 blocks of about 0.2 s each: the least disturbed estimate on a shared machine.
  const double flop = 2.0 * s.M * s.N * static_cast<double>(s.K);
  double best = 0.0;
  for (int block = 0; block < 5; ++block) {
    int calls = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0.0;
    do {
      call();
      ++calls;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < 0.2);
    best = std::max(best, calls * flop / elapsed / 1e9);
  }
  return best;
}

}  // namespace

int main() {
  setenv("OMP_NUM_THREADS", "1", 1);  // oneDNN's OpenMP pool; read when the library loads
  std::vector<Library> libs;
  const struct {
    const char* name;
    const char* path;
    const char* symbol;
    const char* set_threads;
  } candidates[] = {
      {"OpenBLAS", "libopenblas.so.0", "cblas_sgemm", "openblas_set_num_threads"},
      {"BLIS", "/usr/lib/x86_64-linux-gnu/blis-serial/libblis.so.4", "cblas_sgemm", nullptr},
      {"oneDNN", "libdnnl.so.2", "dnnl_sgemm", nullptr},
  };
  for (const auto& c : candidates) {
    void* h = dlopen(c.path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      std::printf("%-9s not installed (%s)\n", c.name, c.path);
      continue;
    }
    Library lib{c.name};
    void* sym = dlsym(h, c.symbol);
    if (std::string(c.symbol) == "dnnl_sgemm")
      lib.dnnl = reinterpret_cast<SgemmDnnl>(sym);
    else
      lib.cblas = reinterpret_cast<SgemmCblas>(sym);
    if (c.set_threads)
      if (auto set = reinterpret_cast<SetThreads>(dlsym(h, c.set_threads))) set(1);
    if (sym) libs.push_back(lib);
  }
  std::printf("%-38s", "GFLOP/s, 1 thread");
  for (const auto& l : libs) std::printf(" %10s", l.name.c_str());
  std::printf("\n");
  for (const auto& s : kShapes) {
    std::printf("%-38s", s.name);
    for (const auto& l : libs) std::printf(" %10.1f", gflops(l, s));
    std::printf("\n");
  }
  return 0;
}
