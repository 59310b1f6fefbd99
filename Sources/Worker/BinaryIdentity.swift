import Foundation
import RunStore

/// Which program trains a run: the executable's path, size and CRC-32. A worker logs it each
/// time it starts, so a run resumed by a rebuilt binary shows which epochs each one trained.
enum BinaryIdentity {
    /// "simlab 0.1.0, binary /path/simlab, 13476088 bytes, crc32 1a2b3c4d" (read once per process).
    static let current: String = {
        let path = executablePath()
        guard let data = FileManager.default.contents(atPath: path) else {
            return "\(CodeVersion.current), binary \(path) (unreadable)"
        }
        let crc = data.withUnsafeBytes { CRC32.checksum($0) }
        return "\(CodeVersion.current), binary \(path), \(data.count) bytes, crc32 \(String(format: "%08x", crc))"
    }()

    static func executablePath() -> String {
        #if os(Linux)
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}
