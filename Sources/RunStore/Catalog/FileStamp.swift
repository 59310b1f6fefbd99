import Foundation

/// One file's (or folder's) `stat` facts — size, modification time, inode, kind — to tell
/// cheaply whether it changed since it was last read; all zero when it does not exist.
/// A file replaced atomically (rename) gets a new inode, one appended to grows.
public struct FileStamp: Equatable, Sendable {
    public var size: Int64 = 0
    public var seconds = 0
    public var nanoseconds = 0
    public var inode: UInt64 = 0
    public var exists = false
    public var isDirectory = false

    /// The stamp of a missing file.
    public init() {}

    public init(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        size = Int64(info.st_size)
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
        inode = UInt64(info.st_ino)
        exists = true
        isDirectory = info.st_mode & S_IFMT == S_IFDIR
    }
}
