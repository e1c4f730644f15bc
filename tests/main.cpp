// The one Catch2 main shared by every paragrad test executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
