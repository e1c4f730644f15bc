// paragrad: everything in one include. #include <paragrad/paragrad.hpp>
#pragma once

#include <paragrad/engine/engine.hpp>
#include <paragrad/linalg/linalg.hpp>
#include <paragrad/nn/nn.hpp>
#include <paragrad/parametrize/parametrize.hpp>
