// The intra-op thread pool (docs/threads.md). Standard library only (no OpenMP: the package
// depends on Eigen alone and builds with any C++17 toolchain).
//
// One process-wide pool. A parallel region belongs to one caller at a time (`region_`, taken with
// try_lock): the caller publishes its job, wakes the workers it wants, claims chunks from the same
// atomic counter as they do, then waits until every worker that joined the job has left it (the job
// lives on the caller's stack). A second user thread that finds the pool taken runs its chunks
// itself, so concurrent callers never wait on each other and never deadlock; a pool thread or a
// caller inside its own region runs nested regions inline. Workers are started at the first
// region that needs them and kept; lowering the count leaves the extra ones asleep. In a forked
// child the pool's threads do not exist: no worker joins a job and the caller runs every chunk.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

#include <paragrad/engine/detail/parallel.hpp>
#include <paragrad/engine/error.hpp>
#include <paragrad/engine/parallel.hpp>

namespace paragrad {

namespace {

constexpr int kMaxThreadsFromEnv = 65536;

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(std::min<unsigned>(n, unsigned(kMaxThreadsFromEnv)));
}

// PARAGRAD_NUM_THREADS when it is a plain decimal number in 1..65536; anything else (empty,
// signs, spaces, other characters, 0, too large) is ignored.
int threads_from_env() {
  const char* v = std::getenv("PARAGRAD_NUM_THREADS");
  if (!v || !*v || std::strlen(v) > 5) return 0;
  int n = 0;
  for (const char* p = v; *p; ++p) {
    if (*p < '0' || *p > '9') return 0;
    n = n * 10 + (*p - '0');
  }
  return n >= 1 && n <= kMaxThreadsFromEnv ? n : 0;
}

std::atomic<int>& thread_count() {
  static std::atomic<int> n{[] {
    const int env = threads_from_env();
    return env > 0 ? env : hardware_threads();
  }()};
  return n;
}

thread_local bool t_in_region = false;

struct RegionFlag {  // marks the calling thread as inside a region for its lifetime
  bool saved = t_in_region;
  RegionFlag() { t_in_region = true; }
  ~RegionFlag() { t_in_region = saved; }
  RegionFlag(const RegionFlag&) = delete;
  RegionFlag& operator=(const RegionFlag&) = delete;
};

// A job's chunks are dealt out in contiguous ranges, one per thread that takes part (the
// caller's first): a thread claims the chunks of its own range first, in order, and then those
// left in the others' ranges. So an op over the same elements as the op before it gives each
// thread the part of them that the same thread handled then (a GEMM's row blocks and the SGD step
// over its gradient, a parameter's momentum buffer step after step), where claiming from one
// counter gave each chunk to whichever thread came first: on two cores the step after a
// two-thread backward then read about half of its data from the other core's cache and ran slower
// than on one thread (docs/threads.md). A thread that comes late or not at all leaves its range
// to the others. Which thread runs a chunk never changes the chunks themselves.
struct Job {
  struct alignas(64) Range {  // (a cache line each: the threads claim from them at once)
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };
  Job(detail::ChunkFn fn_, const void* ctx_, int64_t n_, int64_t chunk_, int64_t chunks_,
      int parts_)
      : fn(fn_),
        ctx(ctx_),
        n(n_),
        chunk(chunk_),
        chunks(chunks_),
        parts(parts_),
        ranges(new (std::nothrow) Range[size_t(parts_)]) {
    if (!ranges) return;  // (out of memory: the caller runs the chunks itself)
    for (int p = 0; p < parts; ++p) {
      ranges[p].next.store(chunks * p / parts, std::memory_order_relaxed);
      ranges[p].end = chunks * (p + 1) / parts;
    }
  }
  detail::ChunkFn fn;
  const void* ctx;
  int64_t n, chunk, chunks;
  int parts;  // threads the job is dealt to: the caller (part 0) and its helpers
  std::unique_ptr<Range[]> ranges;
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;

  // Claims and runs chunks, its own range's first, until none is left (or one has thrown).
  void work(int part) {
    for (int k = 0; k < parts; ++k) {
      Range& r = ranges[(part + k) % parts];
      for (int64_t i; (i = r.next.fetch_add(1, std::memory_order_relaxed)) < r.end;) {
        if (failed.load(std::memory_order_relaxed)) return;
        try {
          fn(ctx, i * chunk, std::min(n, (i + 1) * chunk));
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
          failed.store(true, std::memory_order_relaxed);
          return;
        }
      }
    }
  }
};

// How long a worker that has just finished a job keeps polling for the next one, and how long a
// caller polls for its helpers to finish, before sleeping on a condition variable. Waking a
// sleeping thread costs a futex call and a trip through the scheduler, twice per region, and a
// training step runs one region per large op, back to back (a profile of mlp_sgd_2t with sleeping
// workers showed pthread_cond_broadcast and sched_yield). OpenMP runtimes poll the same way
// (GOMP_SPINCOUNT). Long enough to cover a training step's serial stretches: mlp_sgd_2t's ~90 µs
// of small ops between two large GEMMs outlasted a 100 µs poll, and the step ran 0.585 ms against
// 0.520 with 500 µs (docs/threads.md). Bench rows pool_*, mlp_sgd_2t, matmul512_2t.
constexpr auto kPollFor = std::chrono::microseconds(500);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls `ready` for up to kPollFor; true once it holds.
template <class Ready>
bool poll(const Ready& ready) {
  const auto until = std::chrono::steady_clock::now() + kPollFor;
  while (true) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= until) return ready();
  }
}

class Pool {
 public:
  // Runs the job on its `parts` threads (the caller included). Returns false, having done
  // nothing, when another caller holds the pool.
  bool run(Job& job) {
    std::unique_lock<std::mutex> region(region_, std::try_to_lock);
    if (!region.owns_lock()) return false;
    const int helpers = job.parts - 1;
    start_workers(helpers);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      wanted_ = helpers;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    {
      RegionFlag in_region;
      job.work(0);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = nullptr;  // no worker joins from here on
    }
    if (!poll([&] { return joined_.load() == 0; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return joined_.load() == 0; });
    }
    return true;
  }

 private:
  // Called with region_ held: only the region's owner grows the pool.
  void start_workers(int count) {
    while (int(workers_.size()) < count) {
      const int id = int(workers_.size());
      try {
        workers_.emplace_back([this, id] { loop(id); });
      } catch (const std::system_error&) {
        return;  // the system refuses more threads: run with those there are
      }
    }
  }

  void loop(int id) {
    t_in_region = true;  // pool threads run nested regions inline
    uint64_t seen = 0;
    bool worked = false;  // only a worker that took part in the last job polls for the next
    while (true) {
      auto next_job = [&] { return generation_.load() != seen; };
      if (!worked || !poll(next_job)) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, next_job);
      }
      std::unique_lock<std::mutex> lock(mutex_);
      seen = generation_.load();
      worked = id < wanted_ && job_ != nullptr;
      if (!worked) continue;
      Job* job = job_;
      joined_.fetch_add(1);
      lock.unlock();
      job->work(id + 1);
      lock.lock();
      if (joined_.fetch_sub(1) == 1) done_.notify_all();
    }
  }

  std::mutex region_;  // held by the caller whose region runs
  std::mutex mutex_;   // guards what follows; the atomics are also read without it while polling
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  Job* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};  // one more per job published
  int wanted_ = 0;                       // workers with an id below it join the current job
  std::atomic<int> joined_{0};           // workers inside the current job
};

// Never destroyed: its threads sleep until the process exits (joining them from a static
// destructor would race with ops run by other static destructors, and would hang in a forked
// child, which has none of the threads).
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

void set_num_threads(int n) {
  check<ValueError>(n >= 1, "set_num_threads: the number of threads must be at least 1, got ", n);
  thread_count().store(n, std::memory_order_relaxed);
}

int get_num_threads() { return thread_count().load(std::memory_order_relaxed); }

namespace detail {

bool in_parallel_region() { return t_in_region; }

void parallel_for_impl(int64_t n, int64_t chunk, ChunkFn fn, const void* ctx) {
  const int threads = get_num_threads();
  const int64_t chunks = (n - 1) / chunk + 1;
  if (threads > 1 && chunks > 1 && !t_in_region) {
    Job job(fn, ctx, n, chunk, chunks, int(std::min<int64_t>(threads, chunks)));
    if (job.ranges && pool().run(job)) {
      if (job.error) std::rethrow_exception(job.error);
      return;
    }
  }
  for (int64_t i = 0; i < chunks; ++i) fn(ctx, i * chunk, std::min(n, (i + 1) * chunk));
}

}  // namespace detail

}  // namespace paragrad
