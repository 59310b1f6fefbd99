#include "FuzzAllocations.h"

// The sanitizer allocator interface (compiler-rt's sanitizer/allocator_interface.h).
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);
int __sanitizer_get_ownership(const volatile void *p);

// Fuzzing is single-threaded, and the readers under test start no threads.
static int active;
static size_t live, peak, largest, total;

static void on_malloc(const volatile void *pointer, size_t size) {
    (void)pointer;
    if (!active) return;
    live += size;
    total += size;
    if (live > peak) peak = live;
    if (size > largest) largest = size;
}

static void on_free(const volatile void *pointer) {
    if (!active || pointer == 0 || !__sanitizer_get_ownership(pointer)) return;
    size_t size = __sanitizer_get_allocated_size(pointer);
    live = size < live ? live - size : 0;
}

int fuzz_allocations_install(void) {
    return __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}

void fuzz_allocations_begin(void) {
    live = peak = largest = total = 0;
    active = 1;
}

void fuzz_allocations_end(void) { active = 0; }
size_t fuzz_allocations_peak(void) { return peak; }
size_t fuzz_allocations_largest(void) { return largest; }
size_t fuzz_allocations_total(void) { return total; }
