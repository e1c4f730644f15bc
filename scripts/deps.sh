#!/usr/bin/env bash
# Make sure the Debian packages paragrad needs are installed.
#
#   scripts/deps.sh [package...]        check (and, as root, install) the given packages;
#                                       with none: the packages needed to build and test paragrad
#   source scripts/deps.sh; paragrad_deps [package...]     the same, from another script
#
# As root, missing packages are installed with apt-get. Otherwise the exact apt-get command is
# printed and the status is 1. PARAGRAD_SKIP_DEPS=1 skips the check (e.g. on a non-Debian system
# whose packages are already in place).

PARAGRAD_BUILD_PACKAGES=(cmake make g++ libeigen3-dev)
# python3: scripts/gen_derivatives and scripts/check_tutorial_page (CTest); graphviz: CTest's
# engine_to_dot_renders_with_graphviz (skipped without it); qemu-user: the CPU dispatch tests on
# emulated older CPUs (engine/cpu_dispatch_on_emulated_*, x86-64 only; skipped without it).
PARAGRAD_TEST_PACKAGES=(catch2 pkgconf python3 graphviz)
if [ "$(uname -m)" = x86_64 ]; then PARAGRAD_TEST_PACKAGES+=(qemu-user); fi
PARAGRAD_LAPACK_PACKAGES=(liblapack-dev)  # for -DPARAGRAD_LAPACK=ON (CI stage .ci/lapack)
# scripts/demo: gnuplot draws the gallery's SVG plots; graphviz renders autograd graphs (DOT).
PARAGRAD_DEMO_PACKAGES=(gnuplot-nox graphviz)

paragrad_deps() {
  local packages=("$@") missing=() pkg
  [ ${#packages[@]} -gt 0 ] || packages=("${PARAGRAD_BUILD_PACKAGES[@]}" "${PARAGRAD_TEST_PACKAGES[@]}")
  if [ "${PARAGRAD_SKIP_DEPS:-0}" = 1 ]; then
    return 0
  fi
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian-based system; make sure these are installed: ${packages[*]}" >&2
    return 0
  fi
  for pkg in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }; then
    echo "deps: apt-get could not install: ${missing[*]}" >&2
    return 1
  fi
}

# Executed (not sourced): check the packages named on the command line.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  paragrad_deps "$@"
  exit $?
fi

# ccache, when installed, compiles each build folder through one shared cache (objects that are the
# same in two build folders, e.g. the Release and LAPACK builds of CI, compile once). Paths are
# hashed relative to the checkout, so a build without debug information does not depend on its
# folder's name; one with debug information hashes its folder's path relative to the checkout
# (cmake/ParagradCompilerFlags.cmake makes the debug information's paths relative). Either way a
# fresh clone, as CI makes, reuses the last run's objects. Sets
# PARAGRAD_CCACHE_ARGS (CMake arguments; empty without ccache).
paragrad_use_ccache() {
  PARAGRAD_CCACHE_ARGS=()
  if command -v ccache >/dev/null 2>&1; then
    export CCACHE_BASEDIR="$PWD"
    export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-include_file_mtime,include_file_ctime,time_macros}"
    PARAGRAD_CCACHE_ARGS=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
}
