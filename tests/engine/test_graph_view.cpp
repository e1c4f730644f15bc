// Seeing the graph: to_dot (parsed back here: node and edge counts, labels, edge order),
// print_graph (exact text), node_names, the walk through grad_fn() and next_edges with only
// the engine's umbrella header, and operator<< printing grad_fn_name(). Whether Graphviz
// itself accepts the DOT is the hidden case "[.graphviz]", run by its own CTest test
// (skipped when `dot` is not installed).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>  // getpid

#include <paragrad/engine/autograd/function.hpp>  // record_multi, for a two-output op
#include <paragrad/engine/engine.hpp>

#include "engine/engine_test_util.hpp"

using namespace paragrad;
using paragrad::test::str;

namespace {

// A parser for the DOT subset to_dot writes: `digraph ID { stmt* }`, where a statement is
// `node [attrs];`, `ID [attrs];` or `ID -> ID [attrs];` and attribute values are identifiers
// or double-quoted strings with \" \\ \n escapes. Throws on anything else.
struct Dot {
  using Attrs = std::map<std::string, std::string>;
  struct Edge {
    std::string from, to;
    Attrs attrs;
  };
  std::vector<std::string> order;  // node ids as declared
  std::map<std::string, Attrs> nodes;
  std::vector<Edge> edges;

  std::string label(const std::string& id) const { return nodes.at(id).at("label"); }
  std::vector<std::string> labels() const {
    std::vector<std::string> out;
    for (const std::string& id : order) out.push_back(label(id));
    return out;
  }
  // Edges as "from label -> to label".
  std::vector<std::string> edge_labels() const {
    std::vector<std::string> out;
    for (const Edge& e : edges) out.push_back(label(e.from) + " -> " + label(e.to));
    return out;
  }
};

class DotParser {
 public:
  explicit DotParser(std::string s) : s_(std::move(s)) {}
  Dot parse() {
    Dot d;
    expect("digraph");
    token();  // the graph's name
    expect("{");
    for (std::string t = token(); t != "}"; t = token()) {
      if (t == "node") {
        attrs();
        expect(";");
        continue;
      }
      std::string next = token();
      if (next == "->") {
        Dot::Edge e{t, token(), {}};
        next = token();
        if (next == "[") {
          e.attrs = attrs(false);
          next = token();
        }
        if (next != ";") fail("';' after an edge");
        d.edges.push_back(e);
      } else if (next == "[") {
        if (d.nodes.count(t)) fail("node " + t + " declared twice");
        d.order.push_back(t);
        d.nodes[t] = attrs(false);
        expect(";");
      } else {
        fail("a node or an edge");
      }
    }
    skip_space();
    if (pos_ != s_.size()) fail("the end of the text");
    for (const Dot::Edge& e : d.edges)
      if (!d.nodes.count(e.from) || !d.nodes.count(e.to)) fail("an edge between declared nodes");
    return d;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("DOT: expected " + what + " at offset " + std::to_string(pos_));
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  std::string token() {
    skip_space();
    if (pos_ >= s_.size()) fail("a token");
    const char c = s_[pos_];
    if (c == '"') {
      std::string out;
      for (++pos_; pos_ < s_.size() && s_[pos_] != '"'; ++pos_) {
        if (s_[pos_] == '\\') {
          ++pos_;
          if (pos_ >= s_.size()) fail("an escaped character");
          out += s_[pos_] == 'n' ? '\n' : s_[pos_];
        } else {
          out += s_[pos_];
        }
      }
      if (pos_ >= s_.size()) fail("a closing quote");
      ++pos_;
      return out;
    }
    if (s_.compare(pos_, 2, "->") == 0) {
      pos_ += 2;
      return "->";
    }
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      const size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                  s_[pos_] == '_' || s_[pos_] == '.'))
        ++pos_;
      return s_.substr(start, pos_ - start);
    }
    ++pos_;
    return std::string(1, c);
  }
  void expect(const std::string& t) {
    if (token() != t) fail("'" + t + "'");
  }
  Dot::Attrs attrs(bool open = true) {
    if (open) expect("[");
    Dot::Attrs a;
    for (std::string k = token(); k != "]"; k = token()) {
      if (k == ",") continue;
      expect("=");
      a[k] = token();
    }
    return a;
  }
  std::string s_;
  size_t pos_ = 0;
};

Dot parse_dot(const std::string& s) { return DotParser(s).parse(); }

std::string graph_text(const Tensor& root, const std::map<std::string, Tensor>& names = {}) {
  std::ostringstream os;
  autograd::print_graph(os, root, names);
  return os.str();
}

// A test-only op with two outputs (first and second half of x) and one node.
std::pair<Tensor, Tensor> halves(const Tensor& x) {
  const int64_t h = x.size(0) / 2;
  TensorList outs{x.detach().narrow(0, 0, h).clone(), x.detach().narrow(0, h, h).clone()};
  if (autograd::needs_grad(x))
    autograd::record_multi("HalvesBackward", outs, {x}, [h](const TensorList& g) {
      Tensor a = g[0].defined() ? g[0] : zeros({h}, kFloat64);
      Tensor b = g[1].defined() ? g[1] : zeros({h}, kFloat64);
      return autograd::grad_list(cat({a, b}, 0));
    });
  return {outs[0], outs[1]};
}

}  // namespace

TEST_CASE("to_dot has one node per backward op and one per leaf, with names and shapes",
          "[graph_view]") {
  Tensor x = ones({2, 3}, kFloat64).requires_grad_();
  Tensor w = ones({3}, kFloat64).requires_grad_();
  Tensor y = (x * w).sum();
  const Dot d = parse_dot(autograd::to_dot(y, {{"x", x}, {"w", w}}));
  CHECK(d.labels() ==
        std::vector<std::string>{"output ()", "SumBackward", "MulBackward", "x (2, 3)", "w (3,)"});
  CHECK(d.edge_labels() ==
        std::vector<std::string>{"output () -> SumBackward", "SumBackward -> MulBackward",
                                 "MulBackward -> x (2, 3)", "MulBackward -> w (3,)"});
  CHECK(d.nodes.at("root").at("fillcolor") == "darkolivegreen1");
  CHECK(d.nodes.at("n0").at("fillcolor") == "lightgrey");
  CHECK(d.nodes.at("n2").at("fillcolor") == "lightblue");
}

TEST_CASE("to_dot labels the root and unnamed leaves by shape, a named root by its name",
          "[graph_view]") {
  Tensor x = ones({4}, kFloat64).requires_grad_();
  Tensor y = x.exp();
  CHECK(parse_dot(autograd::to_dot(y)).labels() ==
        std::vector<std::string>{"output (4,)", "ExpBackward", "(4,)"});
  CHECK(parse_dot(autograd::to_dot(y, {{"y", y}})).labels() ==
        std::vector<std::string>{"y (4,)", "ExpBackward", "(4,)"});
}

TEST_CASE("to_dot draws a tensor used twice once, with an edge per use", "[graph_view]") {
  Tensor x = full({2}, 3.0, kFloat64).requires_grad_();
  Tensor y = x * x + x;
  const Dot d = parse_dot(autograd::to_dot(y, {{"x", x}}));
  CHECK(d.nodes.size() == 4);  // root, AddBackward, MulBackward, x
  CHECK(d.edge_labels() ==
        std::vector<std::string>{"output (2,) -> AddBackward", "AddBackward -> MulBackward",
                                 "MulBackward -> x (2,)", "MulBackward -> x (2,)",
                                 "AddBackward -> x (2,)"});
}

TEST_CASE("to_dot follows next_edges in order and skips inputs that need no gradient",
          "[graph_view]") {
  Tensor a = ones({3}, kFloat64).requires_grad_();
  Tensor c = ones({3}, kFloat64);  // a constant: its edge is empty
  Tensor y = c * a;
  const auto& edges = y.grad_fn()->next_edges;
  REQUIRE(edges.size() == 2);
  CHECK_FALSE(edges[0].fn);
  REQUIRE(edges[1].fn);
  CHECK(std::string(edges[1].fn->name()) == "AccumulateGrad");
  const Dot d = parse_dot(autograd::to_dot(y, {{"a", a}, {"c", c}}));
  CHECK(d.labels() == std::vector<std::string>{"output (3,)", "MulBackward", "a (3,)"});
  CHECK(d.edges.size() == 2);
}

TEST_CASE("to_dot adds a named non-leaf tensor to the label of the op that made it",
          "[graph_view]") {
  Tensor x = ones({3}, kFloat64).requires_grad_();
  Tensor h = x.tanh();
  Tensor y = h.sum();
  const Dot d = parse_dot(autograd::to_dot(y, {{"h", h}, {"x", x}, {"y", y}}));
  CHECK(d.labels() ==
        std::vector<std::string>{"y ()", "SumBackward", "TanhBackward\nh (3,)", "x (3,)"});
}

TEST_CASE("to_dot labels an edge into an op with several outputs with the output it carries",
          "[graph_view]") {
  Tensor x = ones({4}, kFloat64).requires_grad_();
  auto [a, b] = halves(x);
  Tensor y = b.exp() + a;
  const Dot d = parse_dot(autograd::to_dot(y, {{"x", x}}));
  CHECK(d.labels() == std::vector<std::string>{"output (2,)", "AddBackward", "ExpBackward",
                                               "HalvesBackward", "x (4,)"});
  REQUIRE(d.edges.size() == 5);
  CHECK(d.edge_labels()[2] == "ExpBackward -> HalvesBackward");
  CHECK(d.edges[2].attrs.at("label") == "output 1");
  CHECK(d.edge_labels()[4] == "AddBackward -> HalvesBackward");
  CHECK(d.edges[4].attrs.at("label") == "output 0");
  CHECK(d.edges[3].attrs.count("label") == 0);  // HalvesBackward -> x: x's node has one output
}

namespace {
// A custom Function that saves an input, its output and an undefined tensor.
struct SavesThree : autograd::Function<SavesThree> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x, const Tensor& w) {
    Tensor y = (x * w).exp();
    ctx->save_for_backward({x, Tensor(), y});
    return y;
  }
  static TensorList backward(autograd::AutogradContext* ctx, TensorList g) {
    auto s = ctx->get_saved_variables();
    return {g[0] * s[2], Tensor()};
  }
};
}  // namespace

TEST_CASE("to_dot with show_saved adds one node per saved tensor of a custom Function, dashed",
          "[graph_view]") {
  Tensor x = ones({2, 3}, kFloat64).requires_grad_();
  Tensor w = ones({3}, kFloat32);
  Tensor y = SavesThree::apply(x, w).sum();
  autograd::DotOptions opts;
  opts.show_saved = true;
  const Dot d = parse_dot(autograd::to_dot(y, {{"x", x}}, opts));
  CHECK(d.labels() == std::vector<std::string>{"output ()", "SumBackward", "SavesThreeBackward",
                                               "saved 0\n(2, 3) float64",
                                               "saved output 2\n(2, 3) float64", "x (2, 3)"});
  CHECK(d.nodes.at("n1_s0").at("fillcolor") == "orange");
  std::vector<std::string> dashed;
  for (const Dot::Edge& e : d.edges)
    if (e.attrs.count("style")) {
      CHECK(e.attrs.at("style") == "dashed");
      CHECK(e.attrs.at("dir") == "none");
      CHECK(e.to == "n1");
      dashed.push_back(e.from);
    }
  CHECK(dashed == std::vector<std::string>{"n1_s0", "n1_s2"});
  CHECK(d.edges.size() == 5);  // root, Sum -> SavesThree, SavesThree -> x, and the two dashed
  // Without the option, the same graph as before: no saved tensors.
  const Dot plain = parse_dot(autograd::to_dot(y, {{"x", x}}));
  CHECK(plain.labels() ==
        std::vector<std::string>{"output ()", "SumBackward", "SavesThreeBackward", "x (2, 3)"});
  CHECK(autograd::to_dot(y, {{"x", x}}) == autograd::to_dot(y, {{"x", x}}, {}));
}

TEST_CASE("to_dot with show_saved draws what built-in ops saved, until a backward frees it",
          "[graph_view]") {
  Tensor x = tensor({1.0, 2.0}, {2}, kFloat64).requires_grad_();
  Tensor w = ones({3, 2}, kFloat32);
  // mul saves both factors, exp its output; sum and the float32 branch save nothing that needs
  // a gradient (mul by a tensor that needs none keeps only the other factor).
  Tensor y = (x * x).exp().sum() + (w * x.to(kFloat32)).sum();
  autograd::DotOptions opts;
  opts.show_saved = true;
  const Dot d = parse_dot(autograd::to_dot(y, {{"x", x}}, opts));
  std::vector<std::string> saved;
  for (const std::string& l : d.labels())
    if (l.rfind("saved", 0) == 0) saved.push_back(l);
  CHECK(saved == std::vector<std::string>{"saved output 0\n(2,) float64", "saved 0\n(2,) float64",
                                          "saved 1\n(2,) float64", "saved 0\n(3, 2) float32"});
  for (const auto& [id, attrs] : d.nodes)
    if (attrs.at("label").rfind("saved", 0) == 0) CHECK(attrs.at("fillcolor") == "orange");
  const std::string with_saved = autograd::to_dot(y, {{"x", x}}, opts);
  CHECK(with_saved != autograd::to_dot(y, {{"x", x}}));
  // Listing is read-only: the picture is the same twice, and backward still works.
  CHECK(autograd::to_dot(y, {{"x", x}}, opts) == with_saved);
  y.backward({}, /*retain_graph=*/true);
  CHECK(autograd::to_dot(y, {{"x", x}}, opts) == with_saved);
  const Tensor g1 = x.grad().clone();
  y.backward();  // frees what the forward saved
  CHECK(allclose(x.grad(), g1 * 2.0));
  CHECK(autograd::to_dot(y, {{"x", x}}, opts) == autograd::to_dot(y, {{"x", x}}));
}

TEST_CASE("to_dot of a leaf or of a tensor without grad is one node", "[graph_view]") {
  Tensor x = ones({2}, kFloat64).requires_grad_();
  Dot d = parse_dot(autograd::to_dot(x, {{"x", x}}));
  CHECK(d.labels() == std::vector<std::string>{"x (2,)"});
  CHECK(d.edges.empty());
  d = parse_dot(autograd::to_dot(ones({2, 2})));
  CHECK(d.labels() == std::vector<std::string>{"(2, 2)"});
  CHECK(d.nodes.at("root").at("fillcolor") == "white");
}

TEST_CASE("to_dot escapes quotes and backslashes in names", "[graph_view]") {
  Tensor x = ones({1}, kFloat64).requires_grad_();
  const std::string name = "say \"hi\" \\ bye";
  const Dot d = parse_dot(autograd::to_dot(x.neg(), {{name, x}}));
  CHECK(d.labels().back() == name + " (1,)");
}

TEST_CASE("to_dot and print_graph of an undefined tensor raise ValueError naming the function",
          "[graph_view]") {
  CHECK_THROWS_AS(autograd::to_dot(Tensor()), ValueError);
  CHECK_THROWS_WITH(autograd::to_dot(Tensor()), Catch::StartsWith("to_dot"));
  std::ostringstream os;
  CHECK_THROWS_WITH(autograd::print_graph(os, Tensor()), Catch::StartsWith("print_graph"));
}

TEST_CASE("print_graph prints one node a line, indented by depth, leaves with name and shape",
          "[graph_view]") {
  Tensor x = ones({2, 3}, kFloat64).requires_grad_();
  Tensor w = ones({3}, kFloat64).requires_grad_();
  Tensor y = (x * w).sum();
  CHECK(graph_text(y, {{"x", x}, {"w", w}}) ==
        "SumBackward\n"
        "  MulBackward\n"
        "    AccumulateGrad x (2, 3)\n"
        "    AccumulateGrad w (3,)\n");
  std::ostringstream os;
  autograd::print_graph(os, y);  // no names
  CHECK(os.str() ==
        "SumBackward\n"
        "  MulBackward\n"
        "    AccumulateGrad (2, 3)\n"
        "    AccumulateGrad (3,)\n");
}

TEST_CASE("print_graph expands a shared op once and marks it when met again", "[graph_view]") {
  Tensor x = ones({2}, kFloat64).requires_grad_();
  Tensor e = x.exp();
  Tensor y = e * e.sin();
  CHECK(graph_text(y, {{"x", x}, {"e", e}}) ==
        "MulBackward\n"
        "  ExpBackward e (2,)\n"
        "    AccumulateGrad x (2,)\n"
        "  SinBackward\n"
        "    ExpBackward e (2,) (shown above)\n");
}

TEST_CASE("print_graph says which output an edge carries and when there is no graph",
          "[graph_view]") {
  Tensor x = ones({4}, kFloat64).requires_grad_();
  auto [a, b] = halves(x);
  CHECK(graph_text(b.neg()) ==
        "NegBackward\n"
        "  HalvesBackward [output 1]\n"
        "    AccumulateGrad (4,)\n");
  CHECK(graph_text(x, {{"x", x}}) == "AccumulateGrad x (4,)\n");
  CHECK(graph_text(ones({2})) == "(no graph: the tensor does not require grad)\n");
}

TEST_CASE("to_dot and node_names walk a 200000-op chain without recursion", "[graph_view]") {
  Tensor x = ones({1}, kFloat64).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = y * 1.0;
  const Dot d = parse_dot(autograd::to_dot(y));
  CHECK(d.nodes.size() == 200002);
  CHECK(d.edges.size() == 200001);
  CHECK(autograd::node_names(y) == std::vector<std::string>{"AccumulateGrad", "MulBackward"});
}

TEST_CASE("print_graph walks a deep chain without recursion", "[graph_view]") {
  Tensor x = ones({1}, kFloat64).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 3000; ++i) y = y * 1.0;  // the text grows with depth squared
  const std::string text = graph_text(y);
  CHECK(std::count(text.begin(), text.end(), '\n') == 3001);
  const std::string last = "\n" + std::string(6000, ' ') + "AccumulateGrad (1,)\n";
  CHECK(text.compare(text.size() - last.size(), last.size(), last) == 0);
}

TEST_CASE("node_names lists each node name of the graph once, sorted", "[graph_view]") {
  Tensor x = ones({3}, kFloat64).requires_grad_();
  Tensor y = (x.exp() * x + x.tanh()).sum();
  CHECK(autograd::node_names(y) == std::vector<std::string>{"AccumulateGrad", "AddBackward",
                                                            "ExpBackward", "MulBackward",
                                                            "SumBackward", "TanhBackward"});
  CHECK(autograd::node_names(x) == std::vector<std::string>{"AccumulateGrad"});
  CHECK(autograd::node_names(ones({2})).empty());
  CHECK(autograd::node_names(Tensor()).empty());
}

TEST_CASE("the graph is walkable through grad_fn and next_edges from the umbrella header",
          "[graph_view]") {
  // Only <paragrad/engine/engine.hpp> (which <paragrad/paragrad.hpp> includes) is needed.
  Tensor a = full({2}, 2.0, kFloat64).requires_grad_();
  Tensor b = full({2}, 5.0, kFloat64).requires_grad_();
  Tensor y = (a * b).sum();
  const autograd::Node& sum = *y.grad_fn();
  CHECK(std::string(sum.name()) == "SumBackward");
  REQUIRE(sum.next_edges.size() == 1);
  const autograd::Node& mul = *sum.next_edges[0].fn;
  CHECK(std::string(mul.name()) == "MulBackward");
  REQUIRE(mul.next_edges.size() == 2);
  const auto* leaf_a = dynamic_cast<const autograd::AccumulateGrad*>(mul.next_edges[0].fn.get());
  REQUIRE(leaf_a);
  CHECK(leaf_a->variable().is_same(a));
  CHECK(mul.outputs.size() == 1);
  CHECK(mul.outputs[0].shape == Dims{2});
}

TEST_CASE("operator<< prints grad_fn=<grad_fn_name()> for every kind of op", "[graph_view]") {
  Tensor x = full({2, 2}, 0.5, kFloat64).requires_grad_();
  const std::vector<Tensor> ys = {
      x * x,          x + 1.0,        x.tanh(),           x.sum(),          matmul(x, x), x.t(),
      x.reshape({4}), x.select(0, 1), x.amax({0}, false), x.clamp(0.0, 0.2)};
  for (const Tensor& y : ys) {
    INFO(y.grad_fn_name());
    REQUIRE_FALSE(y.grad_fn_name().empty());
    CHECK_THAT(str(y), Catch::Contains("grad_fn=<" + y.grad_fn_name() + ">"));
  }
}

TEST_CASE("gradcheck logs the nodes it checks when PARAGRAD_GRADCHECK_LOG is set", "[graph_view]") {
  // This binary may itself be running under derivatives_gradcheck_coverage, with the
  // variable set: keep its value and put it back.
  const char* outer = std::getenv("PARAGRAD_GRADCHECK_LOG");
  const std::string saved = outer ? outer : "";
  const std::string path = "paragrad_gradcheck_log_test." + std::to_string(getpid()) + ".txt";
  std::remove(path.c_str());
  Tensor x = paragrad::test::leaf({3});
  setenv("PARAGRAD_GRADCHECK_LOG", path.c_str(), 1);
  const bool ok = autograd::gradcheck([](const TensorList& in) { return in[0].sin().sum(); }, {x},
                                      1e-6, 1e-5, 1e-3, /*check_grad_grad=*/true);
  unsetenv("PARAGRAD_GRADCHECK_LOG");
  autograd::gradcheck([](const TensorList& in) { return in[0].exp(); }, {x});  // not logged
  if (outer) setenv("PARAGRAD_GRADCHECK_LOG", saved.c_str(), 1);
  CHECK(ok);
  std::ifstream in(path);
  std::set<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.insert(line);
  std::remove(path.c_str());
  // The checked graph (order 2: with check_grad_grad), then the graph of its gradient.
  CHECK(lines.count("SinBackward 2"));
  CHECK(lines.count("SumBackward 2"));
  CHECK(lines.count("AccumulateGrad 2"));
  CHECK(lines.count("CosBackward 1"));  // d sin = cos, recorded under create_graph
  CHECK(lines.count("ExpBackward 1") == 0);
  CHECK(lines.count("ExpBackward 2") == 0);
}

// Run by the CTest test engine_to_dot_renders_with_graphviz: exits with 77 (CTest's skip
// code for that test) when Graphviz's `dot` is not installed.
TEST_CASE("dot -Tsvg renders what to_dot writes", "[.graphviz]") {
  if (std::system("command -v dot > /dev/null 2>&1") != 0) {
    std::printf("graphviz 'dot' is not installed: skipped\n");
    std::exit(77);
  }
  Tensor x = ones({4}, kFloat64).requires_grad_();
  auto [a, b] = halves(x);
  Tensor h = (b.exp() * a).tanh();
  Tensor y = (h + x.narrow(0, 0, 2)).sum();
  const std::string stem = "paragrad_to_dot_test." + std::to_string(getpid());
  const std::string dot_path = stem + ".dot", svg_path = stem + ".svg";
  {
    std::ofstream f(dot_path);
    f << autograd::to_dot(y, {{"x", x}, {"h", h}, {"quote\"d \\name", a}});
  }
  autograd::DotOptions saved;
  saved.show_saved = true;
  const std::string saved_dot = stem + ".saved.dot", saved_svg = stem + ".saved.svg";
  {
    std::ofstream f(saved_dot);
    f << autograd::to_dot(SavesThree::apply(x, ones({4}, kFloat64)).sum(), {{"x", x}}, saved);
  }
  CHECK(std::system(("dot -Tsvg " + saved_dot + " -o " + saved_svg).c_str()) == 0);
  std::remove(saved_dot.c_str());
  std::remove(saved_svg.c_str());
  const int status = std::system(("dot -Tsvg " + dot_path + " -o " + svg_path).c_str());
  CHECK(status == 0);
  std::ifstream svg(svg_path);
  const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("<svg") && Catch::Contains("TanhBackward") &&
                       Catch::Contains("HalvesBackward") && Catch::Contains("x (4,)"));
  std::remove(dot_path.c_str());
  std::remove(svg_path.c_str());
}
