import Foundation

/// Fast ISO-8601 UTC timestamps: `2026-11-22T12:00:00Z`, optionally with milliseconds
/// (`2026-11-22T12:00:00.250Z`). Parsing also accepts any fraction length and `±HH:MM` offsets.
///
/// Hand-written because metrics files hold one timestamp per line and a million lines must
/// load in well under a second (`simlab bench metrics`: parsing 12× faster than
/// `Date.ISO8601FormatStyle`), and because Foundation's formatter truncates the binary
/// fraction: the time parsed from `…00.123Z` formats back as `…00.122Z`; this one
/// round-trips every millisecond.
public enum ISOTime {
    /// Formats `date` in UTC; `milliseconds` adds a three-digit fraction.
    public static func format(_ date: Date, milliseconds: Bool = false) -> String {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = totalMilliseconds / 1000
        var millis = totalMilliseconds % 1000
        if millis < 0 { millis += 1000; seconds -= 1 }
        if !milliseconds { millis = 0 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        // Written into the string's own storage: no intermediate arrays (this runs once per
        // metrics line, and is what `simlab bench metrics` times).
        return String(unsafeUninitializedCapacity: 24) { out in
            var at = 0
            func put(_ value: Int64, _ width: Int) {
                var v = value
                for i in stride(from: at + width - 1, through: at, by: -1) { out[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10 }
                at += width
            }
            func put(_ ascii: Unicode.Scalar) { out[at] = UInt8(ascii: ascii); at += 1 }
            put(year, 4); put("-"); put(month, 2); put("-"); put(day, 2); put("T")
            put(secondOfDay / 3600, 2); put(":"); put(secondOfDay / 60 % 60, 2); put(":"); put(secondOfDay % 60, 2)
            if milliseconds { put("."); put(millis, 3) }
            put("Z")
            return at
        }
    }

    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(UnsafeBufferPointer(rebasing: $0[...])) }
    }

    /// Parses the bytes of a timestamp; nil when they are not one.
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Date? {
        let n = b.count
        guard n >= 20 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            var v: Int64 = 0
            for i in from..<from + count {
                let d = b[i] &- 0x30
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] | 0x20 == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < n, b[i] &- 0x30 < 10 { fraction += Double(b[i] &- 0x30) * scale; scale *= 0.1; i += 1 }
            guard i > start else { return nil }
        }
        var offsetSeconds: Int64 = 0
        guard i < n else { return nil }
        if b[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 6 <= n, b[i + 3] == UInt8(ascii: ":"),
                  let oh = number(i + 1, 2), let om = number(i + 4, 2) else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
