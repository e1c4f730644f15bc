// Umbrella header of the nn layer: includes every public header of paragrad/nn/.
#pragma once

#include <paragrad/nn/activation.hpp>
#include <paragrad/nn/container.hpp>
#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/init.hpp>
#include <paragrad/nn/layers.hpp>
#include <paragrad/nn/linear.hpp>
#include <paragrad/nn/module.hpp>
#include <paragrad/nn/optim/optim.hpp>
#include <paragrad/nn/parameter.hpp>
#include <paragrad/nn/serialize/safetensors.hpp>
