// Umbrella header of the nn layer: includes every public header of paragrad/nn/.
#pragma once

#include <paragrad/nn/activation.hpp>
#include <paragrad/nn/attention.hpp>
#include <paragrad/nn/container.hpp>
#include <paragrad/nn/conv.hpp>
#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/init.hpp>
#include <paragrad/nn/layers.hpp>
#include <paragrad/nn/linear.hpp>
#include <paragrad/nn/module.hpp>
#include <paragrad/nn/normalization.hpp>
#include <paragrad/nn/optim/optim.hpp>
#include <paragrad/nn/parameter.hpp>
#include <paragrad/nn/pooling.hpp>
#include <paragrad/nn/recurrent.hpp>
#include <paragrad/nn/serialize/safetensors.hpp>
#include <paragrad/nn/utils/utils.hpp>
