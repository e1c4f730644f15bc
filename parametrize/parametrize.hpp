// Umbrella header of the parametrize layer: includes every public header of paragrad/parametrize/.
#pragma once

#include <paragrad/parametrize/cache.hpp>
#include <paragrad/parametrize/constraints/constraints.hpp>
#include <paragrad/parametrize/lambda.hpp>
#include <paragrad/parametrize/parametrization.hpp>
#include <paragrad/parametrize/parametrization_list.hpp>
#include <paragrad/parametrize/parametrizations.hpp>
#include <paragrad/parametrize/register.hpp>
