import CZlib

/// CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320), computed by zlib's `crc32`.
///
/// `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926` (the standard check value).
public struct CRC32: Sendable {
    public private(set) var value: UInt32 = 0

    public init() {}

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return }
        var remaining = bytes.count
        var crc = uLong(value)
        // zlib takes a 32-bit length: feed larger buffers in pieces.
        while remaining > 0 {
            let piece = min(remaining, Int(UInt32.max / 2))
            crc = crc32(crc, base, uInt(piece))
            base += piece
            remaining -= piece
        }
        value = UInt32(truncatingIfNeeded: crc)
    }

    /// Bitwise reference (the test oracle for zlib's version).
    public static func naive(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = (c >> 1) ^ (c & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~c
    }
}
