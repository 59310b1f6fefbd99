#!/usr/bin/env python3
"""Anchor for `simlab bench train --model small-cnn`: PyTorch CPU training images/s.

The same network (conv 1→32 3×3 pad 1, ReLU, maxpool 2, conv 32→64 3×3 pad 1, ReLU,
maxpool 2, linear 3136→128, ReLU, linear 128→10), the same step (forward, softmax
cross-entropy, backward, SGD momentum 0.9 + weight decay 5e-4) on random 28×28 inputs
with random labels, warm-up steps, then timed steps; peak RSS from VmHWM.
Prints the same JSON line as `simlab bench train --json`.

    python3 scripts/bench-torch-train.py --batch 128 --threads 2
"""
import argparse
import json
import time

import torch
from torch import nn


def peak_rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default: about 3 s)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_function = nn.CrossEntropyLoss()
    images = torch.randn(args.batch, 1, 28, 28)
    labels = torch.randint(0, 10, (args.batch,))

    def step():
        optimizer.zero_grad(set_to_none=False)
        loss = loss_function(model(images), labels)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    timed = 0
    start = time.perf_counter()
    while (timed < args.steps) if args.steps else (timed < 3 or time.perf_counter() - start < 3):
        step()
        timed += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"benchmark": "train", "model": "small-cnn", "batch": args.batch,
                      "threads": args.threads,
                      "images_per_second": round(timed * args.batch / seconds, 2),
                      "peak_rss_mib": round(peak_rss_mib(), 2)}, separators=(",", ":")))


if __name__ == "__main__":
    main()
