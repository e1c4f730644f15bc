#pragma once
// Recurrent layers (torch.nn.RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU). Every weight and bias
// starts uniform in ±1/√hidden_size, as PyTorch. Gate order: LSTM i, f, g, o; GRU r, z, n.
// Inputs: a cell takes [N, in] or unbatched [in]; a sequence layer [T, N, in] ([N, T, in] with
// batch_first) or unbatched [T, in], and states [num_layers * directions, N, hidden].
#include <string>
#include <tuple>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

// What the cells share: weight_ih [chunks*hidden, in], weight_hh [chunks*hidden, hidden],
// bias_ih and bias_hh [chunks*hidden].
class RNNCellBase : public Module {
 public:
  int64_t input_size() const { return input_; }
  int64_t hidden_size() const { return hidden_; }
  void reset_parameters();
  std::string extra_repr() const override;

 protected:
  RNNCellBase(const char* name, int64_t input_size, int64_t hidden_size, bool bias, int64_t chunks,
              Dtype dtype);
  // Checks x and h against the sizes (errors name the cell); h undefined: zeros. Returns h,
  // batched like x.
  Tensor check_and_state(const Tensor& x, const Tensor& h, const char* hname) const;

  const char* name_;
  int64_t input_, hidden_;
  bool bias_;
};

// h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu).
class RNNCell : public RNNCellBase {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, bool bias = true,
          std::string nonlinearity = "tanh", Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x, const Tensor& h);
  Tensor forward(const Tensor& x) override;  // h = zeros
  std::string class_name() const override { return "RNNCell"; }
  std::string extra_repr() const override;

 private:
  std::string nonlinearity_;
};

class LSTMCell : public RNNCellBase {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, bool bias = true, Dtype dtype = kFloat32);
  // (h', c'); states undefined: zeros.
  std::tuple<Tensor, Tensor> forward(const Tensor& x, const std::tuple<Tensor, Tensor>& hc = {});
  std::tuple<Tensor, Tensor> operator()(const Tensor& x,
                                        const std::tuple<Tensor, Tensor>& hc = {}) {
    return forward(x, hc);
  }
  std::string class_name() const override { return "LSTMCell"; }
};

class GRUCell : public RNNCellBase {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, bool bias = true, Dtype dtype = kFloat32);
  Tensor forward(const Tensor& x, const Tensor& h);
  Tensor forward(const Tensor& x) override;  // h = zeros
  std::string class_name() const override { return "GRUCell"; }
};

// What RNN, LSTM and GRU share: per layer k and direction, weight_ih_l{k}[_reverse],
// weight_hh_l{k}[_reverse], bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse]. dropout applies to
// every layer's output but the last, in training.
class RNNBase : public Module {
 public:
  int64_t input_size() const { return input_; }
  int64_t hidden_size() const { return hidden_; }
  int64_t num_layers() const { return layers_; }
  bool batch_first() const { return batch_first_; }
  bool bidirectional() const { return directions_ == 2; }
  void reset_parameters();
  std::string extra_repr() const override;

 protected:
  enum class Kind { Tanh, Relu, Lstm, Gru };
  RNNBase(Kind kind, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
          bool batch_first, double dropout, bool bidirectional, Dtype dtype);
  // output, h_n, c_n (c only for LSTM).
  std::tuple<Tensor, Tensor, Tensor> run(const Tensor& x, const Tensor& h0, const Tensor& c0);
  const char* kind_name() const;

 private:
  Kind kind_;
  int64_t input_, hidden_, layers_, directions_;
  bool bias_, batch_first_;
  double dropout_;
};

class RNN : public RNNBase {
 public:
  RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1,
      const std::string& nonlinearity = "tanh", bool bias = true, bool batch_first = false,
      double dropout = 0, bool bidirectional = false, Dtype dtype = kFloat32);
  std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = {});  // output, h_n
  std::tuple<Tensor, Tensor> operator()(const Tensor& x, const Tensor& h0 = {}) {
    return forward(x, h0);
  }
  std::string class_name() const override { return "RNN"; }

 private:
  static Kind kind_of(const std::string& nonlinearity);
};

class LSTM : public RNNBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true,
       bool batch_first = false, double dropout = 0, bool bidirectional = false,
       Dtype dtype = kFloat32);
  // output, (h_n, c_n); states undefined: zeros.
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& x,
                                                         const std::tuple<Tensor, Tensor>& hc = {});
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> operator()(
      const Tensor& x, const std::tuple<Tensor, Tensor>& hc = {}) {
    return forward(x, hc);
  }
  std::string class_name() const override { return "LSTM"; }
};

class GRU : public RNNBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true,
      bool batch_first = false, double dropout = 0, bool bidirectional = false,
      Dtype dtype = kFloat32);
  std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = {});  // output, h_n
  std::tuple<Tensor, Tensor> operator()(const Tensor& x, const Tensor& h0 = {}) {
    return forward(x, h0);
  }
  std::string class_name() const override { return "GRU"; }
};

}  // namespace paragrad::nn

PARAGRAD_API_END
