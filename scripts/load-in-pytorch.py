#!/usr/bin/env python3
"""Load a model exported by `simlab export-model` into PyTorch and evaluate it on the test set.

    python3 scripts/load-in-pytorch.py model.safetensors --data DIR [--compare logits.safetensors]

The network is rebuilt from torch.nn layers following the layer list in the file's metadata
(`architecture`), so any simlab model made of the known layer types loads without code of
its own: Conv2D, SimilarityConv2D (every variant; the dynamic variants' meta-network and tap
mixing written with torch ops; a kernel shape's tap mask `shape_mask` applied as M·D),
BatchNorm2D, MaxPool2D, GlobalAveragePool, ReLU, Linear — nsn-lite, nsl-cnn9 and small-cnn
alike. The tensors load with `load_state_dict(strict=True)`. The test set is read from IDX
files, CIFAR-10/100 binary batches or PNG class folders (the formats simlab reads, recognised
in simlab's order) and normalised per channel with the training statistics in the metadata
(`normalization`).

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
# Test sets: each reader takes (directory, metadata) and returns (images uint8 [N, C, H, W],
# labels int64 [N]) or None when the directory is not in its format. READERS is in simlab's
# order of recognition (IDX, CIFAR-10, CIFAR-100, PNG class folders); a new format is one
# more reader there.


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


def read_idx_test_set(directory, metadata):
    images_path, images = open_maybe_gzip(directory, "t10k-images-idx3-ubyte")
    labels_path, labels = open_maybe_gzip(directory, "t10k-labels-idx1-ubyte")
    if images is None or labels is None:
        return None
    pixels = read_idx(images_path, images, 0x00000803)
    labels = read_idx(labels_path, labels, 0x00000801).astype(np.int64)
    if len(pixels) != len(labels):
        sys.exit(f"{images_path} has {len(pixels)} images but {labels_path} has {len(labels)} labels")
    return pixels[:, None, :, :], labels  # one channel


CIFAR10_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
CIFAR100_FILES = ["train.bin", "test.bin"]


def read_cifar_records(path, label_bytes, label_index):
    """Records of `label_bytes` label bytes, then 3,072 pixels: the 32×32 red, green, blue planes."""
    if not os.path.exists(path):
        sys.exit(f"{path}: missing (the CIFAR test batch)")
    with open(path, "rb") as handle:
        data = np.frombuffer(handle.read(), dtype=np.uint8)
    record = label_bytes + 3 * 32 * 32
    if data.size == 0 or data.size % record:
        sys.exit(f"{path}: {data.size} bytes is not a whole number of {record}-byte records")
    records = data.reshape(-1, record)
    return records[:, label_bytes:].reshape(-1, 3, 32, 32), records[:, label_index].astype(np.int64)


def read_cifar10_test_set(directory, metadata):
    if not any(os.path.exists(os.path.join(directory, name)) for name in CIFAR10_FILES):
        return None
    return read_cifar_records(os.path.join(directory, "test_batch.bin"), 1, 0)


def read_cifar100_test_set(directory, metadata):
    if not any(os.path.exists(os.path.join(directory, name)) for name in CIFAR100_FILES):
        return None
    # The label the run trained on (its config.json's `label`): byte 0 coarse, byte 1 fine.
    label = json.loads(metadata.get("config") or "{}").get("label", "fine")
    if label not in ("fine", "coarse"):
        sys.exit(f"the model's config has CIFAR-100 label {label!r}, expected fine or coarse")
    return read_cifar_records(os.path.join(directory, "test.bin"), 2, 1 if label == "fine" else 0)


def decode_png(path):
    """An 8-bit grey, RGB or palette PNG (not interlaced) → uint8 [H, W, channels], by zlib alone.

    Alpha, 16-bit samples and Adam7 are refused: simlab decodes those through libpng, which
    converts them (alpha composited onto black in linear light) in ways this reader does not copy.
    """
    import zlib
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    offset, chunks, header, palette = 8, [], None, None
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            sys.exit(f"{path}: a PNG with transparency (tRNS); this reader decodes 8-bit grey, RGB and palette PNGs without alpha")
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        sys.exit(f"{path}: a PNG without an IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 3: 1}.get(colour)
    if depth != 8 or channels is None or interlace != 0 or (colour == 3 and palette is None):
        sys.exit(f"{path}: PNG bit depth {depth}, colour type {colour}, interlace {interlace}; this reader "
                 "decodes 8-bit grey, RGB and palette PNGs without alpha, not interlaced")
    try:
        raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8)
    except zlib.error as error:
        sys.exit(f"{path}: cannot decode as PNG: {error}")
    stride = width * channels
    if raw.size != height * (stride + 1):
        sys.exit(f"{path}: cannot decode as PNG: {raw.size} bytes of image data for {width}x{height}")
    rows = raw.reshape(height, stride + 1).astype(np.int32)
    image = np.zeros((height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            current = line
        elif kind == 1:  # Sub: a running sum along each channel
            current = (np.cumsum(line.reshape(width, channels), axis=0) & 0xFF).reshape(stride)
        elif kind == 2:  # Up
            current = (line + previous) & 0xFF
        elif kind in (3, 4):  # Average, Paeth depend on the bytes just decoded: one at a time
            current = line.copy()
            for i in range(stride):
                left = current[i - channels] if i >= channels else 0
                up, corner = previous[i], previous[i - channels] if i >= channels else 0
                if kind == 3:
                    predictor = (left + up) >> 1
                else:
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                current[i] = (current[i] + predictor) & 0xFF
        else:
            sys.exit(f"{path}: cannot decode as PNG: filter type {kind} in row {y}")
        image[y], previous = current, current
    pixels = image.astype(np.uint8).reshape(height, width, channels)
    return palette[pixels[:, :, 0]] if colour == 3 else pixels


def read_image_folder_test_set(directory, metadata):
    """test/CLASS/*.png in sorted order (hidden entries and other files ignored), labelled by the
    position of CLASS in the model's class names (simlab's sorted training folders)."""
    test = os.path.join(directory, "test")
    if not (os.path.isdir(test) or os.path.isdir(os.path.join(directory, "train"))):
        return None
    if not os.path.isdir(test):
        sys.exit(f"{test}: missing (an image folder dataset needs test/CLASS/*.png)")
    class_names = json.loads(metadata.get("class_names") or "[]")
    channels = json.loads(metadata["architecture"])["input"]["channels"]
    images, labels = [], []
    for name in sorted(entry for entry in os.listdir(test) if not entry.startswith(".")):
        folder = os.path.join(test, name)
        if not os.path.isdir(folder):
            continue
        if name not in class_names:
            sys.exit(f"{folder}: test class {name!r} is not one of the model's classes ({', '.join(class_names)})")
        for file in sorted(f for f in os.listdir(folder) if not f.startswith(".") and f.lower().endswith(".png")):
            pixels = decode_png(os.path.join(folder, file))
            if pixels.shape[2] == 1 and channels == 3:
                pixels = np.repeat(pixels, 3, axis=2)  # a grey image in an RGB dataset: R = G = B
            elif pixels.shape[2] != channels:
                sys.exit(f"{os.path.join(folder, file)}: a colour image, but the model takes {channels} channel(s)")
            images.append(pixels.transpose(2, 0, 1))
            labels.append(class_names.index(name))
    if not images:
        sys.exit(f"{test}: no .png images in test/CLASS/")
    if len({image.shape for image in images}) != 1:
        sys.exit(f"{test}: the images do not all have one size")
    return np.stack(images), np.array(labels, dtype=np.int64)


READERS = [
    ("IDX (MNIST family): t10k-images-idx3-ubyte[.gz]", read_idx_test_set),
    ("CIFAR-10: test_batch.bin", read_cifar10_test_set),
    ("CIFAR-100: test.bin", read_cifar100_test_set),
    ("PNG class folders: test/CLASS/*.png", read_image_folder_test_set),
]


def load_test_set(directory, metadata):
    for _, reader in READERS:
        found = reader(directory, metadata)
        if found is not None:
            return found
    formats = "; ".join(name for name, _ in READERS)
    sys.exit(f"--data {directory}: no test set found (looked for: {formats})")


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
    pixels, labels = load_test_set(arguments.data, metadata)
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
    shapes = sorted({layer["kernel_shape"] for layer in architecture["body"] if "kernel_shape" in layer})
    label = (metadata.get("label", "?") + "".join(f" kernel shape {shape}" for shape in shapes)
             + (" (folded)" if metadata.get("folded") == "true" else ""))
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
