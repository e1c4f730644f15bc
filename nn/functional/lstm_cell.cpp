// The LSTM step's pointwise part fused: one pass forward and one backward, where the op-by-op
// form takes a dozen passes and temporaries per step. With c' = f c + i g and h' = o tanh(c'),
// given the gradients gh, gc of h', c':
//   dc = gc + gh o (1 - tanh²c'),  d(pre o) = gh tanh(c') o (1 - o),
//   d(pre i) = dc g i (1 - i),  d(pre f) = dc c f (1 - f),  d(pre g) = dc i (1 - g²),
//   d(c) = dc f.
// Under create_graph the same formulas run in Tensor ops (recomputed from the saved gates and
// c), so they differentiate again.
#include <paragrad/nn/functional/lstm_cell.hpp>

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include <paragrad/engine/autograd/function.hpp>

namespace paragrad::nn::functional::detail {

namespace {

// act [rows, 5H] keeps i, f, g, o, tanh(c') for the backward. Eigen's vectorized logistic/tanh,
// run on aligned chunks of kChunk elements (zero padded), never on maps of the tensors: Eigen's
// float logistic rounds differently on its scalar path, which a map assignment takes for the
// elements before the first SIMD-aligned address, so results depended on where the heap put
// the tensors. Here every element takes the packet path: the result depends on the values only.
constexpr int64_t kChunk = 64;
template <class T>
void forward_kernel(const T* gates, const T* c, T* h2, T* c2, T* act, int64_t rows, int64_t H) {
  using Chunk = Eigen::Array<T, kChunk, 1>;
  using Row = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  using OutRow = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  Chunk in[5];
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < H; k += kChunk) {
      const int64_t m = std::min(kChunk, H - k);
      for (int q = 0; q < 5; ++q) {
        in[q].tail(kChunk - m).setZero();
        in[q].head(m) = Row(q < 4 ? gates + r * 4 * H + q * H + k : c + r * H + k, m);
      }
      const Chunk i = in[0].logistic(), f = in[1].logistic(), g = in[2].tanh(),
                  o = in[3].logistic();
      const Chunk cn = f * in[4] + i * g;
      const Chunk tc = cn.tanh();
      T* a = act + r * 5 * H + k;
      OutRow(a, m) = i.head(m);
      OutRow(a + H, m) = f.head(m);
      OutRow(a + 2 * H, m) = g.head(m);
      OutRow(a + 3 * H, m) = o.head(m);
      OutRow(a + 4 * H, m) = tc.head(m);
      OutRow(c2 + r * H + k, m) = cn.head(m);
      OutRow(h2 + r * H + k, m) = (o * tc).head(m);
    }
}

// gh, gc may be null (no gradient reached that output).
template <class T>
void backward_kernel(const T* act, const T* c, const T* gh, const T* gc, T* dgates, T* dc_prev,
                     int64_t rows, int64_t H) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* a = act + r * 5 * H;
    T* dr = dgates + r * 4 * H;
    for (int64_t k = 0; k < H; ++k) {
      const int64_t e = r * H + k;
      const T i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k], tc = a[4 * H + k];
      const T dh = gh ? gh[e] : T(0);
      const T dc = (gc ? gc[e] : T(0)) + dh * o * (T(1) - tc * tc);
      dr[k] = dc * g * i * (T(1) - i);
      dr[H + k] = dc * c[e] * f * (T(1) - f);
      dr[2 * H + k] = dc * i * (T(1) - g * g);
      dr[3 * H + k] = dh * tc * o * (T(1) - o);
      dc_prev[e] = dc * f;
    }
  }
}

TensorList composite_backward(const Tensor& gates, const Tensor& c, const Tensor& gh,
                              const Tensor& gc, int64_t H) {
  const Tensor i = gates.narrow(-1, 0, H).sigmoid(), f = gates.narrow(-1, H, H).sigmoid();
  const Tensor g = gates.narrow(-1, 2 * H, H).tanh(), o = gates.narrow(-1, 3 * H, H).sigmoid();
  const Tensor tc = (f * c + i * g).tanh();
  const Tensor dh = gh.defined() ? gh : zeros_like(c);
  const Tensor dc = (gc.defined() ? gc : zeros_like(c)) + dh * o * (1 - tc * tc);
  const Tensor dgates =
      cat({dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), dh * tc * o * (1 - o)},
          -1);
  return autograd::grad_list(dgates, dc * f);
}

}  // namespace

std::tuple<Tensor, Tensor> lstm_pointwise(const Tensor& gates, const Tensor& c) {
  const int64_t H = c.size(-1);
  const Tensor gcont = gates.detach().contiguous(), ccont = c.detach().contiguous();
  Tensor h2 = empty(c.shape(), c.dtype()), c2 = empty(c.shape(), c.dtype());
  const int64_t rows = H == 0 ? 0 : c.numel() / H;
  Tensor act = empty(Shape{rows, 5 * H}, c.dtype());
  dispatch_floating(c.dtype(), "lstm", [&](auto tag) {
    using T = decltype(tag);
    forward_kernel<T>(gcont.data_ptr<T>(), ccont.data_ptr<T>(), h2.data_ptr<T>(), c2.data_ptr<T>(),
                      act.data_ptr<T>(), rows, H);
  });
  if (!autograd::needs_grad(gates, c)) return {h2, c2};
  TensorList outs{h2, c2};
  // i, f, o = σ(gates), g = tanh(gates) by quarters; c' = f c + i g, h' = o t with t = tanh c';
  // gh, gc: the gradients of h', c'; δ = gc + gh o (1 - t²).
  // grad LstmCellBackward: lstm_cell(gates, c) => (δ[g i(1-i), c f(1-f), i(1-g²)], gh t o(1-o); δf)
  autograd::record_multi("LstmCellBackward", outs, {gates, c},
                         [sg = autograd::SavedTensor(gates), sc = autograd::SavedTensor(c), act, H,
                          rows](const TensorList& grads) {
                           const Tensor cv = sc.unpack();
                           if (is_grad_enabled())
                             return composite_backward(sg.unpack(), cv, grads[0], grads[1], H);
                           const Tensor ccg = cv.detach().contiguous();
                           const Tensor gh = grads[0].defined() ? grads[0].contiguous() : Tensor();
                           const Tensor gc = grads[1].defined() ? grads[1].contiguous() : Tensor();
                           Tensor dgates = empty(Shape{rows, 4 * H}, ccg.dtype()),
                                  dc = empty(ccg.shape(), ccg.dtype());
                           dispatch_floating(ccg.dtype(), "lstm_backward", [&](auto tag) {
                             using T = decltype(tag);
                             backward_kernel<T>(act.data_ptr<T>(), ccg.data_ptr<T>(),
                                                gh.defined() ? gh.data_ptr<T>() : nullptr,
                                                gc.defined() ? gc.data_ptr<T>() : nullptr,
                                                dgates.data_ptr<T>(), dc.data_ptr<T>(), rows, H);
                           });
                           return autograd::grad_list(dgates.reshape(sg.unpack().shape()),
                                                      std::move(dc));
                         });
  return {outs[0], outs[1]};
}

}  // namespace paragrad::nn::functional::detail
