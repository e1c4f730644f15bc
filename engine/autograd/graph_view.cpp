// to_dot and print_graph: read-only walks of the backward graph through the public node
// interface (Tensor::grad_fn(), Node::next_edges, Node::name()), iterative like the engine's.
#include <paragrad/engine/autograd/graph_view.hpp>

#include <algorithm>
#include <ostream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <paragrad/engine/autograd/custom_function.hpp>
#include <paragrad/engine/autograd/node.hpp>

namespace paragrad::autograd {

namespace {

// "(2, 3)", "(3,)", "()": PyTorch's way of writing a size.
std::string size_tuple(const Dims& d) {
  std::string s = "(";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + (d.size() == 1 ? ",)" : ")");
}

// The names a caller gave to tensors, looked up by where the tensor sits in the graph.
class Names {
 public:
  Names(const std::map<std::string, Tensor>& names, const Tensor& skip) {
    for (const auto& [name, t] : names) {
      if (!t.defined() || !t.requires_grad() || t.is_same(skip)) continue;
      if (t.grad_fn())
        nonleaf_[{t.grad_fn().get(), t.output_nr()}].push_back(name + " " + size_tuple(t.sizes()));
      else
        leaf_.emplace(t.impl(), name);  // the first name (in map order) wins
    }
  }
  // "x (2, 3)" or "(2, 3)" for the leaf whose accumulator is n.
  std::string leaf(const Node* n) const {
    const auto* acc = dynamic_cast<const AccumulateGrad*>(n);
    const Tensor& v = acc->variable();
    auto it = leaf_.find(v.impl());
    return (it == leaf_.end() ? "" : it->second + " ") + size_tuple(v.sizes());
  }
  // "h (2, 3)" for each named tensor that is an output of n.
  std::vector<std::string> outputs_of(const Node* n) const {
    std::vector<std::string> out;
    for (uint32_t k = 0; k < n->outputs.size(); ++k) {
      auto it = nonleaf_.find({n, k});
      if (it != nonleaf_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    }
    return out;
  }

 private:
  struct KeyHash {
    size_t operator()(const std::pair<const Node*, uint32_t>& k) const {
      return std::hash<const Node*>()(k.first) ^ (size_t(k.second) << 1);
    }
  };
  std::unordered_map<const TensorImpl*, std::string> leaf_;
  std::unordered_map<std::pair<const Node*, uint32_t>, std::vector<std::string>, KeyHash> nonleaf_;
};

// A DOT string literal.
std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (c == '\n') {
      q += "\\n";
      continue;
    }
    q += c;
  }
  return q + '"';
}

std::string edge_attrs(const Edge& e) {
  return e.fn->outputs.size() > 1
             ? " [label=" + quoted("output " + std::to_string(e.input_nr)) + "]"
             : "";
}

std::string named_root_label(const Tensor& root, const std::map<std::string, Tensor>& names,
                             const char* fallback) {
  for (const auto& [name, t] : names)
    if (t.is_same(root)) return name + " " + size_tuple(root.sizes());
  return std::string(fallback) + size_tuple(root.sizes());
}

}  // namespace

std::string to_dot(const Tensor& root, const std::map<std::string, Tensor>& names) {
  return to_dot(root, names, DotOptions());
}

std::string to_dot(const Tensor& root, const std::map<std::string, Tensor>& names,
                   const DotOptions& options) {
  check<ValueError>(root.defined(), "to_dot: the root tensor is undefined");
  const Names labels(names, root);
  std::ostringstream nodes, edges;
  nodes << "digraph paragrad {\n"
        << "  node [shape=box, style=\"rounded,filled\", fontname=\"monospace\", "
           "fontsize=11];\n";

  const NodePtr& top = root.grad_fn();
  if (!top) {  // a leaf, or a tensor that needs no gradient: no graph to draw
    const char* color = root.requires_grad() ? "lightblue" : "white";
    nodes << "  root [label=" << quoted(named_root_label(root, names, ""))
          << ", fillcolor=" << color << "];\n";
    return nodes.str() + "}\n";
  }
  nodes << "  root [label=" << quoted(named_root_label(root, names, "output "))
        << ", fillcolor=darkolivegreen1];\n";

  // The tensors n saved ("n3_s0", ...), each joined to n by a dashed line without an arrow.
  auto add_saved = [&](const Node* n, const std::string& id) {
    for (const SavedInfo& info : n->saved_info()) {
      const std::string sid = id + "_s" + std::to_string(info.index);
      const std::string label = std::string("saved ") + (info.is_output ? "output " : "") +
                                std::to_string(info.index) + "\n" + size_tuple(info.shape) + " " +
                                dtype_name(info.dtype);
      nodes << "  " << sid << " [label=" << quoted(label) << ", fillcolor=orange];\n";
      edges << "  " << sid << " -> " << id << " [style=dashed, dir=none];\n";
    }
  };
  std::unordered_map<const Node*, size_t> ids;
  auto discover = [&](const Node* n) {
    auto [it, fresh] = ids.emplace(n, ids.size());
    if (!fresh) return false;
    const std::string id = "n" + std::to_string(it->second);
    if (n->is_accumulator()) {
      nodes << "  " << id << " [label=" << quoted(labels.leaf(n)) << ", fillcolor=lightblue];\n";
    } else {
      std::string label = n->name();
      for (const std::string& s : labels.outputs_of(n)) label += "\n" + s;
      nodes << "  " << id << " [label=" << quoted(label) << ", fillcolor=lightgrey];\n";
      if (options.show_saved) add_saved(n, id);
    }
    return true;
  };
  auto id_of = [&](const Node* n) { return "n" + std::to_string(ids.at(n)); };

  discover(top.get());
  edges << "  root -> " << id_of(top.get()) << edge_attrs(Edge{top, root.output_nr()}) << ";\n";
  // Depth-first, each node's edges in order: (node, index of the next edge to follow).
  std::vector<std::pair<const Node*, size_t>> stack{{top.get(), 0}};
  while (!stack.empty()) {
    auto& [n, i] = stack.back();
    if (i == n->next_edges.size()) {
      stack.pop_back();
      continue;
    }
    const Edge& e = n->next_edges[i++];
    if (!e.fn) continue;
    const Node* from = n;
    const bool fresh = discover(e.fn.get());
    edges << "  " << id_of(from) << " -> " << id_of(e.fn.get()) << edge_attrs(e) << ";\n";
    if (fresh) stack.emplace_back(e.fn.get(), 0);  // may move `n` and `i`: not used after
  }
  return nodes.str() + edges.str() + "}\n";
}

void print_graph(std::ostream& os, const Tensor& root) { print_graph(os, root, {}); }

void print_graph(std::ostream& os, const Tensor& root, const std::map<std::string, Tensor>& names) {
  check<ValueError>(root.defined(), "print_graph: the root tensor is undefined");
  const NodePtr& top = root.grad_fn();
  if (!top) {
    if (root.requires_grad())
      os << "AccumulateGrad " << named_root_label(root, names, "") << "\n";
    else
      os << "(no graph: the tensor does not require grad)\n";
    return;
  }
  const Names labels(names, Tensor());
  std::unordered_set<const Node*> shown;
  struct Item {
    const Node* node;
    size_t depth;
    uint32_t output_nr;  // which output of node the parent's edge carries
  };
  std::vector<Item> stack{{top.get(), 0, root.output_nr()}};
  while (!stack.empty()) {
    const Item it = stack.back();
    stack.pop_back();
    const Node* n = it.node;
    std::string line(2 * it.depth, ' ');
    line += n->name();
    if (n->is_accumulator()) {
      line += " " + labels.leaf(n);
    } else {
      for (const std::string& s : labels.outputs_of(n)) line += " " + s;
    }
    if (n->outputs.size() > 1) line += " [output " + std::to_string(it.output_nr) + "]";
    const bool again = !n->is_accumulator() && !shown.insert(n).second;
    os << line << (again ? " (shown above)" : "") << "\n";
    if (again) continue;
    for (size_t i = n->next_edges.size(); i-- > 0;) {  // reversed: the first edge prints first
      const Edge& e = n->next_edges[i];
      if (e.fn) stack.push_back({e.fn.get(), it.depth + 1, e.input_nr});
    }
  }
}

std::vector<std::string> node_names(const Tensor& root) {
  std::vector<std::string> names;
  if (!root.defined()) return names;
  std::unordered_set<const Node*> seen;
  std::vector<const Node*> stack;
  if (root.grad_fn())
    stack.push_back(root.grad_fn().get());
  else if (root.requires_grad())
    names.emplace_back("AccumulateGrad");
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    names.emplace_back(n->name());
    for (const Edge& e : n->next_edges)
      if (e.fn) stack.push_back(e.fn.get());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace paragrad::autograd
