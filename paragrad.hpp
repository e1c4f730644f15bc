// paragrad: everything in one include. #include <paragrad/paragrad.hpp>
#pragma once

// paragrad's headers use C++17 (std::optional, structured bindings, inline variables). Stop here,
// with one clear message, rather than deep inside a header. MSVC reports the standard in
// _MSVC_LANG (its __cplusplus stays 199711L without /Zc:__cplusplus).
#if defined(_MSVC_LANG) && _MSVC_LANG > __cplusplus
#define PARAGRAD_CPLUSPLUS_ _MSVC_LANG
#else
#define PARAGRAD_CPLUSPLUS_ __cplusplus
#endif
#if PARAGRAD_CPLUSPLUS_ < 201703L
#error \
    "paragrad needs C++17 or newer: compile with -std=c++17 (CMake: cxx_std_17, which the paragrad::paragrad target and paragrad.pc already carry)"
#else

#include <paragrad/version.hpp>

#include <paragrad/engine/engine.hpp>
#include <paragrad/linalg/linalg.hpp>
#include <paragrad/nn/nn.hpp>
#include <paragrad/parametrize/parametrize.hpp>

#endif
#undef PARAGRAD_CPLUSPLUS_
