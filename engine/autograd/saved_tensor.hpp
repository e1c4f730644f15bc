#pragma once
// A tensor kept by a forward op for its backward rule. It remembers the storage
// version it saw: if the tensor is modified in place before backward, unpack()
// raises an Error naming the op, as PyTorch does. An op's own output is kept
// without its grad_fn (that would be a reference cycle) and re-attached on unpack,
// so rules that use the output stay differentiable for create_graph.
//
// A contiguous output is kept as its elements alone (its storage, no tensor header): its shape
// and dtype are the node's record of that output (Node::outputs), so unpack() builds the header
// when the rule asks for one, and a rule that reads the elements in place (plain_elements,
// detail::over_with_output) needs none. A header is the largest part of what an op writes.
#include <atomic>
#include <cstdint>
#include <vector>

#include <paragrad/engine/autograd/node.hpp>
#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd {

class SavedTensor {
 public:
  SavedTensor() = default;
  // is_output: t is the recording op's own output number output_nr.
  SavedTensor(const Tensor& t, bool is_output = false, uint32_t output_nr = 0);
  SavedTensor(const SavedTensor& other)
      : data_(other.data_),
        elements_(other.elements_),
        version_(other.version_),
        output_nr_(other.output_nr_),
        is_output_(other.is_output_),
        requires_grad_(other.requires_grad_) {
    if (listings_.load(std::memory_order_relaxed) != 0) note_copy();
  }
  SavedTensor(SavedTensor&&) = default;
  SavedTensor& operator=(const SavedTensor&) = default;
  SavedTensor& operator=(SavedTensor&&) = default;
  ~SavedTensor() = default;

  // Inside the saving node's backward (an output's shape is that node's record of it).
  Tensor unpack() const;
  // The same without a new handle where it can: the saved tensor itself when unpack() would
  // return it as is (a plain backward), else `holder`, set to what unpack() returns. A handle
  // copied and dropped costs two atomic operations.
  const Tensor& unpack(Tensor& holder) const;
  // The saved output's elements read in place, contiguous, when unpack() would return the
  // output as is (a plain backward: not re-attached for create_graph), it was kept as its
  // elements and its shape and dtype are those of `like` (the rule's gradient); else null, and
  // the rule calls unpack(). Checks the version as unpack() does (detail::over_with_output).
  const void* plain_elements(const Tensor& like) const;
  bool defined() const { return data_.defined() || elements_; }

  // The saved tensors held by an object (a backward rule's closure): copies it once while
  // listening for the copies of the SavedTensors inside it, members of containers included.
  // Undefined ones (nothing saved) are skipped. A built-in op's rule is a lambda, whose captures
  // C++ cannot enumerate; its copy constructor visits every one of them. `owner`: the node that
  // holds them, whose record of its outputs gives the shapes of outputs kept as their elements.
  template <class T>
  static std::vector<SavedInfo> list_saved(const T& holder, const Node& owner) {
    std::vector<SavedInfo> found;
    ListingScope scope(&found, &owner);
    const T copy(holder);
    (void)copy;
    return found;
  }

 private:
  struct ListingScope {  // opens this thread's listing; counted in listings_
    ListingScope(std::vector<SavedInfo>* out, const Node* owner);
    ~ListingScope();
    ListingScope(const ListingScope&) = delete;
    ListingScope& operator=(const ListingScope&) = delete;
    std::vector<SavedInfo>* previous;
    const Node* previous_owner;
  };
  void note_copy() const;      // adds this to the listing running on this thread, if any
  void check_version() const;  // raises when the tensor was modified in place since it was saved
  bool reattaches() const;     // whether unpack() returns a new alias with the saving node
  Tensor rebuild() const;      // an output kept as its elements: a header onto them
  uint32_t saved_version() const;  // the version the saved storage is at now
  // How many list_saved() calls are running, on any thread: a copy of a SavedTensor reports
  // itself only while one runs, so copies cost one relaxed load otherwise.
  static inline std::atomic<int> listings_{0};

  Tensor data_;                     // what was saved, unless kept as its elements:
  IntrusivePtr<Storage> elements_;  // an output's storage, from its start (see above)
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
};

}  // namespace paragrad::autograd

PARAGRAD_API_END
