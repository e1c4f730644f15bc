// operator<< prints like PyTorch 1.13. Every expected string below is PyTorch's own output
// for the same tensor (scripts/oracle/engine_oracle.py).
#include <cmath>

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::str;

TEST_CASE("printing 1-d and 2-d float tensors", "[print]") {
  CHECK(str(tensor({1.0, 2.0})) == "tensor([1., 2.])");
  CHECK(str(tensor({{1.5, 2.0}, {3.0, 4.0}})) ==
        "tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])");
  CHECK(str(tensor({0.1, 0.25})) == "tensor([0.1000, 0.2500])");
  CHECK(str(tensor({0.0, 0.0})) == "tensor([0., 0.])");
}

// PyTorch's text, except that grad_fn=<...> shows grad_fn_name() without PyTorch's overload
// number (MulBackward, not MulBackward0).
TEST_CASE("printing shows dtype, grad_fn and requires_grad like PyTorch", "[print]") {
  CHECK(str(tensor({-1.5, 2.25}, kFloat64)) == "tensor([-1.5000,  2.2500], dtype=torch.float64)");
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  CHECK(str(x) == "tensor([1., 2.], dtype=torch.float64, requires_grad=True)");
  CHECK(str(x * x) == "tensor([1., 4.], dtype=torch.float64, grad_fn=<MulBackward>)");
  Tensor y = tensor({{1.5, 2.0}, {3.0, 4.0}}).requires_grad_();
  CHECK(str(y * 2.0) == "tensor([[3., 4.],\n        [6., 8.]], grad_fn=<MulBackward>)");
}

TEST_CASE("printing integer and bool tensors", "[print]") {
  CHECK(str(tensor({1, -20, 300}, kInt64)) == "tensor([  1, -20, 300])");
  CHECK(str(tensor({{1, 2}, {30, 4}}, kInt64)) == "tensor([[ 1,  2],\n        [30,  4]])");
  CHECK(str(tensor({1, 0, 1}, kBool)) == "tensor([ True, False,  True])");
}

TEST_CASE("printing 0-d tensors", "[print]") {
  CHECK(str(scalar(1.5)) == "tensor(1.5000)");
  CHECK(str(scalar(3.0)) == "tensor(3.)");
  CHECK(str(scalar(-2, kInt64)) == "tensor(-2)");
  CHECK(str(scalar(2.5, kFloat64)) == "tensor(2.5000, dtype=torch.float64)");
}

TEST_CASE("printing a 3-d tensor separates blocks by a blank line", "[print]") {
  CHECK(str(arange(0.0, 8.0).reshape({2, 2, 2})) ==
        "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])");
}

TEST_CASE("printing zero-size tensors shows size and dtype like PyTorch", "[print][edge]") {
  CHECK(str(zeros({0})) == "tensor([])");
  CHECK(str(zeros({0, 3})) == "tensor([], size=(0, 3))");
  CHECK(str(zeros({0, 3}, kInt64)) == "tensor([], size=(0, 3), dtype=torch.int64)");
  CHECK(str(zeros({0}, kFloat64)) == "tensor([], dtype=torch.float64)");
  CHECK(str(zeros({0}, kBool)) == "tensor([], dtype=torch.bool)");
}

TEST_CASE("printing switches to scientific notation where PyTorch does", "[print]") {
  CHECK(str(tensor({1e-5, 1.0})) == "tensor([1.0000e-05, 1.0000e+00])");
  CHECK(str(tensor({1.0, 10000.0})) == "tensor([1.0000e+00, 1.0000e+04])");
  CHECK(str(tensor({1.0, 1000.0})) == "tensor([   1., 1000.])");
  CHECK(str(tensor({1e8})) == "tensor([100000000.])");
  CHECK(str(tensor({1.5e8})) == "tensor([1.5000e+08])");
  CHECK(str(tensor({0.5, 1e9}, kFloat64)) ==
        "tensor([5.0000e-01, 1.0000e+09], dtype=torch.float64)");
}

TEST_CASE("printing nan and inf", "[print]") {
  CHECK(str(tensor({1.5, NAN})) == "tensor([1.5000,    nan])");
  CHECK(str(tensor({1.0, INFINITY})) == "tensor([1., inf])");
  CHECK(str(tensor({-INFINITY, NAN, 2.5})) == "tensor([  -inf,    nan, 2.5000])");
  CHECK(str(tensor({NAN})) == "tensor([nan])");
}

TEST_CASE("printing wraps long rows at 80 columns", "[print]") {
  CHECK(str(arange(0.0, 30.0)) ==
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        "
        "14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n        28., "
        "29.])");
  CHECK(str((arange(0, 30) * 1.5).reshape({3, 10})) ==
        "tensor([[ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n     "
        "    12.0000, 13.5000],\n        [15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000, "
        "24.0000, 25.5000,\n         27.0000, 28.5000],\n        [30.0000, 31.5000, 33.0000, "
        "34.5000, 36.0000, 37.5000, 39.0000, 40.5000,\n         42.0000, 43.5000]])");
}

TEST_CASE("printing moves suffixes to a new line past 80 columns", "[print]") {
  Tensor z = (arange(0, 12, 1, kFloat64).reshape({2, 6}) * 1.25).requires_grad_();
  CHECK(str(z * 3.0) ==
        "tensor([[ 0.0000,  3.7500,  7.5000, 11.2500, 15.0000, 18.7500],\n        [22.5000, "
        "26.2500, 30.0000, 33.7500, 37.5000, 41.2500]],\n       dtype=torch.float64, "
        "grad_fn=<MulBackward>)");
  Tensor w = (arange(0, 9, 1, kFloat64) * 1.25 + 0.001).requires_grad_();
  CHECK(str(w) ==
        "tensor([1.0000e-03, 1.2510e+00, 2.5010e+00, 3.7510e+00, 5.0010e+00, 6.2510e+00,\n   "
        "     7.5010e+00, 8.7510e+00, 1.0001e+01], dtype=torch.float64,\n       "
        "requires_grad=True)");
}

TEST_CASE("printing summarizes tensors of more than 1000 elements", "[print]") {
  CHECK(str(arange(0.0, 1001.0)) == "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])");
  CHECK(str(arange(0, 2000, 1, kInt64)) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
  CHECK(str(ones({40, 40})) ==
        "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n     "
        "   [1., 1., 1.,  ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1.,  ..., 1., 1., "
        "1.],\n        [1., 1., 1.,  ..., 1., 1., 1.],\n        [1., 1., 1.,  ..., 1., 1., "
        "1.]])");
  CHECK(str(arange(0.0, 2000.0).reshape({2, 10, 100})) ==
        "tensor([[[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01,\n          9.8000e+01, "
        "9.9000e+01],\n         [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.9700e+02,\n          "
        "1.9800e+02, 1.9900e+02],\n         [2.0000e+02, 2.0100e+02, 2.0200e+02,  ..., "
        "2.9700e+02,\n          2.9800e+02, 2.9900e+02],\n         ...,\n         [7.0000e+02, "
        "7.0100e+02, 7.0200e+02,  ..., 7.9700e+02,\n          7.9800e+02, 7.9900e+02],\n         "
        "[8.0000e+02, 8.0100e+02, 8.0200e+02,  ..., 8.9700e+02,\n          8.9800e+02, "
        "8.9900e+02],\n         [9.0000e+02, 9.0100e+02, 9.0200e+02,  ..., 9.9700e+02,\n          "
        "9.9800e+02, 9.9900e+02]],\n\n        [[1.0000e+03, 1.0010e+03, 1.0020e+03,  ..., "
        "1.0970e+03,\n          1.0980e+03, 1.0990e+03],\n         [1.1000e+03, 1.1010e+03, "
        "1.1020e+03,  ..., 1.1970e+03,\n          1.1980e+03, 1.1990e+03],\n         [1.2000e+03, "
        "1.2010e+03, 1.2020e+03,  ..., 1.2970e+03,\n          1.2980e+03, 1.2990e+03],\n         "
        "...,\n         [1.7000e+03, 1.7010e+03, 1.7020e+03,  ..., 1.7970e+03,\n          "
        "1.7980e+03, 1.7990e+03],\n         [1.8000e+03, 1.8010e+03, 1.8020e+03,  ..., "
        "1.8970e+03,\n          1.8980e+03, 1.8990e+03],\n         [1.9000e+03, 1.9010e+03, "
        "1.9020e+03,  ..., 1.9970e+03,\n          1.9980e+03, 1.9990e+03]]])");
}

TEST_CASE("printing an undefined tensor does not crash", "[print][edge]") {
  CHECK(str(Tensor()) == "tensor(undefined)");
}

TEST_CASE("printing a non-contiguous view prints its logical order", "[print]") {
  CHECK(str(arange(0.0, 4.0).reshape({2, 2}).t()) == "tensor([[0., 2.],\n        [1., 3.]])");
}

TEST_CASE("printing Dims", "[print]") {
  CHECK(cat(shape_str(Dims{2, 3})) == "[2, 3]");
  CHECK(cat(shape_str(Dims{})) == "[]");
}
