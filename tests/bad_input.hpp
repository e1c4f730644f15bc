#pragma once
// Helpers for the bad-input suites (tests/<layer>/test_bad_input*.cpp): a call that must raise a
// given paragrad::Error subclass whose message starts with the op's name and mentions the
// offending shapes, and a snapshot proving a tensor came out of a failed call unchanged (values,
// shape, strides, dtype, version, requires_grad, grad).
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/engine/engine.hpp>

namespace paragrad::test {

// The message of the Error f raises, after checking its type is E (or a subclass). "" (and a
// failed check) when f returns normally or raises anything else.
template <class E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    if constexpr (!std::is_same<E, Error>::value) {
      if (dynamic_cast<const E*>(&e) == nullptr) {
        FAIL_CHECK("raised the wrong paragrad::Error subclass: " << e.what());
        return "";
      }
    }
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("raised a foreign exception: " << e.what());
    return "";
  }
  FAIL_CHECK("did not raise");
  return "";
}

// f raises E with a message that starts with "<op>:" and contains every one of parts.
template <class E>
void check_raises(const std::function<void()>& f, const std::string& op,
                  const std::vector<std::string>& parts = {}) {
  const std::string msg = error_of<E>(f);
  INFO("op " << op << ", message: " << msg);
  CHECK(msg.rfind(op + ":", 0) == 0);
  for (const std::string& p : parts) {
    INFO("expected to contain: " << p);
    CHECK(msg.find(p) != std::string::npos);
  }
}

// Everything a failed call must leave as it was.
struct Snapshot {
  explicit Snapshot(const Tensor& t)
      : defined(t.defined()),
        values(defined ? t.tolist() : std::vector<double>()),
        sizes(defined ? t.sizes() : Dims()),
        strides(defined ? t.strides() : Dims()),
        dtype(defined ? t.dtype() : kFloat32),
        version(defined ? t.version() : 0),
        requires_grad(t.requires_grad()),
        has_grad(defined && t.grad().defined()),
        grad(has_grad ? t.grad().tolist() : std::vector<double>()) {}

  // Compares with NaN equal to NaN (values may hold NaN on purpose).
  static bool same(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!(a[i] == b[i] || (a[i] != a[i] && b[i] != b[i]))) return false;
    return true;
  }
  bool operator==(const Snapshot& o) const {
    return defined == o.defined && same(values, o.values) && sizes == o.sizes &&
           strides == o.strides && dtype == o.dtype && version == o.version &&
           requires_grad == o.requires_grad && has_grad == o.has_grad && same(grad, o.grad);
  }

  bool defined;
  std::vector<double> values;
  Dims sizes, strides;
  Dtype dtype;
  uint32_t version;
  bool requires_grad, has_grad;
  std::vector<double> grad;
};

// f raises E naming op (and parts), and every tensor in watched is unchanged afterwards.
template <class E>
void check_raises_unchanged(const std::function<void()>& f, const std::string& op,
                            const std::vector<std::string>& parts,
                            const std::vector<Tensor>& watched) {
  std::vector<Snapshot> before;
  for (const Tensor& t : watched) before.emplace_back(t);
  check_raises<E>(f, op, parts);
  for (size_t i = 0; i < watched.size(); ++i) {
    INFO("tensor " << i << " of the call to " << op << " changed");
    CHECK(Snapshot(watched[i]) == before[i]);
  }
}

}  // namespace paragrad::test
