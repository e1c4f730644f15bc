// The backward pass. Three steps, none recursive:
//  1. walk the graph from the roots and count, for every node, how many edges lead
//     into it (its dependencies);
//  2. seed the roots' gradient buffers;
//  3. run nodes whose dependencies reached zero, adding each returned gradient into
//     the buffer of the node its edge points to.
// Per-pass scratch (dependency count, gradient buffer) lives on the nodes, stamped with
// the pass's id, so a pass costs no hash-map lookups.
#include <paragrad/engine/autograd/engine.hpp>

#include <atomic>
#include <unordered_map>
#include <vector>

#include <paragrad/engine/autograd/function.hpp>

namespace paragrad::autograd {

namespace {

std::atomic<uint64_t> next_task_id{1};

void visit(Node* n, uint64_t id) {
  if (n->task_id == id) return;
  n->task_id = id;
  n->dependencies = 0;
  n->buffer.clear();
  n->buffer.resize(n->outputs.size());
}

// Brings a gradient to the shape and dtype the node's output had.
Tensor conform(Tensor g, const OutputMeta& meta, const Node* n) {
  Tensor r = std::move(g);
  if (r.sizes() != meta.shape) {
    try {
      r = r.sum_to(meta.shape);
    } catch (const Error&) {
      throw AutogradError(cat(n->name(), ": got a gradient of shape ", shape_str(r.sizes()),
                              " for an output of shape ", shape_str(meta.shape)));
    }
  }
  if (r.dtype() != meta.dtype) r = r.to(meta.dtype);
  return r;
}

struct CurrentNodeScope {
  explicit CurrentNodeScope(Node* n) : prev(current_node()) { set_current_node(n); }
  ~CurrentNodeScope() { set_current_node(prev); }
  Node* prev;
};

}  // namespace

TensorList run_backward(const TensorList& outputs, const TensorList& grad_outputs,
                        bool retain_graph, bool create_graph, const TensorList& inputs,
                        bool allow_unused) {
  check<AutogradError>(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
                       "backward: got ", grad_outputs.size(), " gradients for ", outputs.size(),
                       " outputs");
  const uint64_t id = next_task_id.fetch_add(1);
  // Roots.
  std::vector<Edge> roots;
  TensorList root_grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    check<AutogradError>(out.defined() && out.requires_grad(), "backward: element ", i,
                         " of tensors does not require grad and does not have a grad_fn");
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      check<AutogradError>(out.numel() == 1, "backward: grad can be implicitly created only for ",
                           "scalar outputs, got shape ", shape_str(out.sizes()));
      g = ones_like(out);
    } else {
      check<ShapeError>(g.sizes() == out.sizes(), "backward: gradient of shape ",
                        shape_str(g.sizes()), " does not match output of shape ",
                        shape_str(out.sizes()));
    }
    roots.push_back(edge_to(out));
    root_grads.push_back(g);
  }

  // 1. Count dependencies, iteratively.
  std::vector<Node*> stack;
  for (const Edge& e : roots) {
    if (e.fn->task_id != id) {
      visit(e.fn.get(), id);
      stack.push_back(e.fn.get());
    }
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.fn) continue;
      Node* c = e.fn.get();
      if (c->task_id != id) {
        visit(c, id);
        stack.push_back(c);
      }
      ++c->dependencies;
    }
  }

  // Where the requested inputs' gradients are read off.
  struct Capture {
    uint32_t output_nr;
    size_t slot;
  };
  std::unordered_map<Node*, std::vector<Capture>> captures;
  TensorList results(inputs.size());
  for (size_t j = 0; j < inputs.size(); ++j) {
    const Tensor& x = inputs[j];
    check<AutogradError>(x.defined() && x.requires_grad(), "grad: input ", j,
                         " does not require grad");
    Node* n = x.grad_fn() ? x.grad_fn().get() : x.impl()->grad_accumulator;
    if (n && n->task_id == id) captures[n].push_back(Capture{x.output_nr(), j});
  }
  const bool accumulate = inputs.empty();

  // 2. Seed.
  for (size_t i = 0; i < roots.size(); ++i) {
    Node* n = roots[i].fn.get();
    Tensor g = conform(root_grads[i], n->outputs[roots[i].input_nr], n);
    Tensor& slot = n->buffer[roots[i].input_nr];
    slot = slot.defined() ? slot + g : g;
  }

  // 3. Execute.
  std::unique_ptr<NoGradGuard> no_grad;
  std::unique_ptr<EnableGradGuard> with_grad;
  if (create_graph)
    with_grad = std::make_unique<EnableGradGuard>();
  else
    no_grad = std::make_unique<NoGradGuard>();

  std::vector<Node*> ready;
  TensorList grads;  // reused for every node
  for (const Edge& e : roots)
    if (e.fn->dependencies == 0 && e.fn->task_id == id) {
      e.fn->dependencies = -1;  // queued
      ready.push_back(e.fn.get());
    }
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    grads.clear();
    grads.resize(n->buffer.size());
    bool any = false;
    for (size_t i = 0; i < n->buffer.size(); ++i) {
      if (n->buffer[i].defined()) {  // already conformed when it was added (below)
        grads[i] = std::move(n->buffer[i]);
        any = true;
      }
    }
    n->buffer.clear();
    if (!captures.empty()) {
      auto it = captures.find(n);
      if (it != captures.end())
        for (const Capture& c : it->second) results[c.slot] = grads[c.output_nr];
    }
    TensorList input_grads;
    if (n->is_accumulator()) {
      if (accumulate && any) n->apply(std::move(grads));
    } else if (any) {
      CurrentNodeScope scope(n);
      input_grads = n->apply(std::move(grads));
      check<AutogradError>(input_grads.size() == n->next_edges.size(), n->name(), ": returned ",
                           input_grads.size(), " gradients for ", n->next_edges.size(), " inputs");
    }
    if (!retain_graph) n->release_saved();
    for (size_t k = 0; k < n->next_edges.size(); ++k) {
      const Edge& e = n->next_edges[k];
      if (!e.fn) continue;
      Node* c = e.fn.get();
      if (k < input_grads.size() && input_grads[k].defined()) {
        // Bring each gradient to the input's shape before adding: a broadcast gradient
        // and a plain one must not be added in the broadcast shape.
        Tensor gk = conform(std::move(input_grads[k]), c->outputs[e.input_nr], c);
        Tensor& slot = c->buffer[e.input_nr];
        slot = slot.defined() ? slot + gk : std::move(gk);
      }
      if (--c->dependencies == 0) ready.push_back(c);
    }
  }

  for (size_t j = 0; j < inputs.size(); ++j) {
    if (!results[j].defined())
      check<AutogradError>(allow_unused, "grad: input ", j, " (shape ",
                           shape_str(inputs[j].sizes()),
                           ") appears to not have been used in the graph; pass allow_unused=true");
    else if (!create_graph)
      results[j] = results[j].detach();
  }
  return results;
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs,
                bool retain_graph, bool create_graph, bool allow_unused) {
  check<AutogradError>(!inputs.empty(), "grad: no inputs given");
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i].defined()) throw_undefined("grad", int(i) + 1);
  return run_backward(outputs, grad_outputs, retain_graph || create_graph, create_graph, inputs,
                      allow_unused);
}

}  // namespace paragrad::autograd
