#pragma once
// Reference counting that lives inside the object (one allocation per object,
// not two as with std::shared_ptr). Tensors, storages and graph nodes use it.
#include <atomic>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <paragrad/engine/branch_hints.hpp>
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;
  uint32_t use_count() const { return refs_.load(std::memory_order_relaxed); }
  // Whether the caller's reference is the only one. Acquire: what every former owner did with
  // the object happens before what the caller does next (it may then write it freely).
  bool sole_reference() const { return refs_.load(std::memory_order_acquire) == 1; }

 protected:
  ~RefCounted() = default;
  // For an object that a pointer owning no reference may retain (IntrusivePtr::try_retain, of a
  // type with IntrusiveHasWeakRefs): its last reference is dropped with an atomic decrement.
  // Set before the object is shared, never cleared.
  void mark_weakly_held() { weakly_held_ = true; }

 private:
  template <class T>
  friend class IntrusivePtr;
  mutable std::atomic<uint32_t> refs_{0};
  bool weakly_held_ = false;  // (in the bytes the count leaves free)
};

// T must derive from RefCounted and provide `static void destroy(T*)` or be deletable.
template <class T>
struct IntrusiveDeleter {
  static void destroy(T* p) { delete p; }
};

// Whether a T may gain a reference through a pointer that owns none (IntrusivePtr::try_retain,
// a weak pointer read under a lock). Only then, and only for the objects marked so
// (RefCounted::mark_weakly_held), must the last reference be dropped with an atomic decrement;
// the others' is dropped with a load (IntrusivePtr::reset).
template <class T>
struct IntrusiveHasWeakRefs : std::false_type {};

template <class T>
class IntrusivePtr {
 public:
  IntrusivePtr() = default;
  IntrusivePtr(std::nullptr_t) {}
  explicit IntrusivePtr(T* p) : p_(p) { retain(); }
  IntrusivePtr(const IntrusivePtr& o) : p_(o.p_) { retain(); }
  IntrusivePtr(IntrusivePtr&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  template <class U, class = std::enable_if_t<std::is_convertible<U*, T*>::value>>
  IntrusivePtr(IntrusivePtr<U> o) : p_(o.release()) {}
  IntrusivePtr& operator=(IntrusivePtr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  // (Not through reset(): nulling a handle that is going away is a store the compiler cannot
  // prove dead across the call that may free the object, one per handle dropped. As with
  // std::shared_ptr, nothing may read the handle while its destructor runs.)
  ~IntrusivePtr() {
    if (p_) drop(p_);
  }

  void reset() {
    T* p = p_;
    p_ = nullptr;
    if (p) drop(p);
  }
  // Gives up ownership without decrementing.
  T* release() {
    T* p = p_;
    p_ = nullptr;
    return p;
  }
  // Takes the first reference to a freshly constructed object (count 0): a plain store, no
  // atomic read-modify-write, since no other thread can see the object yet.
  static IntrusivePtr from_new(T* p) {
    p->refs_.store(1, std::memory_order_relaxed);
    return adopt(p);
  }
  // A new reference to p, or an empty pointer if p's count already reached zero (p is being
  // destroyed). For a weak pointer read under a lock that p's destructor also takes
  // (autograd/node.cpp, a leaf's gradient accumulator); T must declare IntrusiveHasWeakRefs.
  static IntrusivePtr try_retain(T* p) {
    static_assert(IntrusiveHasWeakRefs<T>::value, "try_retain needs IntrusiveHasWeakRefs<T>");
    uint32_t n = p->refs_.load(std::memory_order_relaxed);
    while (n != 0)
      if (p->refs_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return adopt(p);
    return {};
  }
  static IntrusivePtr adopt(T* p) {
    IntrusivePtr r;
    r.p_ = p;
    return r;
  }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  friend bool operator==(const IntrusivePtr& a, const IntrusivePtr& b) { return a.p_ == b.p_; }
  friend bool operator!=(const IntrusivePtr& a, const IntrusivePtr& b) { return a.p_ != b.p_; }

 private:
  template <class U>
  friend class IntrusivePtr;
  void retain() {
    if (p_) p_->refs_.fetch_add(1, std::memory_order_relaxed);
  }
  // Gives up a reference to p.
  static void drop(T* p) {
    // The last reference needs no atomic read-modify-write: with a count of 1 no other owner is
    // left to copy or drop one concurrently, and the acquire load sees what every earlier owner
    // did before its release. Most objects of a chain of small ops die this way (one handle).
    if (PARAGRAD_LIKELY((!IntrusiveHasWeakRefs<T>::value || !p->weakly_held_) &&
                        p->sole_reference())) {
      IntrusiveDeleter<T>::destroy(p);
      return;
    }
    if (p->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) IntrusiveDeleter<T>::destroy(p);
  }
  T* p_ = nullptr;
};

template <class T, class... A>
IntrusivePtr<T> make_intrusive(A&&... a) {
  return IntrusivePtr<T>::from_new(new T(std::forward<A>(a)...));
}

}  // namespace paragrad

PARAGRAD_API_END
