#pragma once
// A vector that keeps up to N elements inline and only allocates beyond that.
// Tensor shapes, strides and graph edges live in these, so a small op allocates
// nothing but its data.
//
// Layout: the inline elements share their bytes with the heap pointer (a union), followed by a
// 32-bit size and capacity; the capacity tells which one is in use (N: inline). So a SmallVec costs
// its inline elements plus 8 bytes: a graph node holds four of them (docs/autograd.md §8).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <paragrad/engine/branch_hints.hpp>
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

template <class T, size_t N>
class SmallVec {
  static_assert(N >= 1, "SmallVec keeps at least one element inline");
  static_assert(N < UINT32_MAX, "SmallVec's inline capacity must fit its 32-bit capacity");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVec() = default;
  explicit SmallVec(size_t n, const T& v = T()) { assign(n, v); }
  SmallVec(std::initializer_list<T> init) { append(init.begin(), init.end()); }
  template <class It, class = decltype(*std::declval<It>())>
  SmallVec(It first, It last) {
    append(first, last);
  }
  SmallVec(const SmallVec& o) {
    if constexpr (std::is_trivially_copyable<T>::value) {
      if (!o.on_heap()) {  // shapes and strides: the inline bytes in one fixed-size copy
        std::memcpy(static_cast<void*>(store_.inline_), o.store_.inline_, sizeof(store_.inline_));
        size_ = o.size_;
        return;
      }
      copy_from_heap(o);
    } else {
      append(o.begin(), o.end());
    }
  }
  SmallVec(SmallVec&& o) noexcept { steal(std::move(o)); }
  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) {
      clear();
      append(o.begin(), o.end());
    }
    return *this;
  }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) {
      clear();
      release_heap();
      steal(std::move(o));
    }
    return *this;
  }
  ~SmallVec() {
    destroy_elements();
    if (on_heap()) ::operator delete(store_.heap);
  }

  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  T* data() { return ptr(); }
  const T* data() const { return ptr(); }
  T* begin() { return ptr(); }
  T* end() { return ptr() + size_; }
  const T* begin() const { return ptr(); }
  const T* end() const { return ptr() + size_; }
  T& operator[](size_t i) { return ptr()[i]; }
  const T& operator[](size_t i) const { return ptr()[i]; }
  T& back() { return ptr()[size_ - 1]; }
  const T& back() const { return ptr()[size_ - 1]; }

  void reserve(size_t n) {
    if (n > cap_) grow_to(n);
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  template <class... A>
  T& emplace_back(A&&... a) {
    if (PARAGRAD_UNLIKELY(size_ == cap_)) return grow_and_emplace(std::forward<A>(a)...);
    T* p = new (ptr() + size_) T(std::forward<A>(a)...);
    ++size_;
    return *p;
  }
  void pop_back() { ptr()[--size_].~T(); }
  void clear() {
    destroy_elements();
    size_ = 0;
  }
  void resize(size_t n, const T& v = T()) {
    while (size_ > n) pop_back();
    reserve(n);
    while (size_ < n) emplace_back(v);
  }
  void assign(size_t n, const T& v) {
    clear();
    resize(n, v);
  }
  template <class It>
  void append(It first, It last) {
    reserve(size_ + static_cast<size_t>(std::distance(first, last)));
    for (; first != last; ++first) emplace_back(*first);
  }
  void insert(size_t pos, const T& v) {
    emplace_back(v);
    std::rotate(begin() + pos, end() - 1, end());
  }
  void erase(size_t pos) {
    std::move(begin() + pos + 1, end(), begin() + pos);
    pop_back();
  }

  // (Always inlined: GCC kept it out of line, a call in every elementwise op's shape test.)
  friend PARAGRAD_ALWAYS_INLINE bool operator==(const SmallVec& a, const SmallVec& b) {
    if (&a == &b) return true;  // (an op checking its result's shape against its operand's own)
    if (PARAGRAD_UNLIKELY(a.size_ != b.size_)) return false;
    for (size_t i = 0; i < a.size_; ++i)  // (a loop: shapes are short, a memcmp call is not)
      if (PARAGRAD_UNLIKELY(!(a.ptr()[i] == b.ptr()[i]))) return false;
    return true;
  }
  friend bool operator!=(const SmallVec& a, const SmallVec& b) { return !(a == b); }

 private:
  bool on_heap() const { return PARAGRAD_UNLIKELY(cap_ > N); }
  // (The storage and the count read once: an element's destructor may free other objects, so the
  // compiler cannot keep them in registers across the calls.)
  void destroy_elements() {
    if constexpr (!std::is_trivially_destructible<T>::value) {
      T* p = ptr();
      for (size_t i = 0, n = size_; i < n; ++i) p[i].~T();
    }
  }
  T* ptr() { return on_heap() ? store_.heap : reinterpret_cast<T*>(store_.inline_); }
  const T* ptr() const {
    return on_heap() ? store_.heap : reinterpret_cast<const T*>(store_.inline_);
  }
  static T* allocate(size_t n) {
    if (n > UINT32_MAX) throw std::length_error("SmallVec: more than 2^32 - 1 elements");
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  // Moves the elements into fresh (which has room for them) and destroys them here.
  void move_into(T* fresh) {
    T* old = ptr();
    for (size_t i = 0; i < size_; ++i) {
      new (fresh + i) T(std::move(old[i]));
      old[i].~T();
    }
  }
  // Makes fresh (capacity n, the elements already moved in) the storage.
  void adopt(T* fresh, size_t n) {
    release_heap();
    store_.heap = fresh;
    cap_ = static_cast<uint32_t>(n);
  }
  // Full: the new element is built in the new storage before the old elements move, so an
  // argument that refers to one of them (v.push_back(v[0])) is still alive when it is read.
  template <class... A>
  PARAGRAD_COLD T& grow_and_emplace(A&&... a) {
    const size_t n = size_t(cap_) * 2;
    T* fresh = allocate(n);
    T* p;
    try {
      p = new (fresh + size_) T(std::forward<A>(a)...);
    } catch (...) {
      ::operator delete(fresh);
      throw;
    }
    move_into(fresh);
    adopt(fresh, n);
    ++size_;
    return *p;
  }
  // (Growth and a copy from the heap are out of line and cold, branch_hints.hpp: the inline
  // path, which every op's shapes take, stays short and falls through.)
  PARAGRAD_COLD void grow_to(size_t n) {
    T* fresh = allocate(n);
    move_into(fresh);
    adopt(fresh, n);
  }
  PARAGRAD_COLD void copy_from_heap(const SmallVec& o) { append(o.begin(), o.end()); }
  void release_heap() {
    if (on_heap()) ::operator delete(store_.heap);
    cap_ = N;
  }
  void steal(SmallVec&& o) {  // this is empty and inline
    if (o.on_heap()) {
      store_.heap = o.store_.heap;
      cap_ = o.cap_;
      size_ = o.size_;
      o.cap_ = N;
      o.size_ = 0;
    } else if constexpr (std::is_trivially_copyable<T>::value) {
      std::memcpy(static_cast<void*>(store_.inline_), o.store_.inline_, sizeof(store_.inline_));
      size_ = o.size_;
      o.size_ = 0;
    } else {
      for (size_t i = 0; i < o.size_; ++i) new (ptr() + i) T(std::move(o.ptr()[i]));
      size_ = o.size_;
      o.clear();
    }
  }

  union Store {
    Store() {}  // the inline bytes start out unused
    alignas(T) unsigned char inline_[N * sizeof(T)];
    T* heap;
  } store_;
  uint32_t size_ = 0;
  uint32_t cap_ = N;
};

}  // namespace paragrad

PARAGRAD_API_END
