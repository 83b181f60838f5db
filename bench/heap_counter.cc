// Replaces the global operator new and delete of the bench binary (see
// heap_counter.h).
#include "heap_counter.h"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace portpool::bench {
namespace {

// Only HeapCounter turns counting on; benchmarks are single-threaded. Every
// free while counting is subtracted, so what is measured must be built inside
// the window, and nothing allocated before it freed within it.
bool counting = false;
int64_t live_bytes = 0;
int64_t allocations = 0;

void* Allocate(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  if (counting) {
    live_bytes += static_cast<int64_t>(malloc_usable_size(p));
    ++allocations;
  }
  return p;
}

void* AllocateAligned(std::size_t size, std::align_val_t align) {
  const std::size_t alignment = static_cast<std::size_t>(align);
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t rounded = (size + alignment - 1) / alignment * alignment;
  void* p = std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
  if (p == nullptr) throw std::bad_alloc();
  if (counting) {
    live_bytes += static_cast<int64_t>(malloc_usable_size(p));
    ++allocations;
  }
  return p;
}

void Free(void* p) noexcept {
  if (p == nullptr) return;
  if (counting) live_bytes -= static_cast<int64_t>(malloc_usable_size(p));
  std::free(p);
}

}  // namespace

HeapCounter::HeapCounter() {
  live_bytes = 0;
  allocations = 0;
  counting = true;
}

HeapCounter::~HeapCounter() { counting = false; }

int64_t HeapCounter::LiveBytes() const { return live_bytes; }

int64_t HeapCounter::Allocations() const { return allocations; }

}  // namespace portpool::bench

using portpool::bench::Allocate;
using portpool::bench::AllocateAligned;
using portpool::bench::Free;

void* operator new(std::size_t size) { return Allocate(size); }
void* operator new[](std::size_t size) { return Allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t align) {
  return AllocateAligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return AllocateAligned(size, align);
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  try {
    return AllocateAligned(size, align);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  try {
    return AllocateAligned(size, align);
  } catch (...) {
    return nullptr;
  }
}

void operator delete(void* p) noexcept { Free(p); }
void operator delete[](void* p) noexcept { Free(p); }
void operator delete(void* p, std::size_t) noexcept { Free(p); }
void operator delete[](void* p, std::size_t) noexcept { Free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Free(p); }
