import Foundation

/// Appends `MetricRecord`s to metrics.jsonl, one `write` per line.
///
/// The file is opened with O_APPEND, so each line lands whole at the end even if another
/// process appends too; a reader sees at worst a half-written last line. `sync()` (call it
/// once per epoch) makes the lines durable. If the file ends with a half line left by a
/// crash, a newline is written first so the next record starts on a line of its own.
public final class MetricsWriter {
    public let url: URL
    private var fd: Int32

    public init(url: URL) throws {
        self.url = url
        fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunStoreError.io(path: url.path, operation: "open for append", errno: errno) }
        if try endsWithPartialLine() { try AtomicFile.writeAll(fd, [0x0A], path: url.path) }
    }

    deinit { if fd >= 0 { _ = Foundation.close(fd) } }

    /// Appends one record as one line.
    public func append(_ record: MetricRecord) throws {
        precondition(fd >= 0, "MetricsWriter.append after close (\(url.path))")
        try AtomicFile.writeAll(fd, record.jsonLine(), path: url.path)
    }

    /// Flushes appended lines to disk.
    public func sync() throws {
        guard fd >= 0 else { return }
        guard fsync(fd) == 0 else { throw RunStoreError.io(path: url.path, operation: "fsync", errno: errno) }
    }

    public func close() throws {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        try sync()
        _ = Foundation.close(fd)
    }

    private func endsWithPartialLine() throws -> Bool {
        let reader = open(url.path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return false }
        defer { Foundation.close(reader) }
        let size = lseek(reader, 0, SEEK_END)
        guard size > 0 else { return false }
        var last: UInt8 = 0
        guard pread(reader, &last, 1, size - 1) == 1 else {
            throw RunStoreError.io(path: url.path, operation: "read", errno: errno)
        }
        return last != 0x0A
    }
}
