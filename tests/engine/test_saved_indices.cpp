// Indices and masks a backward rule needs are saved through SavedTensor like any other tensor:
// editing one in place (under NoGradGuard) between forward and backward makes backward raise,
// naming the op, instead of silently routing the gradient to the wrong elements.
#include "engine/engine_test_util.hpp"

using namespace paragrad;

namespace {

Tensor x23() { return tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, kFloat64).requires_grad_(); }

// Backward of y.sum() after `edit` ran on the saved tensor under NoGradGuard must raise an
// AutogradError naming `node` and the in-place modification.
template <class Edit>
void check_edit_raises(const Tensor& y, Edit edit, const char* node) {
  {
    NoGradGuard ng;
    edit();
  }
  REQUIRE_THROWS_WITH(y.sum().backward(), Catch::Contains(node) && Catch::Contains("in-place"));
}

}  // namespace

TEST_CASE("gather gives the right gradient when its index is left alone", "[autograd][saved]") {
  Tensor x = x23();
  Tensor idx = tensor({{2, 0}, {1, 1}}, kInt64);
  x.gather(1, idx).sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{1, 0, 1, 0, 2, 0});
}

TEST_CASE("gather backward raises after its index is modified in place", "[autograd][saved]") {
  Tensor x = x23();
  Tensor idx = tensor({{2, 0}, {1, 1}}, kInt64);
  Tensor y = x.gather(1, idx);
  {
    NoGradGuard ng;
    idx.fill_(0);
  }
  REQUIRE_THROWS_WITH(y.sum().backward(),
                      Catch::Contains("GatherBackward") && Catch::Contains("in-place"));
}

TEST_CASE("index_select backward raises after its index is modified in place",
          "[autograd][saved]") {
  // 1-d input: the spread index is the caller's own tensor, no copy; 2-d: a copy. Both raise.
  Tensor v = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  Tensor i1 = tensor({2, 0}, kInt64);
  Tensor y1 = v.index_select(0, i1);
  {
    NoGradGuard ng;
    i1.fill_(1);
  }
  REQUIRE_THROWS_WITH(y1.sum().backward(), Catch::Contains("IndexSelectBackward"));

  Tensor x = x23();
  Tensor i2 = tensor({2, 2, 0}, kInt64);
  Tensor y2 = x.index_select(1, i2);
  {
    NoGradGuard ng;
    i2.add_(scalar(-1, kInt64));
  }
  REQUIRE_THROWS_WITH(y2.sum().backward(), Catch::Contains("IndexSelectBackward"));
}

TEST_CASE("index_select gives the right gradient for repeated indices", "[autograd][saved]") {
  Tensor x = x23();
  x.index_select(1, tensor({2, 2, 0}, kInt64)).sum().backward();
  CHECK(x.grad().tolist() == std::vector<double>{1, 0, 2, 1, 0, 2});
}

TEST_CASE("scatter_add backward raises after its index is modified in place", "[autograd][saved]") {
  Tensor src = tensor({{1.0, 2.0}}, kFloat64).requires_grad_();
  Tensor idx = tensor({{0, 2}}, kInt64);
  Tensor y = scatter_add(zeros({1, 3}, kFloat64), 1, idx, src);
  (y * tensor({{1.0, 10.0, 100.0}}, kFloat64)).sum().backward(Tensor(), true);
  CHECK(src.grad().tolist() == std::vector<double>{1, 100});
  {
    NoGradGuard ng;
    idx.fill_(1);
  }
  REQUIRE_THROWS_WITH(y.sum().backward(), Catch::Contains("ScatterAddBackward"));
}

TEST_CASE("where backward raises after its condition is modified in place", "[autograd][saved]") {
  Tensor a = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor b = tensor({3.0, 4.0}, kFloat64).requires_grad_();
  Tensor c = tensor({1, 0}, kBool);
  Tensor y = where(c, a, b);
  {
    NoGradGuard ng;
    c.logical_not();  // not in place: nothing changes
  }
  y.sum().backward(Tensor(), true);
  CHECK(a.grad().tolist() == std::vector<double>{1, 0});
  CHECK(b.grad().tolist() == std::vector<double>{0, 1});
  {
    NoGradGuard ng;
    c.fill_(1);
  }
  REQUIRE_THROWS_WITH(y.sum().backward(), Catch::Contains("WhereBackward"));
}

TEST_CASE("a comparison mask used by where is checked too", "[autograd][saved]") {
  Tensor x = tensor({-1.0, 2.0, -3.0}, kFloat64).requires_grad_();
  Tensor mask = x.detach() > 0.0;
  Tensor y = where(mask, x, x * 0.1);
  {
    NoGradGuard ng;
    mask.copy_(mask.logical_not());
  }
  REQUIRE_THROWS_WITH(y.sum().backward(), Catch::Contains("WhereBackward"));
}

TEST_CASE("masked_fill backward raises after its mask is modified in place", "[autograd][saved]") {
  Tensor x = x23();
  Tensor m = tensor({1, 0, 1}, kBool);
  Tensor y = x.masked_fill(m, 0.0);
  CHECK(y.grad_fn_name() == "MaskedFillBackward");
  y.sum().backward(Tensor(), true);
  CHECK(x.grad().tolist() == std::vector<double>{0, 1, 0, 0, 1, 0});
  {
    NoGradGuard ng;
    m.fill_(0);
  }
  REQUIRE_THROWS_WITH(y.sum().backward(), Catch::Contains("MaskedFillBackward"));
}

TEST_CASE("max and min along a dim raise in backward after their indices are modified",
          "[autograd][saved]") {
  Tensor x = x23();
  auto [values, indices] = x.max(1);
  {
    NoGradGuard ng;
    indices.fill_(0);
  }
  REQUIRE_THROWS_WITH(values.sum().backward(), Catch::Contains("MaxBackward"));
  Tensor z = x23();
  auto [mv, mi] = z.min(0, true);
  check_edit_raises(
      mv, [&mi = mi] { mi.zero_(); }, "MinBackward");
}
