#pragma once
// L-BFGS's state across steps (nn/optim/lbfgs.hpp keeps it behind a pointer): Eigen vectors made
// and freed in the library's own code only, never in an application's, whose Eigen configuration
// (e.g. -mavx2: another alignment) may differ from the library's (docs/cpu-dispatch.md).
#include <deque>

#include <Eigen/Core>

#include <paragrad/nn/optim/lbfgs.hpp>

namespace paragrad::optim {

struct LBFGS::History {
  Eigen::VectorXd d, prev_flat_grad;
  std::deque<Eigen::VectorXd> old_dirs, old_stps;
};

}  // namespace paragrad::optim
