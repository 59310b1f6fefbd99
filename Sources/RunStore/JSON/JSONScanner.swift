import Foundation

/// A JSON syntax error with the byte offset where it was noticed.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    public let message: String
    public var description: String { "JSON syntax error at byte \(offset): \(message)" }
}

/// A forward-only scanner over UTF-8 JSON bytes.
///
/// The general parser (`parseValue`) builds `JSONValue`s with ordered objects; the metrics
/// line parser uses the primitives directly so known keys cost no allocation.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, start: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
    }

    func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: position, message: message) }

    var isAtEnd: Bool { position >= end }

    mutating func skipWhitespace() {
        while position < end {
            let b = bytes[position]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 } else { break }
        }
    }

    /// The next non-whitespace byte, not consumed.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < end ? bytes[position] : nil
    }

    mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    /// Consumes `literal` (e.g. "true") if it is next.
    mutating func consume(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= end else { return false }
        let p = literal.utf8Start
        for i in 0..<count where bytes[position + i] != p[i] { return false }
        position += count
        return true
    }

    /// Scans a string without decoding it: the range of its raw bytes (between the quotes)
    /// and whether it contains escapes. The scanner stands after the closing quote.
    mutating func scanRawString() throws -> (range: Range<Int>, hasEscapes: Bool) {
        try expect(UInt8(ascii: "\""))
        let start = position
        var hasEscapes = false
        while position < end {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                defer { position += 1 }
                return (start..<position, hasEscapes)
            }
            if b == UInt8(ascii: "\\") { hasEscapes = true; position += 2; continue }
            if b < 0x20 { throw error("control character in string") }
            position += 1
        }
        throw error("unterminated string")
    }

    /// Decodes the raw bytes of a string (escapes included) into a Swift `String`.
    func decodeString(_ range: Range<Int>, hasEscapes: Bool) throws -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[range])
        if !hasEscapes { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = range.lowerBound
        var pendingHighSurrogate: UInt32? = nil
        func appendScalar(_ value: UInt32, _ out: inout [UInt8]) {
            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
            out.append(contentsOf: String(Character(scalar)).utf8)
        }
        while i < range.upperBound {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < range.upperBound else { throw JSONSyntaxError(offset: i, message: "bad escape") }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard i + 4 <= range.upperBound,
                      let code = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<i + 4]), as: UTF8.self), radix: 16)
                else { throw JSONSyntaxError(offset: i, message: "bad \\u escape") }
                i += 4
                if (0xD800..<0xDC00).contains(code) { pendingHighSurrogate = code; continue }
                if (0xDC00..<0xE000).contains(code), let high = pendingHighSurrogate {
                    appendScalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00), &out)
                } else {
                    appendScalar(code, &out)
                }
            default: throw JSONSyntaxError(offset: i - 1, message: "bad escape")
            }
            pendingHighSurrogate = nil
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseString() throws -> String {
        let (range, escapes) = try scanRawString()
        return try decodeString(range, hasEscapes: escapes)
    }

    /// Parses a JSON number. Short decimals take an exact fast path (at most 15 significant
    /// digits and a power of ten up to 22, so one correctly rounded division); others go
    /// through `strtod`.
    mutating func parseNumber() throws -> Double {
        skipWhitespace()
        let start = position
        var negative = false
        if position < end, bytes[position] == UInt8(ascii: "-") { negative = true; position += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawDigit = false
        while position < end, bytes[position] &- 0x30 < 10 {
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[position] &- 0x30) }
            if mantissa != 0 { digits += 1 }
            position += 1
            sawDigit = true
        }
        if position < end, bytes[position] == UInt8(ascii: ".") {
            position += 1
            while position < end, bytes[position] &- 0x30 < 10 {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[position] &- 0x30) }
                if mantissa != 0 { digits += 1 }
                fractionDigits += 1
                position += 1
                sawDigit = true
            }
        }
        guard sawDigit else { position = start; throw error("expected a number") }
        var hasExponent = false
        if position < end, bytes[position] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            position += 1
            if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            let exponentStart = position
            while position < end, bytes[position] &- 0x30 < 10 { position += 1 }
            guard position > exponentStart else { throw error("bad exponent") }
        }
        if !hasExponent && digits <= 15 && fractionDigits <= 22 {
            let value = fractionDigits == 0 ? Double(mantissa) : Double(mantissa) / JSONScanner.powersOfTen[fractionDigits]
            return negative ? -value : value
        }
        #if arch(x86_64)
        // 16 to 19 significant digits (a Float widened to Double prints 17): divide in
        // 64-bit-mantissa extended precision, exact unless the quotient sits next to a
        // midpoint between two Doubles, where rounding twice could differ from once.
        if !hasExponent && digits <= 19 && fractionDigits <= 27 {
            let q = Float80(mantissa) / JSONScanner.extendedPowersOfTen[fractionDigits]
            let lowBits = q.significandBitPattern & 0x7FF
            if lowBits < 0x3FF || lowBits > 0x401 {
                let value = Double(q)
                return negative ? -value : value
            }
        }
        #endif
        return try slowNumber(start..<position)
    }

    private static let powersOfTen: [Double] = (0...22).map { pow(10.0, Double($0)) }
    #if arch(x86_64)
    private static let extendedPowersOfTen: [Float80] = {
        var powers: [Float80] = [1]
        for _ in 1...27 { powers.append(powers.last! * 10) }  // exact: 5^27 < 2^64
        return powers
    }()
    #endif

    private func slowNumber(_ range: Range<Int>) throws -> Double {
        guard range.count < 64 else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            guard let v = Double(text) else { throw JSONSyntaxError(offset: range.lowerBound, message: "bad number") }
            return v
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            for (k, i) in range.enumerated() { buffer[k] = CChar(bitPattern: bytes[i]) }
            buffer[range.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// Skips any value (used for members a reader does not know).
    mutating func skipValue() throws {
        switch peek() {
        case UInt8(ascii: "\""): _ = try scanRawString()
        case UInt8(ascii: "{"), UInt8(ascii: "["): _ = try parseValue()
        case UInt8(ascii: "t"): if !consume("true") { throw error("bad literal") }
        case UInt8(ascii: "f"): if !consume("false") { throw error("bad literal") }
        case UInt8(ascii: "n"): if !consume("null") { throw error("bad literal") }
        case .some: _ = try parseNumber()
        case .none: throw error("unexpected end of input")
        }
    }

    mutating func parseValue(depth: Int = 0) throws -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        switch peek() {
        case UInt8(ascii: "{"):
            position += 1
            var object = JSONObject()
            if peek() == UInt8(ascii: "}") { position += 1; return .object(object) }
            while true {
                let key = try parseString()
                try expect(UInt8(ascii: ":"))
                object[key] = try parseValue(depth: depth + 1)
                switch peek() {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(object)
                default: throw error("expected ',' or '}' in object")
                }
            }
        case UInt8(ascii: "["):
            position += 1
            var values: [JSONValue] = []
            if peek() == UInt8(ascii: "]") { position += 1; return .array(values) }
            while true {
                values.append(try parseValue(depth: depth + 1))
                switch peek() {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(values)
                default: throw error("expected ',' or ']' in array")
                }
            }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): if consume("true") { return .bool(true) }; throw error("bad literal")
        case UInt8(ascii: "f"): if consume("false") { return .bool(false) }; throw error("bad literal")
        case UInt8(ascii: "n"): if consume("null") { return .null }; throw error("bad literal")
        case .some: return .number(try parseNumber())
        case .none: throw error("unexpected end of input")
        }
    }
}

extension JSONValue {
    /// Parses one JSON document (objects keep their key order). Trailing non-space is an error.
    public static func parse<Bytes: Collection>(_ data: Bytes) throws -> JSONValue where Bytes.Element == UInt8 {
        let array = Array(data)
        return try array.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            let value = try scanner.parseValue()
            if scanner.peek() != nil { throw scanner.error("unexpected text after the JSON value") }
            return value
        }
    }

    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }
}
