#!/usr/bin/env python3
"""Writes a tiny gzip IDX dataset (28×28, 10 classes: a class-dependent bright bar plus
noise) for the end-to-end tests: make-tiny-dataset.py DIR TRAIN_COUNT TEST_COUNT."""
import gzip, os, random, struct, sys

d, train_count, test_count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(d, exist_ok=True)
rng = random.Random(0)


def write(name, count):
    labels = [i % 10 for i in range(count)]
    with gzip.open(os.path.join(d, f"{name}-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 2051, count, 28, 28))
        for y in labels:
            img = bytearray(rng.randrange(0, 40) for _ in range(784))
            for r in range(28):
                img[r * 28 + 2 + 2 * y] = 255
                img[r * 28 + 3 + 2 * y] = 200
            f.write(bytes(img))
    with gzip.open(os.path.join(d, f"{name}-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 2049, count))
        f.write(bytes(labels))


write("train", train_count)
write("t10k", test_count)
