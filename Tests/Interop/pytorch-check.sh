#!/usr/bin/env bash
# The PyTorch cross-check of `simlab export-model`: for each similarity variant of nsn-lite
# and for small-cnn, train a tiny run on a slice of the real Fashion-MNIST, export it (and,
# for the static variants, export it folded), check the file with the `safetensors` package,
# and run scripts/load-in-pytorch.py --compare against `simlab predict`'s logits: max
# |Δlogit| ≤ 1e-3 and identical predictions on ≥ 99.9 % of the images, or this fails.
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

# Checks a model file with the safetensors package: float32 tensors in PyTorch layouts and the metadata.
check_file() {
    "$python" - "$1" "$2" <<'PY'
import json, sys
from safetensors import safe_open
path, folded = sys.argv[1], sys.argv[2] == "true"
with safe_open(path, framework="numpy") as f:
    metadata, names = f.metadata(), list(f.keys())
    tensors = {name: f.get_tensor(name) for name in names}
for key in ("format", "architecture", "normalization", "class_names", "model", "run", "checkpoint", "folded"):
    assert key in metadata, f"{path}: metadata lacks {key}"
assert metadata["folded"] == ("true" if folded else "false"), metadata["folded"]
architecture = json.loads(metadata["architecture"])
assert len(json.loads(metadata["class_names"])) == architecture["classes"] == 10
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
print(f"  {path.rsplit('/', 1)[-1]}: {len(names)} float32 tensors, metadata {sorted(metadata)}")
PY
}

for model in conv static-full static-diag dynamic-full dynamic-diag small-cnn; do
    runs=$work/runs-$model
    if [ "$model" = small-cnn ]; then
        arguments=(--model small-cnn)
    else
        arguments=(--variant "$model" --stem-width 4 --widths 4,8 --blocks 1 --meta-hidden 4)
    fi
    "$simlab" train --runs "$runs" --data "$work/data" "${arguments[@]}" --epochs 1 --validation 100 \
        --train-fraction 0.2 --batch-size 32 --no-knn-eval --threads 1 > "$work/train.log" 2>&1 \
        || { cat "$work/train.log"; fail "$model: training failed"; }
    run=$(ls "$runs" | grep -v '^\.' | head -n 1)
    "$simlab" predict "$run" --runs "$runs" --output "$work/$model-logits.safetensors" >/dev/null
    "$simlab" export-model "$run" --runs "$runs" --checkpoint best --format safetensors \
        --output "$work/$model.safetensors" >/dev/null
    check_file "$work/$model.safetensors" false || fail "$model: the safetensors check"
    "$python" scripts/load-in-pytorch.py "$work/$model.safetensors" --data "$work/data" --threads 1 \
        --compare "$work/$model-logits.safetensors" || fail "$model: PyTorch's logits differ from simlab's"
    case "$model" in
    dynamic-*)
        if "$simlab" export-model "$run" --runs "$runs" --fold --output "$work/$model-folded.safetensors" 2>"$work/err"; then
            fail "$model: --fold was accepted for a dynamic variant"
        fi
        grep -q "cannot fold" "$work/err" || fail "$model: --fold refused without the reason: $(cat "$work/err")"
        ;;
    *)
        "$simlab" export-model "$run" --runs "$runs" --fold --output "$work/$model-folded.safetensors" >/dev/null
        check_file "$work/$model-folded.safetensors" true || fail "$model: the safetensors check (folded)"
        "$python" scripts/load-in-pytorch.py "$work/$model-folded.safetensors" --data "$work/data" --threads 1 \
            --compare "$work/$model-logits.safetensors" || fail "$model (folded): PyTorch's logits differ from simlab's"
        ;;
    esac
done

# Bad input is a clear error, and a directory given as the output is left alone.
mkdir "$work/a-directory"
if "$simlab" export-model "$run" --runs "$runs" --output "$work/a-directory" 2>"$work/err"; then fail "--output DIR accepted"; fi
grep -q "is a directory" "$work/err" && [ -d "$work/a-directory" ] || fail "--output DIR: $(cat "$work/err")"
if "$simlab" export-model "$run" --runs "$runs" --checkpoint epoch-9 --output "$work/x" 2>"$work/err"; then fail "epoch-9 accepted"; fi
grep -q "no checkpoint for epoch 9" "$work/err" || fail "--checkpoint epoch-9: $(cat "$work/err")"
if "$simlab" export-model no-such-run --runs "$runs" --output "$work/x" 2>/dev/null; then fail "an unknown run accepted"; fi
echo "pytorch-check: passed (5 variants + small-cnn, folded where static)"
