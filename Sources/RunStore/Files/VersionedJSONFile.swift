import Foundation

/// Reading and writing the small versioned JSON files of a run (config.json, status.json).
enum VersionedJSONFile {
    /// The bytes of such a file as a JSON object whose `schemaVersion` is `supported`
    /// (`path` names the file in errors).
    static func object(_ bytes: [UInt8], path: String, supported: Int) throws -> JSONObject {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            let reason = bytes.isEmpty ? "empty file" : "\(error)"
            throw RunStoreError.malformed(path: path, reason: reason)
        }
        guard case .object(let object) = value else {
            throw RunStoreError.malformed(path: path, reason: "expected a JSON object")
        }
        let version = object["schemaVersion"]?.intValue
        guard version == supported else {
            throw RunStoreError.unsupportedSchemaVersion(path: path, found: version, supported: supported)
        }
        return object
    }
}

/// Typed access to the members of a JSON object, with errors that name the file and key.
struct FieldReader {
    let object: JSONObject
    let path: String

    func fail(_ key: String, _ expected: String) -> RunStoreError {
        let found = object[key].map { JSONWriter.string($0) } ?? "nothing"
        return .malformed(path: path, reason: "key \"\(key)\": expected \(expected), found \(found)")
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let s = value.stringValue else { throw fail(key, "a string") }
        return s
    }
    func string(_ key: String) throws -> String {
        guard let s = try optionalString(key) else { throw fail(key, "a string") }
        return s
    }
    func optionalDouble(_ key: String) throws -> Double? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let v = value.doubleValue else { throw fail(key, "a number") }
        return v
    }
    func optionalInt(_ key: String) throws -> Int? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let v = value.intValue else { throw fail(key, "an integer") }
        return v
    }
    func int(_ key: String) throws -> Int {
        guard let v = try optionalInt(key) else { throw fail(key, "an integer") }
        return v
    }
    func optionalDate(_ key: String) throws -> Date? {
        guard let text = try optionalString(key) else { return nil }
        guard let date = ISOTime.parse(text) else { throw fail(key, "an ISO-8601 time") }
        return date
    }
    func date(_ key: String) throws -> Date {
        guard let d = try optionalDate(key) else { throw fail(key, "an ISO-8601 time") }
        return d
    }
}
