// Tutorial chapter 1 (docs/tutorial/01_scalar_graph.md): a graph of scalars, built by hand,
// walked by hand, differentiated by hand and by backward(), and drawn with Graphviz.
// With a file name as argument, also writes the DOT graph there (./scripts/tutorial does).
#include <fstream>
#include <iostream>

#include <paragrad/paragrad.hpp>

using namespace paragrad;

int main(int argc, char** argv) {
  // micrograd's example: L = (a * b + c) * f
  Tensor a = scalar(2.0, kFloat64).requires_grad_();
  Tensor b = scalar(-3.0, kFloat64).requires_grad_();
  Tensor c = scalar(10.0, kFloat64).requires_grad_();
  Tensor f = scalar(-2.0, kFloat64).requires_grad_();
  Tensor e = a * b;
  Tensor d = e + c;
  Tensor L = d * f;
  std::cout << "L = " << L << "\n";

  // The graph, from L backwards: each node is the backward of one op.
  std::cout << "\nL.grad_fn_name() = " << L.grad_fn_name() << "\n";
  const autograd::Node& mul = *L.grad_fn();
  for (const autograd::Edge& edge : mul.next_edges)
    std::cout << "  MulBackward -> " << edge.fn->name() << "\n";

  std::cout << "\n";
  autograd::print_graph(std::cout, L, {{"a", a}, {"b", b}, {"c", c}, {"f", f}, {"d", d}});

  // The chain rule by hand, from L down to the leaves.
  const double dL_dd = f.item<double>();  // L = d * f
  const double dL_df = d.item<double>();
  const double dL_dc = dL_dd * 1.0;  // d = e + c
  const double dL_de = dL_dd * 1.0;
  const double dL_da = dL_de * b.item<double>();  // e = a * b
  const double dL_db = dL_de * a.item<double>();

  // The same by the engine: it runs the nodes above, from L to the leaves.
  L.backward();
  std::cout << "\n        by hand   backward()\n";
  std::cout << "dL/da   " << dL_da << "         " << a.grad().item<double>() << "\n";
  std::cout << "dL/db   " << dL_db << "        " << b.grad().item<double>() << "\n";
  std::cout << "dL/dc   " << dL_dc << "        " << c.grad().item<double>() << "\n";
  std::cout << "dL/df   " << dL_df << "         " << f.grad().item<double>() << "\n";
  std::cout << "d and e are not leaves: d.grad() is "
            << (d.grad().defined() ? "defined" : "undefined") << "\n";

  // The picture: Graphviz DOT. Render it with  dot -Tsvg graph.dot -o graph.svg
  const std::string dot =
      autograd::to_dot(L, {{"a", a}, {"b", b}, {"c", c}, {"f", f}, {"d", d}, {"L", L}});
  std::cout << "\n" << dot;
  if (argc > 1) std::ofstream(argv[1]) << dot;
  return 0;
}
