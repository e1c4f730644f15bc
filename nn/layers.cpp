#include <paragrad/nn/layers.hpp>

#include <algorithm>
#include <cmath>

#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/init.hpp>

namespace paragrad::nn {

// --- Dropout
Dropout::Dropout(double p) : p_(p) {
  check<ValueError>(p >= 0 && p <= 1, "Dropout: probability has to be between 0 and 1, but got ",
                    p);
}
Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, p_, is_training()); }
std::string Dropout::extra_repr() const { return cat("p=", p_, ", inplace=False"); }

// --- Embedding
Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, Dtype dtype)
    : num_(num_embeddings), dim_(embedding_dim) {
  check<ValueError>(num_ >= 0 && dim_ >= 0, "Embedding: sizes must be non-negative, got ", num_,
                    " and ", dim_);
  register_parameter("weight", empty({num_, dim_}, dtype));
  init::normal_(parameter_slot("weight"));
}
Tensor Embedding::forward(const Tensor& indices) {
  return functional::embedding(indices, get("weight"));
}
std::string Embedding::extra_repr() const { return cat(num_, ", ", dim_); }

// --- Flatten / Unflatten
Flatten::Flatten(int64_t start_dim, int64_t end_dim) : start_(start_dim), end_(end_dim) {}

Tensor Flatten::forward(const Tensor& x) {
  check<ValueError>(x.defined(), "Flatten: undefined input");
  const int64_t n = std::max<int64_t>(x.dim(), 1);
  check<IndexError>(start_ >= -n && start_ < n && end_ >= -n && end_ < n,
                    "Flatten(start_dim=", start_, ", end_dim=", end_,
                    "): dims out of range for input shape ", shape_str(x.sizes()));
  const int64_t s = start_ < 0 ? start_ + n : start_, e = end_ < 0 ? end_ + n : end_;
  check<ValueError>(s <= e, "Flatten(start_dim=", start_, ", end_dim=", end_,
                    "): start_dim cannot come after end_dim for input shape ",
                    shape_str(x.sizes()));
  if (x.dim() == 0) return x.reshape({1});
  Shape shape;
  int64_t merged = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < s || d > e) {
      shape.push_back(x.size(d));
    } else {
      merged *= x.size(d);
      if (d == e) shape.push_back(merged);
    }
  }
  return x.reshape(shape);
}

std::string Flatten::extra_repr() const { return cat("start_dim=", start_, ", end_dim=", end_); }

Unflatten::Unflatten(int64_t dim, Shape sizes) : dim_(dim), sizes_(std::move(sizes)) {
  check<ValueError>(!sizes_.empty(), "Unflatten: sizes must not be empty");
}

Tensor Unflatten::forward(const Tensor& x) {
  check<ValueError>(x.defined(), "Unflatten: undefined input");
  const int64_t n = std::max<int64_t>(x.dim(), 1);
  check<IndexError>(dim_ >= -n && dim_ < n, "Unflatten: dim ", dim_,
                    " out of range for input shape ", shape_str(x.sizes()));
  const int64_t d = dim_ < 0 ? dim_ + n : dim_;
  Shape shape = x.shape();
  shape.erase(shape.begin() + d);
  shape.insert(shape.begin() + d, sizes_.begin(), sizes_.end());
  int64_t known = 1, unknown = 0;
  for (int64_t s : sizes_) {
    if (s == -1)
      ++unknown;
    else
      known *= s;
  }
  const bool ok =
      unknown == 0 ? known == x.size(d) : unknown == 1 && known > 0 && x.size(d) % known == 0;
  check<ShapeError>(ok, "Unflatten: sizes ", shape_str(Dims(sizes_.begin(), sizes_.end())),
                    " do not multiply to dim ", d, " of input shape ", shape_str(x.sizes()));
  return x.reshape(shape);
}

std::string Unflatten::extra_repr() const {
  std::string s = cat("dim=", dim_, ", unflattened_size=(");
  for (size_t i = 0; i < sizes_.size(); ++i) s += cat(i ? ", " : "", sizes_[i]);
  return s + (sizes_.size() == 1 ? ",))" : "))");
}

}  // namespace paragrad::nn
