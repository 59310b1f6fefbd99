import Foundation

/// Mean, sample standard deviation and the two-sided paired t-test, as `scipy.stats`
/// computes them (`numpy.std(ddof=1)`, `ttest_rel`), with Student's t distribution
/// evaluated through the regularized incomplete beta function — no SciPy at run time.
public enum Statistics {
    /// Mean, sample standard deviation (n − 1 in the denominator; nil for fewer than two
    /// values) and count of `values`; nil when there are none.
    public struct Summary: Equatable, Sendable {
        public var mean: Double
        public var standardDeviation: Double?
        public var count: Int
    }

    public static func summary(_ values: [Double]) -> Summary? {
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count >= 2 else { return Summary(mean: mean, standardDeviation: nil, count: 1) }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return Summary(mean: mean, standardDeviation: (squares / Double(values.count - 1)).squareRoot(),
                       count: values.count)
    }

    /// The paired t-test of `treatment` against `control` (equal lengths, paired by index):
    /// the mean of the differences treatment − control, t and its two-sided p value with
    /// n − 1 degrees of freedom (`scipy.stats.ttest_rel(treatment, control)`).
    public struct PairedTest: Equatable, Sendable {
        public var meanDifference: Double
        public var pairs: Int
        /// nil with fewer than two pairs, or when every difference is the same (t = ±∞ or 0/0).
        public var t: Double?
        /// nil with fewer than two pairs, or when all differences are 0 (no test to make);
        /// 0 when every difference is the same non-zero number.
        public var p: Double?
    }

    public static func pairedTest(_ treatment: [Double], _ control: [Double]) -> PairedTest? {
        precondition(treatment.count == control.count,
                     "pairedTest needs paired samples, got \(treatment.count) and \(control.count) values")
        let differences = zip(treatment, control).map { $0 - $1 }
        guard let summary = summary(differences) else { return nil }
        var test = PairedTest(meanDifference: summary.mean, pairs: differences.count, t: nil, p: nil)
        guard let sd = summary.standardDeviation else { return test }
        if sd == 0 {
            if summary.mean != 0 { test.p = 0 }
            return test
        }
        let t = summary.mean / (sd / Double(differences.count).squareRoot())
        test.t = t
        test.p = twoSidedP(t: t, degreesOfFreedom: Double(differences.count - 1))
        return test
    }

    /// P(|T| ≥ |t|) for Student's t with ν degrees of freedom: I_{ν/(ν+t²)}(ν/2, 1/2).
    public static func twoSidedP(t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be > 0, got \(nu)")
        guard t.isFinite else { return t.isNaN ? .nan : 0 }
        return min(1, regularizedIncompleteBeta(a: nu / 2, b: 0.5, x: nu / (nu + t * t)))
    }

    /// I_x(a, b), the regularized incomplete beta function, by its continued fraction
    /// (modified Lentz), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) where it converges faster.
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        precondition(a > 0 && b > 0, "incomplete beta needs a, b > 0, got a = \(a), b = \(b)")
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(a: b, b: a, x: 1 - x) / b
    }

    private static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            // Even step.
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step.
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}
