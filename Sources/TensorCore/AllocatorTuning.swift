/// Process-wide allocator settings for training.
///
/// A training step allocates and frees the same large activation tensors (megabytes each)
/// every step. By default glibc serves such blocks with mmap and returns them with munmap,
/// so every step pays a page fault and a zero-fill per 4 KiB page (measured: about a sixth
/// of small-cnn's CPU time per step). Keeping blocks up to 32 MiB on the heap and not
/// trimming it lets the next step reuse the same pages. Peak memory is unchanged; memory
/// freed after the peak is kept by the process instead of being returned to the system.
public enum AllocatorTuning {
    /// Call once at start-up, before training (no effect outside glibc).
    public static func keepFreedBlocks() {
        #if os(Linux) && canImport(Glibc)
        _ = glibcMallopt(mallocMmapThreshold, 32 << 20)   // the largest value glibc accepts on 64-bit
        _ = glibcMallopt(mallocTrimThreshold, 1 << 30)
        #endif
    }

    #if os(Linux) && canImport(Glibc)
    // <malloc.h> is not part of the Glibc module: mallopt(3) and its parameter numbers.
    private static let mallocTrimThreshold: Int32 = -1   // M_TRIM_THRESHOLD
    private static let mallocMmapThreshold: Int32 = -3   // M_MMAP_THRESHOLD
    #endif
}

#if os(Linux) && canImport(Glibc)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
