import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe file replacement: a reader sees the old file or the new one, never a mix.
///
/// Writes a hidden temporary file in the same directory, fsyncs it, renames it over the
/// target and fsyncs the directory so the rename itself survives a power cut.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to url: URL, permissions: mode_t = 0o644) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw RunStoreError.io(path: temporary, operation: "create", errno: errno) }
        do {
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw RunStoreError.io(path: temporary, operation: "fsync", errno: errno) }
            guard close(fd) == 0 else { throw RunStoreError.io(path: temporary, operation: "close", errno: errno) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw RunStoreError.io(path: path, operation: "rename", errno: code)
        }
        syncDirectory(directory)
    }

    /// Overwrites an existing small file in place, within the blocks it already has: the
    /// last resort when the disk is full and no temporary file can be written (a full disk
    /// must not leave a run's status saying "running"). The new content is padded with
    /// spaces to the old length, so nothing is truncated and no block is freed or allocated
    /// when it fits; JSON readers ignore the trailing spaces. Not crash-atomic, unlike `write`.
    public static func overwriteInPlace(_ bytes: [UInt8], at url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RunStoreError.io(path: url.path, operation: "open for overwrite", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RunStoreError.io(path: url.path, operation: "stat", errno: errno) }
        var padded = bytes
        if padded.count < Int(info.st_size) {
            let newline = padded.last == 0x0A
            if newline { padded.removeLast() }
            padded += [UInt8](repeating: 0x20, count: Int(info.st_size) - padded.count - (newline ? 1 : 0))
            if newline { padded.append(0x0A) }
        }
        try writeAll(fd, padded, path: url.path)
        guard fsync(fd) == 0 else { throw RunStoreError.io(path: url.path, operation: "fsync", errno: errno) }
    }

    /// Whether `error` says the disk (or the user's quota) is full.
    public static func isOutOfSpace(_ error: Error) -> Bool {
        guard case .io(_, _, let code)? = error as? RunStoreError else { return false }
        return code == ENOSPC || code == EDQUOT
    }

    /// Writes a file in place (created or truncated, not atomic), every byte or an error.
    public static func writeDirectly(_ bytes: [UInt8], to url: URL, permissions: mode_t = 0o644) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw RunStoreError.io(path: url.path, operation: "create", errno: errno) }
        do { try writeAll(fd, bytes, path: url.path) } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw RunStoreError.io(path: url.path, operation: "close", errno: errno) }
    }

    /// Creates a folder and any missing parents (`mkdir -p`); an existing folder is fine.
    public static func createDirectory(_ path: String, permissions: mode_t = 0o755) throws {
        if mkdir(path, permissions) == 0 { return }
        var code = errno
        if code == ENOENT {
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty && parent != path {
                try createDirectory(parent, permissions: permissions)
                if mkdir(path, permissions) == 0 { return }
                code = errno
            }
        }
        var info = stat()
        if code == EEXIST, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return }
        throw RunStoreError.io(path: path, operation: "mkdir", errno: code == EEXIST ? ENOTDIR : code)
    }

    /// fsync on a directory makes a rename or a new entry durable (best effort: some file
    /// systems refuse it, which is not an error for us).
    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Writes every byte, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RunStoreError.io(path: path, operation: "write", errno: errno)
                }
                offset += n
            }
        }
    }

    /// Reads a whole file; `.missingFile` when it does not exist.
    public static func read(_ url: URL) throws -> [UInt8] {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw RunStoreError.missingFile(path: url.path) }
            throw RunStoreError.io(path: url.path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        var bytes: [UInt8] = []
        if fstat(fd, &info) == 0 { bytes.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RunStoreError.io(path: url.path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
