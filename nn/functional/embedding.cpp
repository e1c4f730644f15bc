// embedding (a row lookup, index_select) and one_hot.
#include <algorithm>

#include <paragrad/nn/functional/functional.hpp>

namespace paragrad::nn::functional {

Tensor embedding(const Tensor& indices, const Tensor& weight) {
  check_defined("embedding", indices, weight);
  check<DtypeError>(indices.dtype() == kInt64, "embedding: indices must be int64, got ",
                    dtype_name(indices.dtype()));
  check<ShapeError>(weight.dim() == 2, "embedding: weight must be 2-d, got shape ",
                    shape_str(weight.sizes()));
  const int64_t n = weight.size(0);
  for (double v : indices.tolist())
    check<IndexError>(v >= 0 && v < double(n), "embedding: index ", int64_t(v),
                      " out of range for ", n, " embeddings");
  Shape out_shape = indices.shape();
  out_shape.push_back(weight.size(1));
  return weight.index_select(0, indices.reshape({-1})).reshape(out_shape);
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  check<ValueError>(indices.defined(), "one_hot: undefined input");
  check<DtypeError>(indices.dtype() == kInt64, "one_hot: class values must be int64, got ",
                    dtype_name(indices.dtype()));
  const std::vector<double> v = indices.tolist();
  int64_t max_v = -1;
  for (double x : v) {
    check<ValueError>(x >= 0, "one_hot: class values must be non-negative, got ", int64_t(x));
    max_v = std::max(max_v, int64_t(x));
  }
  if (num_classes == -1) {
    check<ValueError>(!v.empty(),
                      "one_hot: can not infer the number of classes from an empty tensor");
    num_classes = max_v + 1;
  }
  check<ValueError>(num_classes >= 1, "one_hot: num_classes must be positive or -1, got ",
                    num_classes);
  check<ValueError>(max_v < num_classes, "one_hot: class value ", max_v,
                    " is out of range for num_classes=", num_classes);
  Shape shape = indices.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, kInt64);
  int64_t* p = out.data_ptr<int64_t>();
  for (size_t i = 0; i < v.size(); ++i) p[int64_t(i) * num_classes + int64_t(v[i])] = 1;
  return out;
}

}  // namespace paragrad::nn::functional
