#pragma once
// View tracking, as PyTorch's: every view knows its base (TensorImpl::view_base, the tensor it
// views; a view of a view has the first one's base). An in-place op on a view rewrites the
// base's history: the base's grad_fn becomes a CopySlices node, which passes the gradient
// through the in-place op's rule at the view's window and unchanged elsewhere. A view whose
// base's history was rewritten gets its grad_fn rebuilt from the base (AsStridedBackward: its
// gradient is written into a zero tensor shaped like the base, at the view's window).
//
// Windows are described by their geometry relative to the base: sizes, strides and the offset
// from the base's first element, all in elements of the base's storage.
#include <paragrad/engine/autograd/node.hpp>

namespace paragrad::autograd {

struct ViewGeometry {
  Dims sizes;
  Dims strides;
  int64_t offset = 0;  // from the base's first element
};

// t's window on base's storage (t is base itself, or a view of it).
ViewGeometry geometry_of(const TensorImpl& t, const TensorImpl& base);

// g (shaped like the base) read at the view's window: a new tensor shaped like the view.
// Differentiable; its gradient is scatter_window.
Tensor window_of(const Tensor& g, const ViewGeometry& base, const ViewGeometry& view);
// x (shaped like the view) written into zeros shaped like the base at the view's window,
// summed where the view repeats an element (expand). Differentiable; its gradient is
// window_of.
Tensor scatter_window(const Tensor& x, const ViewGeometry& base, const ViewGeometry& view);

// The base's new grad_fn after an in-place op `fn` on one of its views. fn's first edge (the
// view's old history) is unused: the base's old history takes its place.
class CopySlices final : public Node {
 public:
  CopySlices(ViewGeometry base, ViewGeometry view, NodePtr fn);
  // grad CopySlices: op_(base[view], w) => (g off the view, fn's rule of g[view] on it; fn's for w)
  const char* name() const override { return "CopySlices"; }
  TensorList apply(TensorList&& grads) override;
  void release_saved() override { fn_->release_saved(); }

 private:
  ViewGeometry base_, view_;
  NodePtr fn_;
};

// Whether several elements of t share one memory location (a size > 1 dim with stride 0, as
// PyTorch's check).
bool has_internal_overlap(const TensorImpl& t);

}  // namespace paragrad::autograd
