// glibc's allocator, tuned for matrices that are freed and allocated again
// at the same sizes many times a step (layer outputs, chunk buffers, the
// backward walk's buffers). Called first thing in the main of nfalab and of
// the benchmarks:
//
//   int main(int argc, char** argv) {
//     nfalab::RetainFreedMemory();
//
// By default glibc returns freed memory to the kernel: blocks above a
// dynamic mmap threshold are unmapped, and the heap is trimmed once more
// than twice that threshold is free at its top (a step's buffers, freed at
// its end). The next step then page-faults every page in again and the
// kernel zero-fills it: about 40% of the small VGG's training step
// (benchmarks/README.md). RetainFreedMemory raises the mmap threshold to
// glibc's largest (32 MiB) and the trim threshold to 512 MiB, so freed
// memory is reused. Peak RSS is unchanged; memory freed after the peak is
// kept (up to 512 MiB) instead of returned at once.
#ifndef NFALAB_CORE_MALLOC_TUNING_H_
#define NFALAB_CORE_MALLOC_TUNING_H_

namespace nfalab {

// Call before any thread starts. False if glibc refused a setting (its
// defaults then stay).
bool RetainFreedMemory();

}  // namespace nfalab

#endif  // NFALAB_CORE_MALLOC_TUNING_H_
