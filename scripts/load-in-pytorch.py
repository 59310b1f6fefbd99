#!/usr/bin/env python3
"""Load a model exported by `simlab export-model` into PyTorch and evaluate it on the test set.

    python3 scripts/load-in-pytorch.py model.safetensors --data DIR [--compare logits.safetensors]

The network is rebuilt from torch.nn layers following the layer list in the file's metadata
(`architecture`), so any simlab model made of the known layer types loads without code of
its own: Conv2D, SimilarityConv2D (every variant; the dynamic variants' meta-network and tap
mixing written with torch ops; a kernel shape's tap mask `shape_mask` applied as M·D),
BatchNorm2D, MaxPool2D, GlobalAveragePool, ReLU, Linear.
The tensors load with `load_state_dict(strict=True)`. Test images are normalised per channel
with the training statistics in the metadata (`normalization`).

With --compare FILE (written by `simlab predict`), PyTorch's logits on the same first N test
images are checked against simlab's: max |Δlogit| <= 1e-3 and identical predictions on at least
99.9 % of the images, else the exit status is 1.

Needs torch, numpy and safetensors (e.g. pip install torch==2.13.0+cpu safetensors numpy).
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

MAX_LOGIT_DIFFERENCE = 1e-3
MIN_AGREEMENT = 0.999


# ---------------------------------------------------------------------------------------------
# Layers


class BatchNorm(nn.BatchNorm2d):
    """BatchNorm over the channels of [N, C, H, W] or [N, C] (simlab's BatchNorm2D takes both)."""

    def _check_input_dim(self, x):
        if x.dim() not in (2, 4):
            raise ValueError(f"BatchNorm expects [N, C] or [N, C, H, W], got {tuple(x.shape)}")


class PatchNormConv(nn.Module):
    """Bias-free convolution divided by the norm of the patch it saw: y = (W ⋆ x) / √(Σ patch² + ε)."""

    def __init__(self, spec):
        super().__init__()
        k = spec["kernel_size"]
        self.weight = nn.Parameter(torch.empty(spec["out_channels"], spec["in_channels"], k, k))
        self.kernel_size, self.stride, self.padding = k, spec["stride"], spec["padding"]
        self.epsilon = spec["epsilon"]

    def forward(self, x):
        u = F.conv2d(x, self.weight, stride=self.stride, padding=self.padding)
        patches = F.unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)  # [N, C·K, L]
        r = torch.rsqrt(patches.pow(2).sum(1) + self.epsilon)  # [N, L]
        return u * r.view(x.shape[0], 1, u.shape[2], u.shape[3])


class MetaNetwork(nn.Module):
    """g(x): PatchNormConv → BN-ReLU → conv 3×3 → BN; [N, C, H, W] → [N, G, H_out, W_out]."""

    def __init__(self, spec):
        super().__init__()
        self.patch_norm = spec["patch_norm_conv"]
        self.hidden_spec, self.projection_spec, self.output_spec = spec["hidden_norm"], spec["projection"], spec["output_norm"]

    def build(self, register):
        # The parts are registered under their own exported names (e.g. "….meta.patchNormConv").
        self.parts = [
            register(self.patch_norm["name"], PatchNormConv(self.patch_norm)),
            register(self.hidden_spec["name"], make_batch_norm(self.hidden_spec)),
            nn.ReLU() if self.hidden_spec["relu"] else nn.Identity(),
            register(self.projection_spec["name"], make_conv(self.projection_spec)),
            register(self.output_spec["name"], make_batch_norm(self.output_spec)),
        ]
        if self.output_spec["relu"]:
            self.parts.append(nn.ReLU())

    def forward(self, x):
        for part in self.parts:
            x = part(x)
        return x


class SimilarityConv2d(nn.Module):
    """y_o(i,j) = b_o + Σ_c w_{o,c}ᵀ · M · x_c(i,j), M per layer (static) or per image and position (dynamic).

    Taps t, p index the k×k kernel in row-major order (K = k²): static-full `mixing` is M [K, K],
    static-diag `mixing` is m [K] (M = diag(m)), conv has M = I; dynamic-full M = I + g (entry
    t·K + p of g's K² channels), dynamic-diag M = diag(1 + g) (g has K channels).
    A kernel shape (`kernel_shape` cross or learned:N) multiplies M by D = diag(d), d the 0/1 tap
    mask `shape_mask` [K]: column p of M·D is M's column p times d_p, in every variant.
    """

    def __init__(self, spec):
        super().__init__()
        k, o, c = spec["kernel_size"], spec["out_channels"], spec["in_channels"]
        self.variant, self.kernel_size = spec["variant"], k
        self.stride, self.padding = spec["stride"], spec["padding"]
        self.weight = nn.Parameter(torch.empty(o, c, k, k))
        self.bias = nn.Parameter(torch.empty(o)) if spec["bias"] else None
        taps = k * k
        if self.variant == "static-full":
            self.mixing = nn.Parameter(torch.empty(taps, taps))
        elif self.variant == "static-diag":
            self.mixing = nn.Parameter(torch.empty(taps))
        elif self.variant not in ("conv", "dynamic-full", "dynamic-diag"):
            raise ValueError(f"unknown similarity variant {self.variant!r}")
        self.kernel_shape = spec.get("kernel_shape", "full")
        if self.kernel_shape != "full":
            self.register_buffer("shape_mask", torch.empty(taps))  # d [K], loaded from NAME.shape_mask
        self.meta_network = None  # set by the builder for the dynamic variants (its parts are registered by name)
        self.largest_deviation = 0.0  # dynamic variants: max |M − I| = max |g| seen so far

    def forward(self, x):
        if self.meta_network is None:
            return F.conv2d(x, self.effective_weight(), self.bias, stride=self.stride, padding=self.padding)
        n, o, taps = x.shape[0], self.weight.shape[0], self.kernel_size ** 2
        g = self.meta_network(x)  # [N, G, H_out, W_out]
        self.largest_deviation = max(self.largest_deviation, float(g.abs().max()))
        h_out, w_out = g.shape[2], g.shape[3]
        patches = F.unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)  # [N, C·K, L]
        patches = patches.view(n, -1, taps, h_out * w_out)  # [N, C, K, L]
        if self.variant == "dynamic-diag":
            mixing = 1 + g.view(n, 1, taps, -1)  # diag(1 + g): a per-tap scale
            if self.kernel_shape != "full":
                mixing = mixing * self.shape_mask.view(1, 1, taps, 1)  # diag(1 + g)·D
            mixed = patches * mixing
        else:
            identity = torch.eye(taps, dtype=x.dtype).view(1, taps, taps, 1)
            mixing = identity + g.view(n, taps, taps, -1)  # M[n, t, p, l]
            if self.kernel_shape != "full":
                mixing = mixing * self.shape_mask.view(1, 1, taps, 1)  # M·D: column p times d_p
            mixed = torch.einsum("ntpl,ncpl->nctl", mixing, patches)  # P'[c, t] = Σ_p M[t, p]·P[c, p]
        y = self.weight.view(o, -1) @ mixed.reshape(n, -1, h_out * w_out)  # [N, O, L]
        if self.bias is not None:
            y = y + self.bias.view(1, o, 1)
        return y.view(n, o, h_out, w_out)

    def effective_weight(self):
        """W_eff[o, c, p] = Σ_t W[o, c, t]·M[t, p]·d_p (the folded kernel; d = 1 without a shape)."""
        o, c, k, _ = self.weight.shape
        if self.variant == "conv":
            weight = self.weight
        else:
            matrix = torch.diag(self.mixing) if self.variant == "static-diag" else self.mixing
            weight = (self.weight.reshape(o * c, k * k) @ matrix).view(o, c, k, k)
        if self.kernel_shape != "full":
            weight = weight * self.shape_mask.view(1, 1, k, k)
        return weight


class GlobalAveragePool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


class Flatten(nn.Module):
    def forward(self, x):
        return x.flatten(1)


def make_conv(spec):
    k = spec["kernel_size"]
    return nn.Conv2d(spec["in_channels"], spec["out_channels"], k, stride=spec["stride"],
                     padding=spec["padding"], bias=spec["bias"])


def make_batch_norm(spec):
    return BatchNorm(spec["channels"], eps=spec["epsilon"])


class SimlabNetwork(nn.Module):
    """The exported network: body layers in order, then the linear head.

    Modules sit at the exported names (dots become nesting), so the file's tensor names are
    this module's state_dict keys.
    """

    def __init__(self, architecture):
        super().__init__()
        self.steps = []
        for spec in architecture["body"] + [architecture["head"]]:
            self.steps.extend(self.layer(spec))

    def register(self, dotted, module):
        parent = self
        *path, last = dotted.split(".")
        for part in path:
            if not hasattr(parent, part):
                parent.add_module(part, nn.Module())
            parent = getattr(parent, part)
        parent.add_module(last, module)
        return module

    def layer(self, spec):
        kind = spec["type"]
        if kind == "conv2d":
            return [self.register(spec["name"], make_conv(spec))]
        if kind == "similarity_conv2d":
            layer = self.register(spec["name"], SimilarityConv2d(spec))
            if "meta" in spec:
                meta = MetaNetwork(spec["meta"])
                meta.build(self.register)
                object.__setattr__(layer, "meta_network", meta)  # not a submodule: its parts are registered by name
            return [layer]
        if kind == "batchnorm2d":
            norm = self.register(spec["name"], make_batch_norm(spec))
            return [norm, nn.ReLU()] if spec["relu"] else [norm]
        if kind == "maxpool2d":
            pool = nn.MaxPool2d(spec["kernel_size"], spec["stride"])
            return [nn.ReLU(), pool] if spec["relu_before"] else [pool]
        if kind == "global_average_pool":
            return [GlobalAveragePool()]
        if kind == "relu":
            return [nn.ReLU()]
        if kind == "linear":
            return [Flatten(), self.register(spec["name"], nn.Linear(spec["in_features"], spec["out_features"]))]
        raise ValueError(f"unknown layer type {kind!r} in the file's architecture")

    def forward(self, x):
        for step in self.steps:
            x = step(x)
        return x


# ---------------------------------------------------------------------------------------------
# Test sets: each reader returns (images uint8 [N, C, H, W], labels int64 [N]) or None when
# the directory is not in its format. A new format (e.g. CIFAR) is one more reader in READERS.


def open_maybe_gzip(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(path, "rb") as handle:
                return path, handle.read()
    return None, None


def read_idx(path, data, magic):
    if len(data) < 8 or struct.unpack(">I", data[:4])[0] != magic:
        sys.exit(f"{path}: not an IDX file with magic {magic:#010x}")
    dimensions = data[3]
    shape = struct.unpack(">" + "I" * dimensions, data[4:4 + 4 * dimensions])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions)
    if body.size != int(np.prod(shape)):
        sys.exit(f"{path}: expected {int(np.prod(shape))} bytes of data for shape {shape}, found {body.size}")
    return body.reshape(shape)


def read_idx_test_set(directory):
    images_path, images = open_maybe_gzip(directory, "t10k-images-idx3-ubyte")
    labels_path, labels = open_maybe_gzip(directory, "t10k-labels-idx1-ubyte")
    if images is None or labels is None:
        return None
    pixels = read_idx(images_path, images, 0x00000803)
    labels = read_idx(labels_path, labels, 0x00000801).astype(np.int64)
    if len(pixels) != len(labels):
        sys.exit(f"{images_path} has {len(pixels)} images but {labels_path} has {len(labels)} labels")
    return pixels[:, None, :, :], labels  # one channel


READERS = [("IDX (MNIST family)", read_idx_test_set)]


def load_test_set(directory):
    for _, reader in READERS:
        found = reader(directory)
        if found is not None:
            return found
    formats = ", ".join(name for name, _ in READERS)
    sys.exit(f"--data {directory}: no test set found (looked for: {formats}, e.g. t10k-images-idx3-ubyte[.gz])")


def normalise(pixels, normalization):
    mean = torch.tensor(normalization["mean"], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(normalization["std"], dtype=torch.float32).view(1, -1, 1, 1)
    return (torch.from_numpy(pixels.astype(np.float32)) / 255 - mean) / std


# ---------------------------------------------------------------------------------------------


def read_model(path):
    with safe_open(path, framework="pt") as handle:
        metadata = handle.metadata() or {}
    if not metadata.get("format", "").startswith("simlab-model/"):
        sys.exit(f"{path}: not a model written by simlab export-model (metadata format {metadata.get('format')!r})")
    architecture = json.loads(metadata["architecture"])
    network = SimlabNetwork(architecture)
    network.load_state_dict(load_file(path), strict=True)
    network.eval()
    return network, architecture, json.loads(metadata["normalization"]), metadata


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .safetensors file written by simlab export-model")
    parser.add_argument("--data", required=True, help="the dataset directory (its test split is evaluated)")
    parser.add_argument("--compare", help="logits written by simlab predict, checked against PyTorch's")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    arguments = parser.parse_args()
    if arguments.threads > 0:
        torch.set_num_threads(arguments.threads)

    network, architecture, normalization, metadata = read_model(arguments.model)
    pixels, labels = load_test_set(arguments.data)
    expected = architecture["input"]
    if pixels.shape[1:] != (expected["channels"], expected["height"], expected["width"]):
        sys.exit(f"--data {arguments.data}: test images are {pixels.shape[1:]}, the model expects "
                 f"({expected['channels']}, {expected['height']}, {expected['width']})")
    reference = None
    if arguments.compare:
        with safe_open(arguments.compare, framework="pt") as handle:
            reference = {name: handle.get_tensor(name) for name in handle.keys()}
        count = reference["logits"].shape[0]
        pixels, labels = pixels[:count], labels[:count]
        if not np.array_equal(reference["labels"].numpy(), labels):
            sys.exit(f"{arguments.compare}: its labels are not those of the first {count} test images of {arguments.data}")

    outputs = []
    with torch.no_grad():
        for start in range(0, len(pixels), arguments.batch):
            outputs.append(network(normalise(pixels[start:start + arguments.batch], normalization)))
    logits = torch.cat(outputs)
    predictions = logits.argmax(1).numpy()
    accuracy = float((predictions == labels).mean())
    label = metadata.get("label", "?") + (" (folded)" if metadata.get("folded") == "true" else "")
    print(f"{label}: PyTorch test accuracy {accuracy:.4f} on {len(labels)} images")
    dynamic = [m for m in network.modules() if isinstance(m, SimilarityConv2d) and m.meta_network is not None]
    if dynamic:
        # How far the dynamic M strays from I: a comparison only tests the mixing if this is not tiny.
        print(f"{label}: dynamic M, max |M − I| per layer: " + " ".join(f"{m.largest_deviation:.3g}" for m in dynamic))
    if reference is None:
        return 0

    difference = float((logits - reference["logits"]).abs().max())
    agreement = float((predictions == reference["logits"].argmax(1).numpy()).mean())
    passed = difference <= MAX_LOGIT_DIFFERENCE and agreement >= MIN_AGREEMENT
    print(f"{label}: max |Δlogit| {difference:.3g} (limit {MAX_LOGIT_DIFFERENCE:g}), identical predictions "
          f"{agreement:.2%} (need {MIN_AGREEMENT:.1%}) -> {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
