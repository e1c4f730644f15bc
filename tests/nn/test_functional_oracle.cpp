// pad, interpolate, normalize, one_hot and the losses against PyTorch 1.13
// (scripts/oracle/nn_layers_oracle.py): values and gradients.
#include <catch2/catch.hpp>

#include <cmath>

#include <paragrad/nn/nn.hpp>

#include "nn/oracle_case.hpp"

using namespace paragrad;
namespace F = nn::functional;
namespace O = nn_layers_oracle;
using oracle_case::Case;
using oracle_case::get;

namespace {
// A functional case: f of the case's inputs against "output" and the inputs' gradients.
template <class Fn>
void check_fn(const Case& c, Fn f, double rtol = 1e-9, double atol = 1e-11) {
  nn::Identity none;  // no state
  oracle_case::check_module(
      none, c, [&](const TensorList& x) { return TensorList{f(x)}; }, rtol, atol);
}
}  // namespace

TEST_CASE("pad matches PyTorch in reflect, replicate, circular and constant modes") {
  check_fn(O::pad_reflect, [](const TensorList& x) {
    return F::pad(x[0], {2, 1, 1, 2}, "reflect");
  });
  check_fn(O::pad_replicate, [](const TensorList& x) {
    return F::pad(x[0], {2, 1, 1, 2}, "replicate");
  });
  check_fn(O::pad_circular, [](const TensorList& x) {
    return F::pad(x[0], {2, 1, 1, 2}, "circular");
  });
  check_fn(O::pad_constant_negative, [](const TensorList& x) {
    return F::pad(x[0], {-1, 2, 1, -1, 0, 1}, "constant", 0.5);
  });
  check_fn(O::pad_reflect_1d, [](const TensorList& x) { return F::pad(x[0], {3, 2}, "reflect"); });
}

TEST_CASE("interpolate matches PyTorch for nearest, bilinear, linear and area") {
  check_fn(O::interp_nearest, [](const TensorList& x) { return F::interpolate(x[0], {5, 7}); });
  check_fn(O::interp_nearest_down, [](const TensorList& x) {
    return F::interpolate(x[0], {2, 3}, "nearest");
  });
  check_fn(O::interp_bilinear, [](const TensorList& x) {
    return F::interpolate(x[0], {5, 7}, "bilinear");
  });
  check_fn(O::interp_bilinear_down, [](const TensorList& x) {
    return F::interpolate(x[0], {2, 3}, "bilinear", false);
  });
  check_fn(O::interp_bilinear_corners, [](const TensorList& x) {
    return F::interpolate(x[0], {5, 6}, "bilinear", true);
  });
  check_fn(O::interp_linear,
           [](const TensorList& x) { return F::interpolate(x[0], {7}, "linear"); });
  check_fn(O::interp_area, [](const TensorList& x) {
    return F::interpolate(x[0], {2, 3}, "area");
  });
}

TEST_CASE("interpolate with a scale_factor matches PyTorch") {
  check_fn(O::interp_scale, [](const TensorList& x) {
    return F::interpolate(x[0], F::ScaleFactor{1.5}, "bilinear");
  });
  check_fn(O::interp_nearest_scale, [](const TensorList& x) {
    return F::interpolate(x[0], F::ScaleFactor{1.7}, "nearest");
  });
}

TEST_CASE("normalize matches PyTorch for p 2, 1 and inf, with a zero row") {
  check_fn(O::normalize_p2, [](const TensorList& x) { return F::normalize(x[0]); });
  check_fn(O::normalize_p1_dim0, [](const TensorList& x) { return F::normalize(x[0], 1, 0); });
  check_fn(O::normalize_pinf, [](const TensorList& x) { return F::normalize(x[0], INFINITY, -1); });
}

TEST_CASE("one_hot matches PyTorch with and without num_classes") {
  const Tensor idx = get(O::one_hot, "input", kInt64);
  oracle_case::check_close(F::one_hot(idx, 5), O::one_hot, "output");
  oracle_case::check_close(F::one_hot(idx), O::one_hot, "output2");
  CHECK(F::one_hot(idx).dtype() == kInt64);
  CHECK_THROWS_AS(F::one_hot(idx, 3), ValueError);
  CHECK_THROWS_AS(F::one_hot(tensor({-1}, kInt64)), ValueError);
  CHECK_THROWS_AS(F::one_hot(tensor({1.0})), DtypeError);
}

namespace {
const Case& T = O::targets;
}

TEST_CASE("smooth_l1_loss and huber_loss match PyTorch for every reduction") {
  const std::pair<const char*, std::pair<const Case*, const Case*>> rows[] = {
      {"mean", {&O::smooth_l1_mean, &O::huber_mean}},
      {"sum", {&O::smooth_l1_sum, &O::huber_sum}},
      {"none", {&O::smooth_l1_none, &O::huber_none}}};
  for (const auto& [red, cs] : rows) {
    const std::string r = red;
    check_fn(*cs.first, [&](const TensorList& x) { return F::smooth_l1_loss(x[0], x[1], r, 0.5); });
    check_fn(*cs.second, [&](const TensorList& x) { return F::huber_loss(x[0], x[1], r, 0.7); });
  }
}

TEST_CASE("nll_loss with class weights and ignore_index matches PyTorch") {
  const Tensor t = get(T, "class_ignore", kInt64), w = get(T, "weight");
  check_fn(O::nll_weighted_mean,
           [&](const TensorList& x) { return F::nll_loss(x[0], t, "mean", w, -100); });
  check_fn(O::nll_weighted_sum,
           [&](const TensorList& x) { return F::nll_loss(x[0], t, "sum", w, -100); });
  check_fn(O::nll_weighted_none,
           [&](const TensorList& x) { return F::nll_loss(x[0], t, "none", w, -100); });
}

TEST_CASE("cross_entropy with weights, ignore_index and label smoothing matches PyTorch") {
  const Tensor t = get(T, "class_ignore", kInt64), w = get(T, "weight");
  const Tensor probs = get(T, "probs").softmax(1);
  const std::tuple<std::string, const Case*, const Case*, const Case*> rows[] = {
      {"mean", &O::ce_smooth_mean, &O::ce_smooth_noweight_mean, &O::ce_probs_smooth_mean},
      {"sum", &O::ce_smooth_sum, &O::ce_smooth_noweight_sum, &O::ce_probs_smooth_sum},
      {"none", &O::ce_smooth_none, &O::ce_smooth_noweight_none, &O::ce_probs_smooth_none}};
  for (const auto& [r, a, b, c] : rows) {
    check_fn(*a, [&](const TensorList& x) { return F::cross_entropy(x[0], t, r, w, -100, 0.2); });
    check_fn(*b, [&](const TensorList& x) { return F::cross_entropy(x[0], t, r, {}, -100, 0.1); });
    check_fn(*c,
             [&](const TensorList& x) { return F::cross_entropy(x[0], probs, r, w, -100, 0.3); });
  }
}

TEST_CASE("binary_cross_entropy and the logits form match PyTorch, weights and pos_weight") {
  const Tensor w = get(T, "weight"), p = get(T, "probs"), pw = get(T, "pos_weight");
  const std::tuple<std::string, const Case*, const Case*> rows[] = {
      {"mean", &O::bce_mean, &O::bce_logits_mean},
      {"sum", &O::bce_sum, &O::bce_logits_sum},
      {"none", &O::bce_none, &O::bce_logits_none}};
  for (const auto& [r, a, b] : rows) {
    check_fn(*a, [&](const TensorList& x) { return F::binary_cross_entropy(x[0], x[1], r, w); });
    check_fn(*b, [&](const TensorList& x) {
      return F::binary_cross_entropy_with_logits(x[0], p, r, w, pw);
    });
  }
}

TEST_CASE("kl_div matches PyTorch for every reduction and log_target") {
  const Tensor p = get(T, "probs");
  const std::tuple<std::string, const Case*, const Case*> rows[] = {
      {"mean", &O::kl_div_mean, &O::kl_div_log_target_mean},
      {"batchmean", &O::kl_div_batchmean, &O::kl_div_log_target_batchmean},
      {"sum", &O::kl_div_sum, &O::kl_div_log_target_sum},
      {"none", &O::kl_div_none, &O::kl_div_log_target_none}};
  for (const auto& [r, a, b] : rows) {
    check_fn(*a, [&](const TensorList& x) { return F::kl_div(x[0].log_softmax(1), p, r); });
    check_fn(*b, [&](const TensorList& x) {
      return F::kl_div(x[0].log_softmax(1), x[1].log_softmax(1), r, true);
    });
  }
}

TEST_CASE("cosine_embedding_loss and margin_ranking_loss match PyTorch") {
  const Tensor cy = get(T, "cos_y"), ry = get(T, "rank_y");
  const std::tuple<std::string, const Case*, const Case*> rows[] = {
      {"mean", &O::cosine_embedding_mean, &O::margin_ranking_mean},
      {"sum", &O::cosine_embedding_sum, &O::margin_ranking_sum},
      {"none", &O::cosine_embedding_none, &O::margin_ranking_none}};
  for (const auto& [r, a, b] : rows) {
    check_fn(*a,
             [&](const TensorList& x) { return F::cosine_embedding_loss(x[0], x[1], cy, 0.2, r); });
    check_fn(*b, [&](const TensorList& x) {
      return F::margin_ranking_loss(x[0].select(1, 0), x[1].select(1, 0), ry, 0.3, r);
    });
  }
}
