#pragma once
// Intra-op threads (docs/threads.md): large GEMMs, large elementwise ops and large reductions
// split their work over a pool of threads; small ops stay on the calling thread.
//   set_num_threads(n)  threads an op may use, the calling thread included (n >= 1; ValueError
//                       otherwise). Takes effect at the next op; callable from any thread.
//   get_num_threads()   the current count. Default: the environment variable
//                       PARAGRAD_NUM_THREADS (read once, at the first use of either function or of
//                       the pool) when it is a whole number from 1 to 65536, else the machine's
//                       hardware threads (std::thread::hardware_concurrency(), at least 1).
// Results do not depend on the thread count: every split is decided by the shapes alone.
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

void set_num_threads(int n);
int get_num_threads();

}  // namespace paragrad

PARAGRAD_API_END
