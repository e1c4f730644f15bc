#pragma once
// Scratch that a level kernel's thread keeps from one call to the next (included by *_level.cpp
// files only, inside their level's namespace: see gemm_level.cpp). Fresh memory costs a page
// fault per page once malloc has given it back to the system, which it does for large blocks
// (docs/memory.md): GEMM's packing buffers and the SVD's workspace come from here.
#ifndef PARAGRAD_KERNEL_LEVEL
#error "kept_scratch.hpp belongs to the *_level.cpp files, compiled once per CPU level"
#endif
#include <cstddef>

#include <Eigen/Core>

namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL {

// `count` entries of T, SIMD-aligned, their values unspecified. Up to KeepBytes they are the
// thread's kept buffer (grown when too small, freed when the thread ends), so a kernel must not
// hold two KeptScratch of one T and KeepBytes at once; a larger request is allocated for the
// scope alone.
template <class T, size_t KeepBytes>
class KeptScratch {
 public:
  explicit KeptScratch(size_t count) {
    if (count * sizeof(T) > KeepBytes) {
      own_ = allocate(count);
      p_ = own_;
      return;
    }
    thread_local Kept kept;
    if (kept.size < count) {
      T* grown = allocate(count);
      Eigen::internal::aligned_free(kept.data);
      kept.data = grown;
      kept.size = count;
    }
    p_ = kept.data;
  }
  ~KeptScratch() { Eigen::internal::aligned_free(own_); }
  KeptScratch(const KeptScratch&) = delete;
  KeptScratch& operator=(const KeptScratch&) = delete;
  T* data() const { return p_; }

 private:
  struct Kept {
    T* data = nullptr;
    size_t size = 0;
    ~Kept() { Eigen::internal::aligned_free(data); }
  };
  static T* allocate(size_t count) {  // (Eigen's aligned_malloc throws std::bad_alloc on failure)
    return static_cast<T*>(Eigen::internal::aligned_malloc(count * sizeof(T)));
  }
  T* own_ = nullptr;
  T* p_ = nullptr;
};

}  // namespace paragrad::kernels::PARAGRAD_KERNEL_LEVEL
