#pragma once
// paragrad's side of the thread rows (issue 15): its thread count follows the row's (set before
// every round, as Eigen's and LibTorch's are), and `one_thread` makes a side that runs a row's
// work on one paragrad thread whatever the row's count (the "paragrad_1t" reference of the
// 2-thread rows, measured in the same rounds).
#include <utility>

#include <paragrad/engine/parallel.hpp>

#include "harness.hpp"

namespace bench {

inline Case one_thread(Case c) {
  auto step = std::move(c.step);
  c.step = [step] {
    paragrad::set_num_threads(1);  // a store: costs nothing next to the row's work
    return step();
  };
  return c;
}

}  // namespace bench
