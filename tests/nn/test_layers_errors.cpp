// Bad input to the layers: a paragrad error of the right kind whose message names the layer and
// the shapes, for wrong input rank, wrong channels, and bad kernel/stride/padding arguments.
#include <catch2/catch.hpp>

#include <paragrad/nn/nn.hpp>

using namespace paragrad;
namespace F = nn::functional;
using Catch::Contains;

TEST_CASE("Conv2d rejects a wrong input rank, naming the layer and the shape") {
  nn::Conv2d conv(3, 8, 3);
  CHECK_THROWS_AS(conv(zeros({2, 3, 5})), ShapeError);  // 3-d is unbatched: needs 3 channels
  CHECK_THROWS_WITH(conv(zeros({5, 5})), Contains("Conv2d(3, 8, kernel_size=(3, 3)") &&
                                             Contains("[5, 5]") && Contains("4-d"));
  CHECK_THROWS_WITH(conv(zeros({1, 1, 2, 3, 5, 5})), Contains("[1, 1, 2, 3, 5, 5]"));
}

TEST_CASE("Conv2d rejects wrong channels, naming the input and weight shapes") {
  nn::Conv2d conv(3, 8, 3, 1, 0, 1, 1);
  CHECK_THROWS_WITH(conv(zeros({2, 4, 5, 5})),
                    Contains("Conv2d(3, 8") && Contains("[2, 4, 5, 5]") &&
                        Contains("has 4 channels") && Contains("[8, 3, 3, 3]"));
  CHECK_THROWS_AS(conv(zeros({2, 4, 5, 5})), ShapeError);
  nn::Conv2d grouped(4, 8, 3, 1, 0, 1, 2);
  CHECK_THROWS_WITH(grouped(zeros({1, 2, 5, 5})), Contains("groups=2") && Contains("expects 4"));
}

TEST_CASE("Conv2d rejects an input smaller than its kernel") {
  nn::Conv2d conv(1, 1, 5, 1, 1);
  CHECK_THROWS_WITH(conv(zeros({1, 1, 2, 2})), Contains("[1, 1, 2, 2]") &&
                                                   Contains("smaller than the kernel") &&
                                                   Contains("[1, 1, 5, 5]"));
}

TEST_CASE("convolution constructors reject bad kernel, stride, padding, groups and modes") {
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 0), Contains("Conv2d") && Contains("kernel_size"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, 0), Contains("stride must be positive"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, 1, -1), Contains("padding must be non-negative"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, 1, 0, 0), Contains("dilation"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, 1, 0, 1, 2),
                    Contains("in_channels 3") && Contains("groups=2"));
  CHECK_THROWS_WITH(nn::Conv2d(4, 6, 3, 1, 0, 1, 4), Contains("out_channels 6"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, 2, "same"), Contains("strided"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, 1, "full"), Contains("'full'"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, 1, 1, 1, 1, true, "mirror"), Contains("padding_mode"));
  CHECK_THROWS_WITH(nn::ConvTranspose2d(3, 8, 3, 1, 0, 0, 1, true, 1, "reflect"),
                    Contains("ConvTranspose2d"));
  CHECK_THROWS_AS(nn::Conv1d(0, 8, 3), ValueError);
  CHECK_THROWS_AS(nn::Conv2d(3, 8, 3, 1, 0, 1, 1, true, "zeros", kInt64), ValueError);
}

TEST_CASE("ConvTranspose2d rejects output_padding not below stride or dilation") {
  nn::ConvTranspose2d t(2, 2, 3, 2, 1, 2);
  CHECK_THROWS_WITH(t(zeros({1, 2, 3, 3})),
                    Contains("ConvTranspose2d(2, 2") && Contains("output_padding (2, 2)"));
  nn::ConvTranspose2d ok(2, 2, 3, 2, 1, 1);
  CHECK_THROWS_WITH(ok(zeros({1, 3, 3, 3})), Contains("has 3 channels"));
}

TEST_CASE("Conv1d names 1-d shapes in its errors") {
  nn::Conv1d conv(2, 4, 3);
  CHECK_THROWS_WITH(conv(zeros({1, 2, 3, 4})), Contains("Conv1d(2, 4, kernel_size=(3,)") &&
                                                   Contains("3-d (batched)") &&
                                                   Contains("[1, 2, 3, 4]"));
  CHECK_THROWS_WITH(F::conv1d(zeros({1, 3, 5}), zeros({4, 2, 3})),
                    Contains("conv1d") && Contains("has 3 channels"));
}

TEST_CASE("functional convolutions check dtypes, weight rank and bias") {
  CHECK_THROWS_AS(F::conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 2, 2}, kFloat64)), DtypeError);
  CHECK_THROWS_WITH(F::conv2d(zeros({1, 1, 4, 4}), zeros({1, 2, 2})),
                    Contains("conv2d: expected a 4-d weight"));
  CHECK_THROWS_WITH(F::conv2d(zeros({1, 1, 4, 4}), zeros({2, 1, 2, 2}), zeros({3})),
                    Contains("bias shape [3]"));
  CHECK_THROWS_WITH(F::unfold(zeros({1, 1, 2, 2}), 3), Contains("unfold"));
  CHECK_THROWS_WITH(F::fold(zeros({1, 4, 5}), {3, 3}, 2),
                    Contains("fold") && Contains("expected 4 blocks"));
}

TEST_CASE("pools reject bad input rank, kernel, stride and padding") {
  nn::MaxPool2d pool(2);
  CHECK_THROWS_WITH(pool(zeros({4, 4})), Contains("MaxPool2d(kernel_size=2") && Contains("[4, 4]"));
  CHECK_THROWS_WITH(pool(zeros({1, 1, 1, 5})), Contains("[1, 1, 1, 5]") && Contains("too small"));
  CHECK_THROWS_WITH(nn::MaxPool2d(2, 2, 2), Contains("at most half"));
  CHECK_THROWS_WITH(nn::MaxPool2d(0), Contains("must be positive"));
  CHECK_THROWS_WITH(nn::AvgPool2d(3, 0), Contains("AvgPool2d"));
  CHECK_THROWS_WITH(nn::AvgPool2d(2, 2, 0, false, true, 0), Contains("divisor"));
  CHECK_THROWS_WITH(nn::AvgPool2d(2)(zeros({2, 3, 4, 5, 6})),
                    Contains("AvgPool2d") && Contains("[2, 3, 4, 5, 6]"));
  CHECK_THROWS_WITH(nn::AdaptiveAvgPool2d(2)(zeros({3})), Contains("AdaptiveAvgPool2d"));
  CHECK_THROWS_WITH(F::max_pool1d(zeros({2, 3, 4, 5}), 2),
                    Contains("max_pool1d") && Contains("3-d (batched)"));
  CHECK_THROWS_AS(F::max_pool2d(zeros({1, 1, 4, 4}, kInt64), 2), DtypeError);
}

TEST_CASE("normalization layers reject wrong rank and channels, naming the layer") {
  nn::BatchNorm2d bn(3);
  CHECK_THROWS_WITH(bn(zeros({2, 3, 4})),
                    Contains("BatchNorm2d(3") && Contains("4-d") && Contains("[2, 3, 4]"));
  CHECK_THROWS_WITH(bn(zeros({2, 4, 2, 2})), Contains("BatchNorm2d(3") &&
                                                 Contains("[2, 4, 2, 2]") &&
                                                 Contains("3 channels"));
  nn::BatchNorm1d bn1(3);
  CHECK_THROWS_WITH(bn1(zeros({1, 3})), Contains("more than 1 value per channel"));
  CHECK(bn1.get("num_batches_tracked").item<int64_t>() == 0);  // a failed forward changes nothing
  CHECK_THROWS_WITH(bn1(zeros({2, 3, 4, 5})), Contains("BatchNorm1d") && Contains("3-d"));
  nn::GroupNorm gn(2, 4);
  CHECK_THROWS_WITH(gn(zeros({2, 6, 3})), Contains("GroupNorm(2, 4") && Contains("[2, 6, 3]"));
  CHECK_THROWS_WITH(nn::GroupNorm(3, 4), Contains("divisible"));
  CHECK_THROWS_AS(nn::LayerNorm({3})(zeros({2, 4})), ShapeError);
}

TEST_CASE("recurrent layers reject wrong input and state shapes, naming the layer") {
  nn::LSTMCell cell(3, 4);
  CHECK_THROWS_WITH(cell(zeros({2, 5})),
                    Contains("LSTMCell") && Contains("[2, 5]") && Contains("expected 3"));
  CHECK_THROWS_WITH(cell(zeros({2, 3}), {zeros({2, 4}), zeros({3, 4})}),
                    Contains("LSTMCell") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(cell(zeros({1, 2, 3})), Contains("1-d or 2-d"));
  nn::LSTM lstm(3, 4, 2);
  CHECK_THROWS_WITH(lstm(zeros({5, 2, 4})), Contains("LSTM") && Contains("[5, 2, 4]"));
  CHECK_THROWS_WITH(lstm(zeros({5, 2, 3}), {zeros({1, 2, 4}), zeros({2, 2, 4})}),
                    Contains("LSTM: expected hidden shape [2, 2, 4], got [1, 2, 4]"));
  CHECK_THROWS_WITH(lstm(zeros({5, 2, 3}), {zeros({2, 2, 4}), Tensor()}), Contains("h0 and c0"));
  nn::GRU gru(3, 4);
  CHECK_THROWS_WITH(gru(zeros({3})), Contains("GRU") && Contains("2-d (unbatched) or 3-d"));
  CHECK_THROWS_AS(nn::LSTM(3, 4, 0), ValueError);
  CHECK_THROWS_AS(nn::GRU(3, 4, 1, true, false, 1.5), ValueError);
  CHECK_THROWS_AS(nn::RNN(3, 4, 1, "sigmoid"), ValueError);
}

TEST_CASE("MultiheadAttention rejects bad dims and masks, naming the shapes") {
  CHECK_THROWS_WITH(nn::MultiheadAttention(6, 4), Contains("divisible"));
  nn::MultiheadAttention mha(4, 2);
  const Tensor q = zeros({3, 2, 4});
  CHECK_THROWS_WITH(mha.forward(zeros({3, 2, 5}), q, q), Contains("[3, 2, 5]"));
  CHECK_THROWS_WITH(mha.forward(q, zeros({3, 1, 4}), zeros({3, 1, 4})),
                    Contains("do not match query shape [3, 2, 4]"));
  CHECK_THROWS_WITH(mha.forward(q, q, q, {}, true, zeros({2, 2})),
                    Contains("attn_mask shape [2, 2]"));
  CHECK_THROWS_WITH(mha.forward(q, q, q, zeros({2, 4})), Contains("key_padding_mask shape"));
  CHECK_THROWS_AS(mha.forward(q, q, q, zeros({2, 3}, kInt64)), DtypeError);
}

TEST_CASE("functional helpers reject bad arguments") {
  CHECK_THROWS_WITH(F::pad(zeros({2, 3}), {1}), Contains("even"));
  CHECK_THROWS_WITH(F::pad(zeros({1, 2, 3}), {3, 3}, "reflect"), Contains("reflect padding"));
  CHECK_THROWS_WITH(F::pad(zeros({2, 3}), {1, 1, 1, 1}, "reflect"), Contains("[2, 3]"));
  CHECK_THROWS_WITH(F::pad(zeros({3}), {-2, -2}), Contains("negative size"));
  CHECK_THROWS_WITH(F::pad(zeros({3}), {1, 1}, "wrap"), Contains("'wrap'"));
  CHECK_THROWS_WITH(F::interpolate(zeros({1, 1, 2, 2}), {3}), Contains("size has 1 entries"));
  CHECK_THROWS_WITH(F::interpolate(zeros({1, 1, 2}), {3}, "bilinear"), Contains("4-d"));
  CHECK_THROWS_WITH(F::interpolate(zeros({1, 1, 2, 2}), {3, 3}, "nearest", true),
                    Contains("align_corners"));
  CHECK_THROWS_WITH(F::interpolate(zeros({1, 1, 2, 2}), {3, 3}, "cubic"), Contains("'cubic'"));
  CHECK_THROWS_WITH(F::normalize(zeros({2, 3}), 2, 2), Contains("dim 2"));
  CHECK_THROWS_WITH(F::mse_loss(zeros({2}), zeros({3})), Contains("[2]") && Contains("[3]"));
  CHECK_THROWS_WITH(F::l1_loss(zeros({2}), zeros({2}), "avg"), Contains("'avg'"));
  CHECK_THROWS_WITH(F::nll_loss(zeros({2, 3}), tensor({0, 3}, kInt64)), Contains("3 classes"));
  CHECK_THROWS_WITH(F::cross_entropy(zeros({2, 3}), tensor({0, 1}, kInt64), "mean", zeros({2})),
                    Contains("weight shape [2]"));
  CHECK_THROWS_WITH(F::binary_cross_entropy(full({2}, 1.5), zeros({2})),
                    Contains("between 0 and 1"));
  CHECK_THROWS_WITH(F::kl_div(zeros({2}), zeros({2}), "avg"), Contains("batchmean"));
  CHECK_THROWS_AS(F::smooth_l1_loss(zeros({2}), zeros({2}), "mean", -1), ValueError);
}
