// View tracking: windows onto a base, CopySlices, and rebuilding a view's grad_fn after its
// base's history was rewritten (see views.hpp).
#include <paragrad/engine/autograd/views.hpp>

#include <mutex>

#include <paragrad/engine/autograd/anomaly.hpp>
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad::autograd {

namespace {

// Elements of storage a window spans, from its first element (strides are never negative).
int64_t extent(const ViewGeometry& g) {
  int64_t last = g.offset;
  for (size_t i = 0; i < g.sizes.size(); ++i) {
    if (g.sizes[i] == 0) return 0;
    last += (g.sizes[i] - 1) * g.strides[i];
  }
  return last + 1;
}

// A tensor over buf's elements with window g's layout (internal: no autograd, not a view).
Tensor on_buffer(const Tensor& buf, const ViewGeometry& g) {
  return Tensor(make_intrusive<TensorImpl>(buf.impl()->storage, g.sizes, g.strides,
                                           buf.impl()->offset + g.offset, buf.dtype()));
}

// dst += src elementwise (src broadcast to dst's shape), so that elements dst repeats
// (stride 0) receive every contribution.
void add_into(const Tensor& dst, const Tensor& src) {
  dispatch(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    detail::update_each<T>(dst, src, [](T d, T s) { return d + s; });
  });
}

// A bool tensor shaped like the base, true inside the view's window.
Tensor window_mask(const ViewGeometry& base, const ViewGeometry& view) {
  Tensor buf = zeros({extent(base)}, kBool);
  on_buffer(buf, view).fill_(1.0);
  Tensor mask = empty(base.sizes, kBool);
  detail::copy_into(mask, on_buffer(buf, base));
  return mask;
}

// Rebuilding a view's grad_fn is rare; a lock (chosen by the view's address) makes it safe
// when threads share the view.
std::mutex& view_lock(const TensorImpl* view) {
  static std::mutex locks[16];
  return locks[(reinterpret_cast<uintptr_t>(view) >> 6) % 16];
}

}  // namespace

ViewGeometry geometry_of(const TensorImpl& t, const TensorImpl& base) {
  return ViewGeometry{t.sizes, t.strides, t.offset - base.offset};
}

bool has_internal_overlap(const TensorImpl& t) {
  // As in PyTorch, a tensor with no elements never overlaps itself, whatever its strides.
  for (int64_t n : t.sizes)
    if (n == 0) return false;
  for (size_t i = 0; i < t.sizes.size(); ++i)
    if (t.sizes[i] > 1 && t.strides[i] == 0) return true;
  return false;
}

Tensor window_of(const Tensor& g, const ViewGeometry& base, const ViewGeometry& view) {
  // Lay g out with the base's strides in a buffer, then read the view's window from it.
  Tensor buf = zeros({extent(base)}, g.dtype());
  detail::copy_into(on_buffer(buf, base), g);
  Tensor out = empty(view.sizes, g.dtype());
  detail::copy_into(out, on_buffer(buf, view));
  // grad WindowBackward: window_of(t, base, view) => scatter_window(g, base, view)
  if (needs_grad(g))
    record("WindowBackward", out, {g},
           [base, view](const Tensor& gg) { return scatter_window(gg, base, view); });
  return out;
}

Tensor scatter_window(const Tensor& x, const ViewGeometry& base, const ViewGeometry& view) {
  Tensor buf = zeros({extent(base)}, x.dtype());
  add_into(on_buffer(buf, view), x);
  Tensor out = empty(base.sizes, x.dtype());
  detail::copy_into(out, on_buffer(buf, base));
  // grad ScatterWindowBackward: scatter_window(x, base, view) => window_of(g, base, view)
  if (needs_grad(x))
    record("ScatterWindowBackward", out, {x},
           [base, view](const Tensor& gg) { return window_of(gg, base, view); });
  return out;
}

CopySlices::CopySlices(ViewGeometry base, ViewGeometry view, NodePtr fn)
    : base_(std::move(base)), view_(std::move(view)), fn_(std::move(fn)) {}

TensorList CopySlices::apply(TensorList&& grads) {
  // g is the gradient of the base after the in-place op. Inside the window the op's rule maps
  // it to the gradient of the window before the op (and of the op's other operands); outside,
  // the base was untouched and g passes through.
  const Tensor& g = grads[0];
  const Tensor g_view = window_of(g, base_, view_);
  TensorList r;
  {
    CurrentNodeScope scope(fn_.get());  // saved-tensor errors name the in-place op
    r = fn_->apply(TensorList{g_view});
  }
  check<AutogradError>(r.size() == next_edges.size(), fn_->name(), ": returned ", r.size(),
                       " gradients for ", next_edges.size(), " inputs");
  const Tensor inside = window_mask(base_, view_);
  if (r[0].defined()) {
    Tensor r0 = r[0].sizes() == view_.sizes ? r[0] : r[0].sum_to(view_.sizes);
    if (r0.dtype() != g.dtype()) r0 = r0.to(g.dtype());
    r[0] = where(inside, scatter_window(r0, base_, view_), g);
  } else {
    r[0] = g.masked_fill(inside, 0.0);  // the op overwrote the window (copy_, fill_)
  }
  return r;
}

const NodePtr& view_grad_fn(TensorImpl& view, const char* op) {
  TensorImpl& base = *view.view_base;
  if (view.view_history.load(std::memory_order_acquire) == base.history) return view.grad_fn;
  std::lock_guard<std::mutex> lock(view_lock(&view));
  if (view.view_history.load(std::memory_order_relaxed) == base.history) return view.grad_fn;
  // The base's history was rewritten by an in-place op (on the base or on another of its
  // views): this view's values now come from that new history.
  check<AutogradError>(
      view.view_creation == ViewCreation::GradMode, op, ": a view (shape ", shape_str(view.sizes),
      ") was created under NoGradGuard and its base "
      "or another view of its base has been modified in place with grad mode on; this is "
      "ambiguous, so it is refused (as in PyTorch). Take the view and make the in-place change "
      "both inside the NoGradGuard (not recorded) or both outside it (recorded)");
  auto rule = [b = geometry_of(base, base), v = geometry_of(view, base)](const Tensor& g) {
    return scatter_window(g, b, v);
  };
  // grad AsStridedBackward: as_strided(base, view) => scatter_window(g, base, view)
  auto* node = new LambdaNode<decltype(rule)>("AsStridedBackward", std::move(rule));
  NodePtr fn = NodePtr::from_new(node);
  node->next_edges.push_back(edge_to(Tensor(view.view_base), op));
  node->outputs.push_back(OutputMeta{view.sizes, view.dtype});
  if (is_anomaly_enabled()) record_anomaly_trace(*node);
  view.grad_fn = std::move(fn);
  view.output_nr = 0;
  view.requires_grad = true;
  view.view_history.store(base.history, std::memory_order_release);
  return view.grad_fn;
}

}  // namespace paragrad::autograd
