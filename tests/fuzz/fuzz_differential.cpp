// libFuzzer target: the differential test's program parser (tests/differential/program.hpp) on
// arbitrary text. Any input must parse or raise paragrad::Error; a parsed program must respect
// the parser's bounds (value ids refer backwards, sizes within kMaxNumel).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <paragrad/engine/error.hpp>

#include "differential/program.hpp"

namespace dp = paragrad::differential;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const dp::Program& p : dp::parse_programs(text)) {
      if (p.steps.empty() || p.steps.size() > dp::kMaxSteps) std::abort();
      for (size_t i = 0; i < p.steps.size(); ++i) {
        const dp::Step& s = p.steps[i];
        if (s.is_input) {
          int64_t n = 1;
          for (int64_t d : s.input.shape) n *= d;
          if (n != static_cast<int64_t>(s.input.values.size()) || n > dp::kMaxNumel) std::abort();
        } else {
          for (int64_t o : s.op.operands)
            if (o < 0 || static_cast<size_t>(o) >= i) std::abort();
        }
      }
      if (p.has_cotangent && p.cotangent.size() != p.value.size()) std::abort();
    }
  } catch (const paragrad::Error&) {
  }
  return 0;
}
