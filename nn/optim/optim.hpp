// The optimizers (namespace paragrad::optim).
#pragma once

#include <paragrad/nn/optim/adagrad.hpp>
#include <paragrad/nn/optim/adam.hpp>
#include <paragrad/nn/optim/lbfgs.hpp>
#include <paragrad/nn/optim/lr_scheduler.hpp>
#include <paragrad/nn/optim/optimizer.hpp>
#include <paragrad/nn/optim/rmsprop.hpp>
#include <paragrad/nn/optim/sgd.hpp>
