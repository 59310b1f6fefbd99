#!/usr/bin/env python3
"""Anchor for `simlab bench knn` / `simlab knn`: a blocked numpy brute-force cosine top-k.

Same work as simlab's pixel path: the bank is centred by its mean and L2-normalised
(float32), queries are prepared with the bank's mean, then for each block of queries one
matrix product Q·Bᵀ against the whole bank and an argpartition top-k, then the
exp((s − s_max)/T) vote. Reports the end-to-end time, the matrix-product time alone and
the accuracy (on real data). Run it without the machine's OpenBLAS tuning variables:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 scripts/bench-numpy-knn.py \
        [--data DIR | --random] [--dim 784] [--k 20] [--threads 2] [--block 1000]

--random uses uniform random data of the same shape (n = 10,000, N = 60,000, D = --dim);
real data is Fashion-MNIST pixels (D = 784). Thread count via threadpoolctl when present,
else OPENBLAS_NUM_THREADS must be set by the caller.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np


def read_idx(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            with (gzip.open if candidate.endswith(".gz") else open)(path, "rb") as f:
                raw = f.read()
            dims = raw[3]
            shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    sys.exit("missing %s[.gz] in %s" % (name, directory))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("SIMLAB_DATA", "/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--random", action="store_true")
    parser.add_argument("--dim", type=int, default=784)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--temperature", type=float, default=0.07)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--block", type=int, default=1000, help="queries per matrix product")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass

    if args.random:
        rng = np.random.default_rng(1)
        bank_raw = rng.integers(0, 256, size=(60000, args.dim), dtype=np.uint8) if args.dim == 784 \
            else rng.uniform(-1, 1, size=(60000, args.dim)).astype(np.float32)
        query_raw = rng.integers(0, 256, size=(10000, args.dim), dtype=np.uint8) if args.dim == 784 \
            else rng.uniform(-1, 1, size=(10000, args.dim)).astype(np.float32)
        labels = rng.integers(0, 10, size=60000)
        test_labels = None
    else:
        bank_raw = read_idx(args.data, "train-images-idx3-ubyte").reshape(60000, -1)
        query_raw = read_idx(args.data, "t10k-images-idx3-ubyte").reshape(10000, -1)
        labels = read_idx(args.data, "train-labels-idx1-ubyte").astype(np.int64)
        test_labels = read_idx(args.data, "t10k-labels-idx1-ubyte").astype(np.int64)
    scale = np.float32(1 / 255) if bank_raw.dtype == np.uint8 else np.float32(1)

    start = time.perf_counter()
    bank = bank_raw.astype(np.float32) * scale
    mean = bank.mean(axis=0, dtype=np.float64).astype(np.float32)
    bank -= mean
    bank /= np.maximum(np.linalg.norm(bank, axis=1, keepdims=True), 1e-30)
    built = time.perf_counter()

    n, k = query_raw.shape[0], args.k
    top_similarities = np.empty((n, k), dtype=np.float32)
    top_indices = np.empty((n, k), dtype=np.int64)
    gemm = 0.0
    bank_t = bank.T
    for q0 in range(0, n, args.block):
        queries = query_raw[q0:q0 + args.block].astype(np.float32) * scale - mean
        queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-30)
        g0 = time.perf_counter()
        scores = queries @ bank_t
        gemm += time.perf_counter() - g0
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-part_scores, axis=1, kind="stable")
        top_indices[q0:q0 + args.block] = np.take_along_axis(part, order, axis=1)
        top_similarities[q0:q0 + args.block] = np.take_along_axis(part_scores, order, axis=1)
    searched = time.perf_counter()

    weights = np.exp((top_similarities - top_similarities[:, :1]) / args.temperature)
    votes = np.zeros((n, 10))
    np.add.at(votes, (np.repeat(np.arange(n), k), labels[top_indices].ravel()), weights.ravel())
    predictions = votes.argmax(axis=1)
    end = time.perf_counter()

    result = {"benchmark": "numpy-knn", "data": "random" if args.random else "fashion-mnist",
              "dim": int(bank.shape[1]), "k": k, "threads": args.threads, "block": args.block,
              "seconds": round(end - start, 4), "build_seconds": round(built - start, 4),
              "search_seconds": round(searched - built, 4), "matmul_seconds": round(gemm, 4),
              "vote_seconds": round(end - searched, 4), "cpu_seconds": round(time.process_time(), 4)}
    if test_labels is not None:
        result["accuracy"] = float(np.mean(predictions == test_labels))
    if args.json:
        print(json.dumps(result))
    else:
        print("numpy knn %s D=%d k=%d threads=%d: %.3f s (build %.3f s, search %.3f s of which "
              "matmul %.3f s, vote %.3f s)%s" % (
                  result["data"], result["dim"], k, args.threads, result["seconds"], result["build_seconds"],
                  result["search_seconds"], result["matmul_seconds"], result["vote_seconds"],
                  ", accuracy %.4f" % result["accuracy"] if "accuracy" in result else ""))


if __name__ == "__main__":
    main()
