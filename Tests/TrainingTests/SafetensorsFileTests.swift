import RunStore
@testable import Training
import XCTest

/// A minimal safetensors reader, written from the format's description (not from the
/// writer): it checks what the reference reader checks, so a file it accepts loads there too.
struct SafetensorsReader {
    struct Entry: Equatable {
        var dtype: String
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    let headerLength: Int
    let header: JSONValue
    let entries: [String: Entry]
    let metadata: [String: String]
    let data: ArraySlice<UInt8>

    init(_ bytes: [UInt8]) throws {
        struct Invalid: Error { let reason: String }
        guard bytes.count >= 8 else { throw Invalid(reason: "shorter than 8 bytes") }
        headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }  // little-endian
        guard 8 + headerLength <= bytes.count, bytes[8] == UInt8(ascii: "{") else { throw Invalid(reason: "bad header") }
        header = try JSONValue.parse(Array(bytes[8..<(8 + headerLength)]))
        data = bytes[(8 + headerLength)...]
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in header.objectValue ?? [:] {
            if key == "__metadata__" {
                for (name, text) in value.objectValue ?? [:] {
                    guard let string = text.stringValue else { throw Invalid(reason: "metadata \(name) is not a string") }
                    metadata[name] = string
                }
                continue
            }
            guard let dtype = value["dtype"]?.stringValue, let shape = value["shape"]?.arrayValue?.compactMap(\.intValue),
                  let offsets = value["data_offsets"]?.arrayValue?.compactMap(\.intValue), offsets.count == 2 else {
                throw Invalid(reason: "entry \(key) lacks dtype, shape or data_offsets")
            }
            let size = dtype == "F32" ? 4 : dtype == "I64" ? 8 : 0
            guard offsets[1] - offsets[0] == shape.reduce(1, *) * size else { throw Invalid(reason: "\(key): size") }
            entries[key] = Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }
        // The byte buffer is covered exactly, without holes or overlaps.
        var position = 0
        for entry in entries.values.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard entry.begin == position else { throw Invalid(reason: "hole or overlap at \(position)") }
            position = entry.end
        }
        guard position == data.count else { throw Invalid(reason: "\(data.count - position) bytes not indexed") }
        self.entries = entries
        self.metadata = metadata
    }

    func floats(_ name: String) -> [Float] {
        guard let entry = entries[name], entry.dtype == "F32" else { return [] }
        return stride(from: entry.begin, to: entry.end, by: 4).map { offset in
            let start = data.startIndex + offset
            let bits = (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[start + $1]) << (8 * UInt32($1)) }
            return Float(bitPattern: bits)
        }
    }

    func integers(_ name: String) -> [Int] {
        guard let entry = entries[name], entry.dtype == "I64" else { return [] }
        return stride(from: entry.begin, to: entry.end, by: 8).map { offset in
            let start = data.startIndex + offset
            return Int(Int64(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(data[start + $1]) << (8 * UInt64($1)) }))
        }
    }
}

final class SafetensorsFileTests: XCTestCase {
    func testRoundTripKeepsNamesShapesValuesAndMetadata() throws {
        var file = SafetensorsFile(metadata: ["architecture": "{\"body\": [1, 2]}", "note": "é \"quoted\"\n"])
        let weight: [Float] = (0..<24).map { Float($0) * 0.37 - 3 }
        file.append(.init(name: "stage1.conv.weight", shape: [2, 3, 2, 2], float32: weight))
        file.append(.init(name: "odd", shape: [3], float32: [.pi, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]))
        file.append(.init(name: "labels", shape: [3], int64: [0, 9, -1]))
        file.append(.init(name: "empty", shape: [0, 4], float32: []))
        let reader = try SafetensorsReader(file.encoded())
        XCTAssertEqual(reader.metadata, file.metadata)
        XCTAssertEqual(Set(reader.entries.keys), ["stage1.conv.weight", "odd", "labels", "empty"])
        XCTAssertEqual(reader.entries["stage1.conv.weight"]?.shape, [2, 3, 2, 2])
        XCTAssertEqual(reader.entries["empty"]?.shape, [0, 4])
        XCTAssertEqual(reader.floats("stage1.conv.weight"), weight)
        XCTAssertEqual(reader.floats("odd"), [.pi, -.greatestFiniteMagnitude, .leastNonzeroMagnitude])
        XCTAssertEqual(reader.integers("labels"), [0, 9, -1])
    }

    func testHeaderLengthIsLittleEndianAndTheDataStartsEightByteAligned() throws {
        for names in [["a"], ["ab"], ["abc", "d"], ["a.b.c.weight", "x", "yy", "zzz"]] {
            var file = SafetensorsFile()
            for name in names { file.append(.init(name: name, shape: [1], float32: [1])) }
            let bytes = file.encoded()
            let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
            XCTAssertEqual(8 + length + 4 * names.count, bytes.count, "\(names)")
            XCTAssertEqual(length % 8, 0, "\(names): header padded to a multiple of 8")
            XCTAssertEqual(bytes[8], UInt8(ascii: "{"), "\(names)")
            // Padding is spaces after the JSON's closing brace.
            let header = bytes[8..<(8 + length)]
            let close = header.lastIndex(of: UInt8(ascii: "}"))!
            XCTAssertTrue(header[(close + 1)...].allSatisfy { $0 == UInt8(ascii: " ") }, "\(names)")
        }
    }

    func testTensorsAreOrderedByAlignmentThenNameWithContiguousOffsets() throws {
        var file = SafetensorsFile()
        file.append(.init(name: "b", shape: [3], float32: [1, 2, 3]))
        file.append(.init(name: "a", shape: [1], float32: [4]))
        file.append(.init(name: "z", shape: [2], int64: [5, 6]))
        file.append(.init(name: "B", shape: [1], float32: [7]))
        XCTAssertEqual(file.tensorsInFileOrder.map(\.name), ["z", "B", "a", "b"])   // I64 first, then bytewise names
        let reader = try SafetensorsReader(file.encoded())
        XCTAssertEqual(reader.entries["z"], .init(dtype: "I64", shape: [2], begin: 0, end: 16))
        XCTAssertEqual(reader.entries["B"], .init(dtype: "F32", shape: [1], begin: 16, end: 20))
        XCTAssertEqual(reader.entries["a"], .init(dtype: "F32", shape: [1], begin: 20, end: 24))
        XCTAssertEqual(reader.entries["b"], .init(dtype: "F32", shape: [3], begin: 24, end: 36))
        // Header keys: the metadata (none here) and then the tensors in file order.
        XCTAssertEqual(reader.header.objectValue?.keys, ["z", "B", "a", "b"])
        // Values are little-endian IEEE floats: 4.0 is 00 00 80 40.
        let bytes = file.encoded()
        XCTAssertEqual(Array(bytes[(8 + reader.headerLength + 20)..<(8 + reader.headerLength + 24)]), [0, 0, 0x80, 0x40])
    }
}
