/// Naive twins of the convolution kernels: direct loops in Double, written from the
/// definitions. Test oracles only (slow).
///
/// Legend: `N` batch, `C` input channels, `O` output channels, `H`,`W` input size,
/// `k` kernel size, `K = k²` taps, `H_out`,`W_out` output size.
public enum ConvolutionReference {
    /// Direct convolution with zero padding.
    /// input [N, C, H, W], weight [O, C, k, k], bias [O] or nil → [N, O, H_out, W_out].
    public static func convolution(input: Tensor, weight: Tensor, bias: Tensor?,
                                   stride: Int, padding: Int) -> Tensor {
        similarity(input: input, weight: weight, bias: bias, stride: stride, padding: padding, mixing: nil)
    }

    /// Direct neural-similarity convolution:
    ///
    ///     y[n, o, i, j] = b[o] + Σ_c Σ_{t,p} w[o, c, t] · M(n, i, j)[t, p] · x_c(i, j)[p]
    ///
    /// with `mixing` [N, K·K, H_out, W_out] holding M(n, i, j) row-major (entry t·K + p);
    /// nil means M = I (plain convolution).
    public static func similarity(input: Tensor, weight: Tensor, bias: Tensor?,
                                  stride: Int, padding: Int, mixing: Tensor?) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4 && weight.shape[1] == input.shape[1]
                     && weight.shape[2] == weight.shape[3],
                     "reference convolution: input \(input.shape) does not match weight \(weight.shape)")
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (outChannels, k) = (weight.shape[0], weight.shape[2])
        let taps = k * k
        let outH = (height + 2 * padding - k) / stride + 1
        let outW = (width + 2 * padding - k) / stride + 1
        if let mixing {
            precondition(mixing.shape == [batch, taps * taps, outH, outW],
                         "reference similarity: mixing must be [\(batch), \(taps * taps), \(outH), \(outW)], got \(mixing.shape)")
        }
        var output = [Float](repeating: 0, count: batch * outChannels * outH * outW)
        let x = input.scalars, w = weight.scalars, m = mixing?.scalars, b = bias?.scalars
        var patch = [Double](repeating: 0, count: taps)
        for n in 0..<batch {
            for o in 0..<outChannels {
                for i in 0..<outH {
                    for j in 0..<outW {
                        var sum = Double(b?[o] ?? 0)
                        for c in 0..<channels {
                            for kh in 0..<k {
                                for kw in 0..<k {
                                    let ih = i * stride - padding + kh, iw = j * stride - padding + kw
                                    let inside = ih >= 0 && ih < height && iw >= 0 && iw < width
                                    patch[kh * k + kw] = inside ? Double(x[((n * channels + c) * height + ih) * width + iw]) : 0
                                }
                            }
                            for t in 0..<taps {
                                var mixed: Double = 0
                                if let m {
                                    // M(n, i, j)[t, p] = mixing[n, t·K + p, i, j]
                                    for p in 0..<taps {
                                        mixed += Double(m[((n * taps * taps + t * taps + p) * outH + i) * outW + j]) * patch[p]
                                    }
                                } else {
                                    mixed = patch[t]
                                }
                                sum += Double(w[(o * channels + c) * taps + t]) * mixed
                            }
                        }
                        output[((n * outChannels + o) * outH + i) * outW + j] = Float(sum)
                    }
                }
            }
        }
        return Tensor(shape: [batch, outChannels, outH, outW], scalars: output)
    }

    /// im2col from the definition: [N, C, H, W] → [N, C·K, L] (see `Im2col` for the layout).
    public static func columns(_ input: Tensor, geometry g: ConvolutionGeometry) -> Tensor {
        let batch = input.shape[0]
        var output = Tensor(shape: [batch, g.patchLength, g.positions])
        for n in 0..<batch {
            for c in 0..<g.channels {
                for kh in 0..<g.kernel {
                    for kw in 0..<g.kernel {
                        for oh in 0..<g.outputHeight {
                            for ow in 0..<g.outputWidth {
                                let ih = oh * g.stride - g.padding + kh, iw = ow * g.stride - g.padding + kw
                                let inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width
                                output[n, (c * g.kernel + kh) * g.kernel + kw, oh * g.outputWidth + ow] =
                                    inside ? input[n, c, ih, iw] : 0
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
