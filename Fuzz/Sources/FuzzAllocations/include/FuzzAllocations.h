#ifndef FUZZ_ALLOCATIONS_H
#define FUZZ_ALLOCATIONS_H
#include <stddef.h>

/// Allocation accounting for one fuzz input, through the sanitizer allocator's malloc and
/// free hooks (the fuzz build links AddressSanitizer, whose allocator calls them).
/// Between `fuzz_allocations_begin` and `fuzz_allocations_end`, counts the bytes of every
/// allocation, the largest single one, and the peak of bytes allocated and not yet freed
/// (measured from the beginning, not counting memory that was live before).

/// Installs the hooks; returns 0 when the sanitizer refuses them.
int fuzz_allocations_install(void);
void fuzz_allocations_begin(void);
void fuzz_allocations_end(void);
size_t fuzz_allocations_peak(void);
size_t fuzz_allocations_largest(void);
size_t fuzz_allocations_total(void);

/// libFuzzer's driver (the fuzz build links libFuzzer): runs the fuzzing loop of `argv`
/// with `callback` as LLVMFuzzerTestOneInput. SwiftPM gives the executable a Swift `main`,
/// so libFuzzer's own `main` is not used; main.swift calls this instead.
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
