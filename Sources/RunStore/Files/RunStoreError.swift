import Foundation

/// Why a run file could not be read or written. Every case names the file.
public enum RunStoreError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case missingFile(path: String)
    /// The file exists but is not valid JSON, or a required key is missing or mistyped.
    case malformed(path: String, reason: String)
    /// Written by another version of simlab.
    case unsupportedSchemaVersion(path: String, found: Int?, supported: Int)
    /// The file already exists and is written only once (config.json).
    case alreadyExists(path: String)
    /// A system call failed.
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): file not found"
        case .malformed(let path, let reason):
            return "\(path): unreadable: \(reason)"
        case .unsupportedSchemaVersion(let path, let found, let supported):
            let foundText = found.map { "schemaVersion \($0)" } ?? "no schemaVersion"
            return "\(path): \(foundText), this simlab reads schemaVersion \(supported) (written by another simlab version?)"
        case .alreadyExists(let path):
            return "\(path): already exists and is written only once"
        case .io(let path, let operation, let code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        }
    }

    /// A short form for the dashboard: the path within the run ("status.json",
    /// "kernels/epoch-003.json").
    public var shortDescription: String {
        switch self {
        case .missingFile(let path): return "missing \(lastComponent(path))"
        case .malformed(let path, let reason): return "\(lastComponent(path)) unreadable: \(reason)"
        case .unsupportedSchemaVersion(let path, let found, let supported):
            return "\(lastComponent(path)): schemaVersion \(found.map(String.init) ?? "missing"), expected \(supported)"
        case .alreadyExists(let path): return "\(lastComponent(path)) already exists"
        case .io(let path, let operation, let code):
            return "\(lastComponent(path)): \(operation): \(String(cString: strerror(code)))"
        }
    }
}

private func lastComponent(_ path: String) -> String {
    let parts = path.split(separator: "/")
    guard let last = parts.last else { return path }
    if parts.count >= 2, ["kernels", "knn", "checkpoints"].contains(parts[parts.count - 2]) {
        return parts[parts.count - 2] + "/" + last
    }
    return String(last)
}
