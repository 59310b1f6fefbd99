#!/usr/bin/env python3
"""Cross-check `simlab knn --features pixels` against scikit-learn's KNeighborsClassifier.

Both sides read the same Fashion-MNIST IDX files (gzip or plain) and classify all 10,000
test images against all 60,000 training images on raw pixels scaled to [0, 1].

How each setting is made comparable:

* cosine: centre every row by the *training* mean, then L2-normalise (as simlab's bank
  does). On unit vectors ‖q − x‖² = 2 − 2·cos, so sklearn's brute-force euclidean search
  ranks neighbours exactly like cosine, and s = 1 − d²/2 recovers the similarity.
* euclidean: raw rows, similarity s = −d² (simlab's convention: larger is nearer).
* votes: simlab weighs neighbour i by w_i = exp((s_i − s_max)/T). sklearn is given the
  same formula as a `weights` callable (it receives the distances, best first), so the
  two votes are the same function and only Float rounding can separate them (a near-tie
  at the k-th neighbour or between two class totals). sklearn also runs with
  weights='uniform' for reference: with a large T our weights are ≈ 1 but not exactly,
  so count ties (e.g. 2-2-1 of k = 5) are broken by closeness instead of by the lowest
  label — that comparison is reported, not expected to be exact.

Usage:
    python3 scripts/check-knn-sklearn.py [--simlab .build/release/simlab] [--data DIR]
        [--setting cosine:20:0.07] [--setting euclidean:5:10000] [--threads 2]

A setting is METRIC:K:T. Prints accuracy (ours vs sklearn), the fraction of identical
per-image predictions and timings as a Markdown table; exit status 1 when a callable-weight
comparison agrees on fewer than 99.5 % of the images.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    from sklearn.neighbors import KNeighborsClassifier
except ImportError:
    sys.exit("scikit-learn is missing: pip install scikit-learn")

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def read_idx(directory, name):
    """An IDX file (plain or .gz, plain wins) as a uint8 array of its stated shape."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            break
    else:
        sys.exit("missing %s[.gz] in %s" % (name, directory))
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory):
    train_x = read_idx(directory, NAMES["train_images"]).reshape(-1, 28 * 28).astype(np.float64) / 255.0
    test_x = read_idx(directory, NAMES["test_images"]).reshape(-1, 28 * 28).astype(np.float64) / 255.0
    train_y = read_idx(directory, NAMES["train_labels"]).astype(np.int64)
    test_y = read_idx(directory, NAMES["test_labels"]).astype(np.int64)
    return train_x, train_y, test_x, test_y


def prepare(metric, train_x, test_x):
    if metric == "euclidean":
        return train_x, test_x
    mean = train_x.mean(axis=0)

    def normalise(rows):
        rows = rows - mean
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return np.where(norms > 0, rows / np.where(norms > 0, norms, 1), 0.0)

    return normalise(train_x), normalise(test_x)


def vote_weights(metric, temperature):
    """exp((s − s_max)/T) from sklearn's distances (rows sorted nearest first)."""
    def weights(distances):
        d2 = distances ** 2
        s = 1.0 - d2 / 2.0 if metric == "cosine" else -d2
        return np.exp((s - s.max(axis=1, keepdims=True)) / temperature)
    return weights


def run_simlab(simlab, data, metric, k, temperature, threads):
    with tempfile.NamedTemporaryFile(suffix=".txt") as dump:
        command = [simlab, "knn", "--features", "pixels", "--metric", metric, "--k", str(k),
                   "--t", repr(temperature), "--threads", str(threads), "--json",
                   "--dump-predictions", dump.name]
        if data:
            command += ["--data", data]
        start = time.perf_counter()
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        wall = time.perf_counter() - start
        report = json.loads(output.strip().splitlines()[-1])
        predictions = np.loadtxt(dump.name, dtype=np.int64)
    return report, predictions, wall, " ".join(command[:-2])


def sklearn_predict(train_x, train_y, test_x, k, weights, threads):
    classifier = KNeighborsClassifier(n_neighbors=k, algorithm="brute", metric="euclidean",
                                      weights=weights, n_jobs=threads)
    classifier.fit(train_x, train_y)
    start = time.perf_counter()
    predictions = classifier.predict(test_x)
    return predictions, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simlab", default=".build/release/simlab")
    parser.add_argument("--data", default=os.environ.get("SIMLAB_DATA"))
    parser.add_argument("--setting", action="append",
                        help="METRIC:K:T (default cosine:20:0.07 and euclidean:5:10000)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-uniform", action="store_true", help="skip the weights='uniform' reference")
    args = parser.parse_args()
    settings = args.setting or ["cosine:20:0.07", "euclidean:5:10000"]
    train_x, train_y, test_x, test_y = load(args.data or DEFAULT_DATA)

    print("| setting | sklearn weights | accuracy simlab | accuracy sklearn | identical predictions | simlab s | sklearn s |")
    print("|---|---|---|---|---|---|---|")
    worst = 1.0
    for setting in settings:
        metric, k, temperature = setting.split(":")
        k, temperature = int(k), float(temperature)
        report, ours, ours_wall, command = run_simlab(args.simlab, args.data, metric, k, temperature, args.threads)
        bank, queries = prepare(metric, train_x, test_x)
        variants = [("exp((s−s_max)/T)", vote_weights(metric, temperature))]
        if not args.no_uniform:
            variants.append(("uniform", "uniform"))
        for label, weights in variants:
            theirs, their_time = sklearn_predict(bank, train_y, queries, k, weights, args.threads)
            same = float(np.mean(ours == theirs))
            if weights != "uniform":
                worst = min(worst, same)
            print("| %s k=%d T=%g | %s | %.4f | %.4f | %.4f (%d differ) | %.2f | %.2f |" % (
                metric, k, temperature, label, np.mean(ours == test_y), np.mean(theirs == test_y),
                same, int(np.sum(ours != theirs)), ours_wall, their_time))
        print("<!-- %s -->" % command, file=sys.stderr)
    sys.exit(0 if worst >= 0.995 else 1)


if __name__ == "__main__":
    main()
