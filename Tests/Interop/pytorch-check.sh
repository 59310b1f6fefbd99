#!/usr/bin/env bash
# The PyTorch cross-check of `simlab export-model`: for each similarity variant of nsn-lite
# and for small-cnn, train a tiny run on a slice of the real Fashion-MNIST, export it (and,
# for the static variants, export it folded), check the file with the `safetensors` package,
# and run scripts/load-in-pytorch.py --compare against `simlab predict`'s logits: max
# |Δlogit| ≤ 1e-3 and identical predictions on ≥ 99.9 % of the images, or this fails.
# The same for kernel shapes (nsn-lite dynamic-diag with --kernel-shape learned:5,
# static-full with cross, also folded), for nsl-cnn9 (static-diag, narrow) on a tiny
# CIFAR-10-format directory and for nsn-lite on a tiny PNG class-folder directory, both
# written here.
#
#     bash Tests/Interop/pytorch-check.sh [SIMLAB_BINARY]      (default .build/debug/simlab)
#
# torch 2.13.0+cpu, safetensors and numpy go into a venv under .build/ (created once). Where
# pip does not find the +cpu wheel, point it at PyTorch's CPU index:
# PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu. The data: $SIMLAB_DATA or
# Debian's dataset-fashion-mnist.
set -euo pipefail
cd "$(dirname "$0")/../.."
simlab=$(realpath "${1:-.build/debug/simlab}")
source_data=${SIMLAB_DATA:-/usr/share/datasets/fashion-mnist}
venv=.build/interop-venv
python=$venv/bin/python
fail() { echo "pytorch-check: FAIL: $*" >&2; exit 1; }

if ! "$python" -c "import torch, safetensors, numpy" 2>/dev/null; then
    echo "pytorch-check: installing torch==2.13.0+cpu, safetensors, numpy into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check torch==2.13.0+cpu safetensors numpy \
        || fail "cannot install torch==2.13.0+cpu (try PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu)"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A slice of the real Fashion-MNIST: the first 1,000 training and 300 test images (the debug
# build runs the dynamic variants' meta-network slowly; 300 images still test every layer).
"$python" - "$source_data" "$work/data" 1000 300 <<'PY'
import gzip, os, struct, sys
source, target, train_count, test_count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(target)
def read(name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(source, candidate)
        if os.path.exists(path):
            return (gzip.open if candidate.endswith(".gz") else open)(path, "rb").read()
    sys.exit(f"pytorch-check: {source} has no {name}[.gz] (install dataset-fashion-mnist or set SIMLAB_DATA)")
for prefix, count in (("train", train_count), ("t10k", test_count)):
    for kind, header, item in (("images-idx3-ubyte", 16, 784), ("labels-idx1-ubyte", 8, 1)):
        data = read(f"{prefix}-{kind}")
        head = bytearray(data[:header])
        head[4:8] = struct.pack(">I", count)
        with open(os.path.join(target, f"{prefix}-{kind}"), "wb") as f:
            f.write(bytes(head) + data[header:header + count * item])
PY

# A tiny CIFAR-10 directory in the official layout (cifar-10-batches-bin): data_batch_1..5.bin
# and test_batch.bin, records of 1 label byte + the 32×32 red, green and blue planes, and
# batches.meta.txt. Each class has its own colour and stripe direction plus noise.
"$python" - "$work/cifar" <<'PY'
import os, sys
import numpy as np
target = sys.argv[1]
os.makedirs(target)
random = np.random.default_rng(5)
def records(count):
    labels = random.integers(0, 10, count)
    y, x = np.mgrid[0:32, 0:32]
    out = bytearray()
    for label in labels:
        colour = np.array([(label * 37) % 256, (label * 91) % 256, (label * 53) % 256])[:, None, None]
        stripes = 60 * np.sin((x if label % 2 else y) * (0.3 + 0.1 * label))[None]
        planes = np.clip(colour + stripes + random.normal(0, 30, (3, 32, 32)), 0, 255).astype(np.uint8)
        out += bytes([int(label)]) + planes.tobytes()
    return bytes(out)
for i in range(1, 6):
    open(os.path.join(target, f"data_batch_{i}.bin"), "wb").write(records(60))
open(os.path.join(target, "test_batch.bin"), "wb").write(records(100))
open(os.path.join(target, "batches.meta.txt"), "w").write(
    "\n".join("airplane automobile bird cat deer dog frog horse ship truck".split()) + "\n")
PY

# A tiny PNG class-folder directory (train/CLASS/*.png, test/CLASS/*.png), 16×16, written with
# zlib: mostly 8-bit RGB PNGs using every row filter (None, Sub, Up, Average, Paeth), some grey
# and some palette ones (simlab replicates grey into R, G, B; the reader must do the same).
"$python" - "$work/png" <<'PY'
import os, struct, sys, zlib
import numpy as np
target = sys.argv[1]
random = np.random.default_rng(9)
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
def filtered(rows, channels):
    out, previous = bytearray(), np.zeros(rows.shape[1], dtype=np.int32)
    for y, row in enumerate(rows.astype(np.int32)):
        kind = y % 5
        left = np.concatenate([np.zeros(channels, dtype=np.int32), row[:-channels]])
        corner = np.concatenate([np.zeros(channels, dtype=np.int32), previous[:-channels]])
        if kind == 0: predictor = np.zeros_like(row)
        elif kind == 1: predictor = left
        elif kind == 2: predictor = previous
        elif kind == 3: predictor = (left + previous) >> 1
        else:
            p = left + previous - corner
            pa, pb, pc = abs(p - left), abs(p - previous), abs(p - corner)
            predictor = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, previous, corner))
        out += bytes([kind]) + ((row - predictor) & 0xFF).astype(np.uint8).tobytes()
        previous = row
    return bytes(out)
def write_png(path, pixels, colour, palette=None):
    height, width = pixels.shape[:2]
    channels = 3 if colour == 2 else 1
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
    if palette is not None:
        body += chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    body += chunk(b"IDAT", zlib.compress(filtered(pixels.reshape(height, width * channels), channels)))
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b""))
palette = random.integers(0, 256, (16, 3))
for split, count in (("train", 30), ("test", 12)):
    for label, name in enumerate(("circles", "lines", "squares")):
        folder = os.path.join(target, split, name)
        os.makedirs(folder)
        for i in range(count):
            base = np.clip(random.normal(80 * label + 40, 40, (16, 16, 3)), 0, 255).astype(np.uint8)
            if i % 6 == 1:
                write_png(os.path.join(folder, f"{i:03d}.png"), base[:, :, :1], 0)          # grey
            elif i % 6 == 2:
                write_png(os.path.join(folder, f"{i:03d}.png"), (base[:, :, :1] % 16), 3, palette)  # palette
            else:
                write_png(os.path.join(folder, f"{i:03d}.png"), base, 2)                   # RGB
PY

# Checks a model file with the safetensors package: float32 tensors in PyTorch layouts and the metadata.
check_file() {
    "$python" - "$1" "$2" "$3" <<'PY'
import json, sys
from safetensors import safe_open
path, folded, classes = sys.argv[1], sys.argv[2] == "true", int(sys.argv[3])
with safe_open(path, framework="numpy") as f:
    metadata, names = f.metadata(), list(f.keys())
    tensors = {name: f.get_tensor(name) for name in names}
for key in ("format", "architecture", "normalization", "class_names", "model", "run", "checkpoint", "folded"):
    assert key in metadata, f"{path}: metadata lacks {key}"
assert metadata["folded"] == ("true" if folded else "false"), metadata["folded"]
architecture = json.loads(metadata["architecture"])
assert len(json.loads(metadata["class_names"])) == architecture["classes"] == classes
assert all(t.dtype.name == "float32" for t in tensors.values()), "every tensor is float32"
for layer in architecture["body"] + [architecture["head"]]:
    if layer["type"] in ("conv2d", "similarity_conv2d"):
        k = layer["kernel_size"]
        assert tensors[layer["name"] + ".weight"].shape == (layer["out_channels"], layer["in_channels"], k, k)
    if layer["type"] == "linear":
        assert tensors[layer["name"] + ".weight"].shape == (layer["out_features"], layer["in_features"])
    if layer["type"] == "batchnorm2d":
        for suffix in ("weight", "bias", "running_mean", "running_var"):
            assert tensors[layer["name"] + "." + suffix].shape == (layer["channels"],)
    assert not (folded and layer["type"] == "similarity_conv2d" and layer["variant"] != "conv" and "meta" not in layer)
    if layer["type"] == "similarity_conv2d" and layer.get("kernel_shape", "full") != "full":
        # A shaped layer: its 0/1 tap mask d [K], as many active taps as the shape has.
        mask = tensors[layer["name"] + ".shape_mask"]
        assert mask.shape == (layer["kernel_size"] ** 2,) and set(mask.tolist()) <= {0.0, 1.0}, mask
        shape = layer["kernel_shape"]
        assert mask.sum() == (int(shape.split(":")[1]) if shape.startswith("learned:") else 2 * layer["kernel_size"] - 1), (shape, mask)
print(f"  {path.rsplit('/', 1)[-1]}: {len(names)} float32 tensors, metadata {sorted(metadata)}")
PY
}

# check_model NAME CLASSES DATA TRAIN-ARGUMENTS…: train one epoch, predict, export (best
# checkpoint), check the file and compare PyTorch's logits with simlab's; then fold (static) or
# check that --fold is refused (dynamic).
check_model() {
    local model=$1 classes=$2 data=$3
    shift 3
    runs=$work/runs-$model
    "$simlab" train --runs "$runs" --data "$data" "$@" --epochs 1 \
        --batch-size 32 --no-knn-eval --threads 1 > "$work/train.log" 2>&1 \
        || { cat "$work/train.log"; fail "$model: training failed"; }
    run=$(ls "$runs" | grep -v '^\.' | head -n 1)
    "$simlab" predict "$run" --runs "$runs" --output "$work/$model-logits.safetensors" >/dev/null
    "$simlab" export-model "$run" --runs "$runs" --checkpoint best --format safetensors \
        --output "$work/$model.safetensors" >/dev/null
    check_file "$work/$model.safetensors" false "$classes" || fail "$model: the safetensors check"
    "$python" scripts/load-in-pytorch.py "$work/$model.safetensors" --data "$data" --threads 1 \
        --compare "$work/$model-logits.safetensors" || fail "$model: PyTorch's logits differ from simlab's"
    case "$model" in
    *dynamic-*)
        if "$simlab" export-model "$run" --runs "$runs" --fold --output "$work/$model-folded.safetensors" 2>"$work/err"; then
            fail "$model: --fold was accepted for a dynamic variant"
        fi
        grep -q "cannot fold" "$work/err" || fail "$model: --fold refused without the reason: $(cat "$work/err")"
        ;;
    *)
        "$simlab" export-model "$run" --runs "$runs" --fold --output "$work/$model-folded.safetensors" >/dev/null
        check_file "$work/$model-folded.safetensors" true "$classes" || fail "$model: the safetensors check (folded)"
        "$python" scripts/load-in-pytorch.py "$work/$model-folded.safetensors" --data "$data" --threads 1 \
            --compare "$work/$model-logits.safetensors" || fail "$model (folded): PyTorch's logits differ from simlab's"
        ;;
    esac
}

lite=(--stem-width 4 --widths 4,8 --blocks 1 --meta-hidden 4 --train-fraction 0.2 --validation 100)
for model in conv static-full static-diag dynamic-full dynamic-diag; do
    check_model "$model" 10 "$work/data" --variant "$model" "${lite[@]}"
done
check_model small-cnn 10 "$work/data" --model small-cnn --train-fraction 0.2 --validation 100
# Kernel shapes: a learned top-5 mask on a dynamic variant, a fixed cross on static-full (folded too).
check_model learned5-dynamic-diag 10 "$work/data" --variant dynamic-diag --kernel-shape learned:5 "${lite[@]}"
check_model cross-static-full 10 "$work/data" --variant static-full --kernel-shape cross "${lite[@]}"
# nsl-cnn9 on CIFAR-10 binary batches (3×32×32), narrow so the debug build stays quick.
check_model nsl-cnn9-static-diag 10 "$work/cifar" --model nsl-cnn9 --variant static-diag \
    --stem-width 8 --widths 8,8,8 --validation 100
# PNG class folders (3×16×16: RGB, grey and palette files).
check_model png-static-diag 3 "$work/png" --variant static-diag --stem-width 4 --widths 4,8 --blocks 1 \
    --validation 30

# Bad input is a clear error, and a directory given as the output is left alone.
mkdir "$work/a-directory"
if "$simlab" export-model "$run" --runs "$runs" --output "$work/a-directory" 2>"$work/err"; then fail "--output DIR accepted"; fi
grep -q "is a directory" "$work/err" && [ -d "$work/a-directory" ] || fail "--output DIR: $(cat "$work/err")"
if "$simlab" export-model "$run" --runs "$runs" --checkpoint epoch-9 --output "$work/x" 2>"$work/err"; then fail "epoch-9 accepted"; fi
grep -q "no checkpoint for epoch 9" "$work/err" || fail "--checkpoint epoch-9: $(cat "$work/err")"
if "$simlab" export-model no-such-run --runs "$runs" --output "$work/x" 2>/dev/null; then fail "an unknown run accepted"; fi
echo "pytorch-check: passed (5 variants + small-cnn, learned:5 and cross shapes, nsl-cnn9 on CIFAR-10, PNG folders; folded where static)"
