// The intra-op pool (engine/parallel.cpp, docs/threads.md): set/get_num_threads, the chunking
// contract of detail::parallel_for, errors from chunks, nested regions, and results that are
// bitwise the same for 1, 2 and 3 threads (GEMM, elementwise, reductions).
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/detail/parallel.hpp>
#include <paragrad/engine/detail/parallel_gemm.hpp>
#include <paragrad/engine/engine.hpp>
#include <paragrad/engine/parallel.hpp>

using namespace paragrad;

namespace {

// Restores the thread count a test found.
struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

std::vector<unsigned char> bytes(const Tensor& t) {
  const Tensor c = t.detach().contiguous();
  const unsigned char* p = nullptr;
  dispatch(c.dtype(), [&](auto tag) {
    p = reinterpret_cast<const unsigned char*>(c.data_ptr<decltype(tag)>());
  });
  return std::vector<unsigned char>(p, p + size_t(c.numel()) * element_size(c.dtype()));
}

// f's tensors computed with 1, 2 and 3 threads: the bytes of every tensor, per thread count.
std::vector<std::vector<std::vector<unsigned char>>> with_thread_counts(
    const std::function<TensorList()>& f) {
  ThreadCountGuard guard;
  std::vector<std::vector<std::vector<unsigned char>>> runs;
  for (int n : {1, 2, 3}) {
    set_num_threads(n);
    std::vector<std::vector<unsigned char>> run;
    for (const Tensor& t : f()) run.push_back(bytes(t));
    runs.push_back(std::move(run));
  }
  return runs;
}

void require_same_for_all_counts(const std::function<TensorList()>& f) {
  const auto runs = with_thread_counts(f);
  REQUIRE(runs[0].size() > 0);
  for (size_t r = 1; r < runs.size(); ++r) {
    REQUIRE(runs[r].size() == runs[0].size());
    for (size_t i = 0; i < runs[0].size(); ++i) {
      INFO("thread count " << r + 1 << ", tensor " << i);
      CHECK(runs[r][i] == runs[0][i]);
    }
  }
}

Tensor seeded(Shape shape, Dtype dtype, uint64_t seed) {
  manual_seed(seed);
  return randn(std::move(shape), kFloat64).to(dtype);
}

// C = A B, a weighted sum, backward: C, dA, dB.
TensorList matmul_forward_backward(const Tensor& a0, const Tensor& b0) {
  Tensor a = a0.detach().requires_grad_(), b = b0.detach().requires_grad_();
  Tensor c = matmul(a, b);
  Tensor w = seeded(Shape(c.sizes().begin(), c.sizes().end()), c.dtype(), 99);
  (c * w).sum().backward();
  return {c, a.grad(), b.grad()};
}

}  // namespace

TEST_CASE("set_num_threads sets what get_num_threads returns", "[parallel]") {
  ThreadCountGuard guard;
  set_num_threads(3);
  CHECK(get_num_threads() == 3);
  set_num_threads(1);
  CHECK(get_num_threads() == 1);
}

TEST_CASE("set_num_threads below 1 raises ValueError naming set_num_threads and keeps the count",
          "[parallel]") {
  ThreadCountGuard guard;
  set_num_threads(2);
  for (int bad : {0, -3}) {
    try {
      set_num_threads(bad);
      FAIL("no error for " << bad);
    } catch (const ValueError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("set_num_threads") != std::string::npos);
      CHECK(msg.find(std::to_string(bad)) != std::string::npos);
    }
    CHECK(get_num_threads() == 2);
  }
}

TEST_CASE("parallel_for covers every index once in chunks that do not depend on the thread count",
          "[parallel]") {
  ThreadCountGuard guard;
  for (int n : {1, 2, 3}) {
    set_num_threads(n);
    std::mutex m;
    std::set<std::pair<int64_t, int64_t>> chunks;
    std::vector<int> hits(1003, 0);
    detail::parallel_for(1003, 100, [&](int64_t b, int64_t e) {
      std::lock_guard<std::mutex> lock(m);
      chunks.insert({b, e});
      for (int64_t i = b; i < e; ++i) ++hits[size_t(i)];
    });
    CHECK(chunks.size() == 11);
    CHECK(chunks.begin()->first == 0);
    CHECK(chunks.rbegin()->first == 1000);
    CHECK(chunks.rbegin()->second == 1003);
    for (int h : hits) CHECK(h == 1);
  }
}

TEST_CASE("parallel_for runs chunks on pool threads when the count is above 1", "[parallel]") {
  ThreadCountGuard guard;
  for (int n : {1, 3}) {
    set_num_threads(n);
    std::mutex m;
    std::set<std::thread::id> ids;
    detail::parallel_for(8, 1, [&](int64_t, int64_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // time for the pool to wake
      std::lock_guard<std::mutex> lock(m);
      ids.insert(std::this_thread::get_id());
    });
    if (n == 1)
      CHECK(ids == std::set<std::thread::id>{std::this_thread::get_id()});
    else
      CHECK(ids.size() >= 2);
  }
}

TEST_CASE("each thread runs its own contiguous range of chunks first", "[parallel]") {
  // Two threads, four chunks: the caller's range is chunks 0 and 1, the worker's 2 and 3. The
  // caller runs 0 and then 1 (the worker could take 1 only after finishing its own two), and the
  // worker, woken well within a chunk's time, starts with 2. (With one shared counter the worker
  // took chunk 1.) So the same elements go to the same thread region after region.
  ThreadCountGuard guard;
  set_num_threads(2);
  for (int round = 0; round < 2; ++round) {
    std::mutex m;
    std::vector<std::thread::id> ran_on(4);
    detail::parallel_for(4, 1, [&](int64_t b, int64_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
      std::lock_guard<std::mutex> lock(m);
      ran_on[size_t(b)] = std::this_thread::get_id();
    });
    const auto caller = std::this_thread::get_id();
    CHECK(ran_on[0] == caller);
    CHECK(ran_on[1] == caller);
    CHECK(ran_on[2] != caller);
  }
}

TEST_CASE("an error raised in a pool chunk reaches the caller as the original paragrad error",
          "[parallel]") {
  ThreadCountGuard guard;
  for (int n : {1, 3}) {
    set_num_threads(n);
    CHECK_THROWS_MATCHES(detail::parallel_for(1000, 10,
                                              [](int64_t b, int64_t) {
                                                if (b == 500)
                                                  throw ShapeError("my_op: chunk 50 failed");
                                              }),
                         ShapeError, Catch::Matchers::Message("my_op: chunk 50 failed"));
    // Through an op: a large integer division by zero, the zero in a late chunk.
    Tensor a = ones({900000}, kInt64), b = ones({900000}, kInt64);
    b.data_ptr<int64_t>()[850000] = 0;
    CHECK_THROWS_MATCHES(a.remainder(b), ValueError,
                         Catch::Matchers::Message("remainder: integer division by zero"));
    // The pool is usable afterwards.
    CHECK((a + a).sum().item<int64_t>() == 1800000);
  }
}

TEST_CASE("nested parallel regions run inline on the thread of the outer chunk", "[parallel]") {
  ThreadCountGuard guard;
  set_num_threads(3);
  std::mutex m;
  int mismatches = 0, outside = 0, inner_chunks = 0;
  detail::parallel_for(8, 1, [&](int64_t, int64_t) {
    const auto outer_id = std::this_thread::get_id();
    if (!detail::in_parallel_region()) {
      std::lock_guard<std::mutex> lock(m);
      ++outside;
    }
    detail::parallel_for(50, 5, [&](int64_t, int64_t) {
      std::lock_guard<std::mutex> lock(m);
      ++inner_chunks;
      if (std::this_thread::get_id() != outer_id) ++mismatches;
    });
  });
  CHECK(outside == 0);
  CHECK(inner_chunks == 80);
  CHECK(mismatches == 0);
  CHECK_FALSE(detail::in_parallel_region());
}

TEST_CASE("large GEMMs are split into blocks and small ones are not", "[parallel]") {
  CHECK(detail::gemm_parts(512, 512, 512) == 8);  // matmul512: 8 blocks of 64 rows
  CHECK(detail::gemm_parts(64, 64, 64) == 1);     // 0.5 MFLOP: one Eigen call
  CHECK(detail::gemm_parts(128, 10, 30) == 1);    // 77 KFLOP, under kParallelGemmFlops
  // Blocks of at least kGemmMinBlock rows or columns: mlp_sgd's 128x784 @ 784x256 (51 MFLOP,
  // split by columns) in 4 blocks of 64, not 8 of 32; 96³ stays whole (no two blocks of 64).
  CHECK(detail::gemm_parts(256, 128, 784) == 4);
  CHECK(detail::gemm_parts(96, 96, 96) == 1);
  // A power of two of blocks: 200 rows (3 blocks of 64 would fit) in 2.
  CHECK(detail::gemm_parts(200, 200, 200) == 2);
  // Along the kernel's columns (C's rows when C is row-major), whose blocks leave the result
  // bitwise the same, a product is cut only as many times as there are threads; along its rows,
  // by the shape alone (gemm_split).
  ThreadCountGuard guard;
  for (int threads : {1, 2, 3, 16}) {
    set_num_threads(threads);
    const auto t = int64_t(threads);
    detail::GemmSplit s = detail::gemm_split(512, 512, 512, true);  // matmul512
    CHECK((s.by_rows && s.parts == std::min<int64_t>(8, t)));
    s = detail::gemm_split(512, 512, 512, false);  // column-major C: its columns
    CHECK((!s.by_rows && s.parts == std::min<int64_t>(8, t)));
    // mlp_sgd's first layer (x by the weight's transpose): the weight, the kernel's left operand
    // (256 x 784), is the largest of the three, so on several threads its rows are split, on
    // whole row panels (C's columns: 2, 3 or 4 blocks); on one thread the product runs whole.
    s = detail::gemm_split(128, 256, 784, true);
    if (threads == 1)
      CHECK((s.by_rows && s.parts == 1 && !s.panels));
    else
      CHECK((!s.by_rows && s.parts == std::min<int64_t>(4, t) && s.panels));
    // Its weight gradient (256 x 784 from 256x128 by 128x784): the result is the largest, so
    // C's rows, contiguous, as before.
    s = detail::gemm_split(256, 784, 128, true);
    CHECK((s.by_rows && s.parts == std::min<int64_t>(4, t) && !s.panels));
    s = detail::gemm_split(40, 700, 300, true);  // too few rows for two blocks: 700 columns
    CHECK((!s.by_rows && s.parts == detail::gemm_parts(700, 40, 300)));
    CHECK(s.parts == 8);
    s = detail::gemm_split(64, 64, 64, true);  // small: whole
    CHECK(s.parts == 1);
  }
  set_num_threads(2);
  std::atomic<int> nested{0};
  detail::parallel_for(2, 1, [&](int64_t, int64_t) {
    if (detail::gemm_split(512, 512, 512, true).parts == 1) ++nested;  // (each chunk a thread)
  });
  CHECK(nested == 2);  // inside a parallel region a product runs whole on its thread
}

TEST_CASE("GEMM blocks are nearly equal, on multiples of 16, and cover the extent once",
          "[parallel]") {
  // mlp_sgd's weight gradient, 784 columns: 8 blocks of 96 or 112 (7 of 112 before: 4 against 3
  // on two threads), so each half of the blocks holds half the columns to within 16.
  const int64_t parts = detail::gemm_parts(784, 256, 128);
  REQUIRE(parts == 8);
  int64_t first_half = 0;
  for (int64_t i = 0; i < parts; ++i) {
    const int64_t b = detail::gemm_block_start(i, parts, 784);
    const int64_t e = detail::gemm_block_start(i + 1, parts, 784);
    CHECK(b % detail::kGemmAlign == 0);
    CHECK((e - b == 96 || e - b == 112));
    if (i < parts / 2) first_half += e - b;
  }
  CHECK(detail::gemm_block_start(0, parts, 784) == 0);
  CHECK(detail::gemm_block_start(parts, parts, 784) == 784);
  CHECK(std::abs(2 * first_half - 784) <= 2 * detail::kGemmAlign);
  // An extent off the multiples of 16: the last block takes the rest.
  const int64_t p2 = detail::gemm_parts(1000, 300, 300);
  REQUIRE(p2 == 8);
  CHECK(detail::gemm_block_start(7, p2, 1000) == 7 * 62 / 8 * 16);
  CHECK(detail::gemm_block_start(8, p2, 1000) == 1000);
}

TEST_CASE("matmul forward and backward are bitwise identical for 1, 2 and 3 threads",
          "[parallel]") {
  // tall (row blocks), wide (column blocks), float64, int64, a transposed operand.
  const Tensor a = seeded({300, 200}, kFloat32, 1), b = seeded({200, 250}, kFloat32, 2);
  require_same_for_all_counts([&] { return matmul_forward_backward(a, b); });
  const Tensor w1 = seeded({40, 300}, kFloat32, 3), w2 = seeded({300, 700}, kFloat32, 4);
  require_same_for_all_counts([&] { return matmul_forward_backward(w1, w2); });
  const Tensor d1 = seeded({257, 190}, kFloat64, 5), d2 = seeded({190, 131}, kFloat64, 6);
  require_same_for_all_counts([&] { return matmul_forward_backward(d1, d2); });
  require_same_for_all_counts([&] { return matmul_forward_backward(d2.t(), d1.t()); });
  // Blocks of C's rows, which the kernel computes as columns of Cᵀ: as many as there are threads
  // (gemm_blocks), 8 of 64 rows by the shape alone; odd extents and depths (a last block of 40).
  const Tensor s1 = seeded({512, 512}, kFloat32, 9), s2 = seeded({512, 512}, kFloat32, 10);
  require_same_for_all_counts([&] { return matmul_forward_backward(s1, s2); });
  const Tensor o1 = seeded({1000, 301}, kFloat64, 15), o2 = seeded({301, 299}, kFloat64, 16);
  require_same_for_all_counts([&] { return matmul_forward_backward(o1, o2); });
  const Tensor i1 = (seeded({200, 160}, kFloat64, 7) * 8.0).to(kInt64);
  const Tensor i2 = (seeded({160, 180}, kFloat64, 8) * 8.0).to(kInt64);
  require_same_for_all_counts([&] { return TensorList{matmul(i1, i2)}; });
}

TEST_CASE("GEMM blocks of whole row panels are bitwise the whole product at every CPU level",
          "[parallel][cpu_dispatch]") {
  // Eigen cuts the kernel's rows in panels of 3 SIMD packets (48 floats with AVX-512); blocks
  // whose edges are multiples of 48 (gemm_panel_block_start) leave every row in the panel it has
  // in the whole product, so 2 and 3 threads give 1 thread's bits (an edge on another multiple
  // of 16, 128, changed thousands of elements of a 256 x 128 product in a one-off check with
  // AVX-512 and with AVX2).
  // Shapes whose left operand is the largest: mlp_sgd's first layer and its input gradient, an
  // odd extent with a short last block, and float64.
  struct Restore {
    std::string saved = cpu_capability();
    ~Restore() { set_cpu_capability(saved); }
  } restore;
  const Tensor x = seeded({128, 784}, kFloat32, 31), w = seeded({256, 784}, kFloat32, 32);
  const Tensor o1 = seeded({130, 400}, kFloat32, 33), o2 = seeded({400, 301}, kFloat32, 34);
  const Tensor d1 = seeded({128, 300}, kFloat64, 35), d2 = seeded({300, 250}, kFloat64, 36);
  {  // (each product of them takes whole row panels on two threads)
    ThreadCountGuard threads;
    set_num_threads(2);
    CHECK(detail::gemm_split(128, 256, 784, true).panels);  // x wᵀ
    CHECK(detail::gemm_split(128, 784, 256, true).panels);  // its input gradient, g w
    CHECK(detail::gemm_split(130, 301, 400, true).panels);
    CHECK(detail::gemm_split(128, 250, 300, true).panels);
  }
  for (const std::string& level : available_cpu_capabilities()) {
    INFO("CPU level " << level);
    set_cpu_capability(level);
    CHECK(detail::gemm_panel_block_start(1, 2, 256) == 144);
    require_same_for_all_counts([&] { return matmul_forward_backward(x, w.t()); });
    require_same_for_all_counts([&] { return matmul_forward_backward(o1, o2); });
    require_same_for_all_counts([&] { return matmul_forward_backward(d1, d2); });
  }
  // The blocks cover the extent once, on multiples of 48 but the end, none empty.
  for (int64_t extent : {96, 150, 256, 301, 784})
    for (int64_t parts : {2, 3, 4}) {
      if (extent / parts < detail::kGemmRowPanel) continue;
      int64_t prev = detail::gemm_panel_block_start(0, parts, extent);
      CHECK(prev == 0);
      for (int64_t i = 1; i <= parts; ++i) {
        const int64_t b = detail::gemm_panel_block_start(i, parts, extent);
        CHECK(b > prev);
        if (i < parts) CHECK(b % detail::kGemmRowPanel == 0);
        prev = b;
      }
      CHECK(prev == extent);
    }
}

TEST_CASE("batched matmul of many small products is bitwise identical for 1, 2 and 3 threads",
          "[parallel]") {
  const Tensor a = seeded({200, 32, 32}, kFloat32, 11), b = seeded({200, 32, 32}, kFloat32, 12);
  require_same_for_all_counts([&] { return matmul_forward_backward(a, b); });
  const Tensor c = seeded({3, 300, 200}, kFloat32, 13), d = seeded({200, 100}, kFloat32, 14);
  require_same_for_all_counts([&] { return matmul_forward_backward(c, d); });  // broadcast b
}

TEST_CASE("split GEMMs agree with one unsplit Eigen product", "[parallel]") {
  ThreadCountGuard guard;
  set_num_threads(3);
  for (auto [n, k, m] : {std::array<int64_t, 3>{300, 200, 250}, {40, 300, 700}, {7, 600, 900}}) {
    const Tensor a = seeded({n, k}, kFloat64, 21), b = seeded({k, m}, kFloat64, 22);
    const Eigen::MatrixXd ref = to_eigen<double>(a) * to_eigen<double>(b);
    const Eigen::MatrixXd got = to_eigen<double>(matmul(a, b));
    INFO(n << "x" << k << " @ " << k << "x" << m);
    CHECK((got - ref).cwiseAbs().maxCoeff() <= 1e-12 * ref.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("large elementwise ops are bitwise identical for 1, 2 and 3 threads", "[parallel]") {
  const int64_t n = 3 * detail::kParallelElementwiseGrain + 123;  // several chunks and a tail
  const Tensor x = seeded({n}, kFloat32, 31), y = seeded({n}, kFloat32, 32);
  require_same_for_all_counts([&] {
    Tensor z = x.clone();
    z.add_(y, 0.5);
    return TensorList{x + y, x * 3.0, x.tanh(), x.exp(), x.relu(), x.maximum(y), z};
  });
  // Independent check of the chunked loops: every element as computed one by one.
  ThreadCountGuard guard;
  set_num_threads(3);
  const Tensor s = x + y, t = x.tanh();
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float xi = x.data_ptr<float>()[i], yi = y.data_ptr<float>()[i];
    if (s.data_ptr<float>()[i] != xi + yi) ++bad;
    if (std::abs(t.data_ptr<float>()[i] - std::tanh(xi)) > 1e-6f) ++bad;
  }
  CHECK(bad == 0);
}

TEST_CASE("large softmax and log_softmax are bitwise identical for 1, 2 and 3 threads",
          "[parallel]") {
  // (pieces of whole slices on the pool: along the last dim, rows; along the first, tiles of
  // 256 slices side by side; engine/ops/softmax.cpp)
  Tensor x = seeded({300, 700}, kFloat32, 33).requires_grad_();
  require_same_for_all_counts([&] {
    x.zero_grad();
    const Tensor a = x.softmax(1), b = x.log_softmax(0);
    (a * 2.0 + b).sum().backward();
    return TensorList{a, b, x.grad()};
  });
}

TEST_CASE("large full reductions are bitwise identical for 1, 2 and 3 threads", "[parallel]") {
  const int64_t n = 5 * detail::kParallelReduceGrain + 7;
  const Tensor f = seeded({n}, kFloat32, 41), d = seeded({n}, kFloat64, 42);
  const Tensor i = (seeded({n}, kFloat64, 43) * 1000.0).to(kInt64);
  require_same_for_all_counts([&] {
    return TensorList{f.sum(), d.sum(), d.mean(), i.sum(),
                      d.max(), f.min(), d.norm(), (f > 0.0).to(kInt64).sum()};
  });
}

TEST_CASE("a large sum adds chunk partials of 32768 elements in chunk order", "[parallel]") {
  ThreadCountGuard guard;
  set_num_threads(2);
  const int64_t grain = 32768, n = 4 * grain + 11;
  REQUIRE(detail::kParallelReduceGrain == grain);
  const Tensor d = seeded({n}, kFloat64, 51);
  const double* p = d.data_ptr<double>();
  double total = 0;
  for (int64_t c = 0; c < n; c += grain) {
    double part = 0;
    for (int64_t j = c; j < std::min(n, c + grain); ++j) part += p[j];
    total = c == 0 ? part : total + part;
  }
  CHECK(d.sum().item<double>() == total);
  // int64: exact, equal to the plain sum.
  const Tensor i = (seeded({n}, kFloat64, 52) * 1e6).to(kInt64);
  int64_t exact = 0;
  for (int64_t j = 0; j < n; ++j) exact += i.data_ptr<int64_t>()[j];
  CHECK(i.sum().item<int64_t>() == exact);
  // norm merges partial sums of squares (not squares of partials).
  double sq = 0;
  for (int64_t j = 0; j < n; ++j) sq += p[j] * p[j];
  CHECK(d.norm().item<double>() == Approx(std::sqrt(sq)).epsilon(1e-12));
  // all/any over several chunks.
  Tensor flags = ones({n}, kBool);
  CHECK(flags.all());
  flags.data_ptr<bool>()[n - 3] = false;
  CHECK_FALSE(flags.all());
  CHECK(flags.any());
}

TEST_CASE("large copies into a contiguous tensor are bitwise identical for 1, 2 and 3 threads",
          "[parallel]") {
  // Rows of 1000 elements: several row blocks of the elementwise grain, and a tail.
  const int64_t rows = 3 * detail::kParallelElementwiseGrain / 1000 + 7;
  const Tensor x = seeded({1000, rows}, kFloat64, 61);
  const Tensor col = seeded({rows, 1}, kFloat32, 62);
  require_same_for_all_counts([&] {
    return TensorList{x.t().contiguous(),                     // transposed source
                      col.expand({rows, 1000}).contiguous(),  // broadcast source
                      x.t().to(kFloat32),                     // converted while copied
                      x.to(kFloat32)};                        // contiguous to contiguous
  });
  // Independent check: every element where its index says.
  ThreadCountGuard guard;
  set_num_threads(3);
  const Tensor xt = x.t().contiguous(), e = col.expand({rows, 1000}).contiguous();
  const double* px = x.data_ptr<double>();
  const float* pc = col.data_ptr<float>();
  int bad = 0;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < 1000; ++j) {
      if (xt.data_ptr<double>()[i * 1000 + j] != px[j * rows + i]) ++bad;
      if (e.data_ptr<float>()[i * 1000 + j] != pc[i]) ++bad;
    }
  CHECK(bad == 0);
}

TEST_CASE("a large copy that cannot convert raises from its pool chunk and names the op",
          "[parallel]") {
  ThreadCountGuard guard;
  set_num_threads(2);
  const int64_t rows = 4 * detail::kParallelElementwiseGrain / 100;
  Tensor x = zeros({rows, 100}, kFloat64);
  x.data_ptr<double>()[x.numel() - 5] = std::nan("");  // in the last chunk
  const Tensor xt = x.t();
  for (const Tensor& src : {x, xt}) {
    try {
      (void)src.to(kInt64);
      FAIL("no error");
    } catch (const ValueError& err) {
      const std::string what = err.what();
      CHECK(what.rfind("to: ", 0) == 0);  // the op the user called, first
      CHECK(what.find("nan") != std::string::npos);
    }
  }
}

// Run by CTest with PARAGRAD_NUM_THREADS set (tests/CMakeLists.txt): hidden from the plain run.
TEST_CASE("PARAGRAD_NUM_THREADS=3 sets the default thread count", "[.][env3]") {
  CHECK(get_num_threads() == 3);
  set_num_threads(1);  // and set_num_threads overrides it
  CHECK(get_num_threads() == 1);
}

TEST_CASE("a bad PARAGRAD_NUM_THREADS falls back to the hardware thread count", "[.][envbad]") {
  const unsigned hw = std::thread::hardware_concurrency();
  CHECK(get_num_threads() == (hw == 0 ? 1 : int(hw)));
}
