#!/usr/bin/env python3
"""Summarise a kernel-shape study (docs/results-shapes.md) from its run directories.

    python3 scripts/shapes-results-summary.py STUDY [RUNS_DIR]

Reads every run of the study (config.json's "study" member): the final epoch's test
accuracy (metrics.jsonl), and for shaped runs the Boolean shape of every layer per epoch
(kernels/epoch-NNN.json, tapMask / tapFlips). Prints Markdown: accuracy per cell
(mean ± sample std), the paired difference learned:N − cross per seed with mean ± std,
a 95 % t interval and the paired t statistic, and the learned shapes per stage.
Only finished runs count; unfinished ones are listed.
"""
import json
import math
import os
import re
import sys
from collections import defaultdict

# Two-sided 95 % Student t quantiles by degrees of freedom.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


def mean_std(values):
    n = len(values)
    if n == 0:
        return None, None
    m = sum(values) / n
    s = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return m, s


def load_runs(study, root):
    runs = []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        try:
            with open(os.path.join(path, "config.json")) as f:
                config = json.load(f)
        except (OSError, ValueError):
            continue
        if (config.get("study") or {}).get("name") != study:
            continue
        settings = config.get("settings", {})
        try:
            with open(os.path.join(path, "status.json")) as f:
                state = json.load(f).get("state")
        except (OSError, ValueError):
            state = "?"
        tests = {}
        metrics = os.path.join(path, "metrics.jsonl")
        with open(metrics) if os.path.exists(metrics) else open(os.devnull) as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if record.get("split") == "test" and record.get("interval", "epoch") == "epoch" \
                        and "knnAccuracy" not in record:
                    tests[record["epoch"]] = record["accuracy"]
        kernels = {}
        kernel_dir = os.path.join(path, "kernels")
        if os.path.isdir(kernel_dir):
            for file in sorted(os.listdir(kernel_dir)):
                match = re.match(r"epoch-(\d+)\.json$", file)
                if match:
                    with open(os.path.join(kernel_dir, file)) as f:
                        kernels[int(match.group(1))] = json.load(f)
        runs.append({
            "id": name, "variant": settings.get("variant", config.get("variant")),
            "shape": settings.get("kernelShape", "full"), "seed": config.get("seed"),
            "state": state, "epochs": config.get("epochs"), "tests": tests, "kernels": kernels,
        })
    return runs


def grid(mask, k):
    return "/".join("".join("■" if mask[r * k + c] else "·" for c in range(k)) for r in range(k))


def main():
    study = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else "runs"
    runs = load_runs(study, root)
    finished = [r for r in runs if r["state"] == "finished" and r["tests"]]
    variants = sorted({r["variant"] for r in runs})
    shapes = sorted({r["shape"] for r in runs}, key=lambda s: (s != "full", s != "cross", s))

    print(f"Study `{study}`: {len(finished)} of {len(runs)} runs finished.\n")
    print("Test accuracy (%) at the final epoch, mean ± sample std over seeds (n = finished runs):\n")
    print("| variant | " + " | ".join(shapes) + " |")
    print("|---|" + "---|" * len(shapes))
    final = {}
    for variant in variants:
        cells = []
        for shape in shapes:
            values = {r["seed"]: 100 * r["tests"][max(r["tests"])] for r in finished
                      if r["variant"] == variant and r["shape"] == shape}
            final[(variant, shape)] = values
            m, s = mean_std(list(values.values()))
            cells.append("—" if m is None else f"{m:.2f} ± {s:.2f} (n={len(values)})" if s is not None
                         else f"{m:.2f} (n=1)")
        print(f"| {variant} | " + " | ".join(cells) + " |")
    print()

    learned = [s for s in shapes if s.startswith("learned:")]
    for shape in learned:
        print(f"Paired difference {shape} − cross (points), per seed:\n")
        print("| variant | per seed | mean ± std | 95 % CI | t (df) |")
        print("|---|---|---|---|---|")
        for variant in variants:
            a, b = final.get((variant, shape), {}), final.get((variant, "cross"), {})
            seeds = sorted(set(a) & set(b))
            d = [a[s] - b[s] for s in seeds]
            m, s = mean_std(d)
            per_seed = ", ".join(f"seed {seed}: {x:+.2f}" for seed, x in zip(seeds, d)) or "—"
            if m is None:
                print(f"| {variant} | — | — | — | — |")
                continue
            if s is None or len(d) < 2:
                print(f"| {variant} | {per_seed} | {m:+.2f} | — | — |")
                continue
            half = T95.get(len(d) - 1, 1.96) * s / math.sqrt(len(d))
            t = m / (s / math.sqrt(len(d))) if s > 0 else float("inf")
            print(f"| {variant} | {per_seed} | {m:+.2f} ± {s:.2f} | [{m - half:+.2f}, {m + half:+.2f}] | {t:.2f} ({len(d) - 1}) |")
        print()

        print(f"Learned shapes ({shape}) at the final epoch, per layer and seed (rows top to bottom, ■ on):\n")
        shaped = [r for r in finished if r["shape"] == shape and r["kernels"]]
        layer_names = []
        for r in shaped:
            for layer in r["kernels"][max(r["kernels"])]["layers"]:
                if layer["name"] not in layer_names:
                    layer_names.append(layer["name"])
        columns = [(r["variant"], r["seed"]) for r in sorted(shaped, key=lambda r: (r["variant"], r["seed"]))]
        print("| layer | " + " | ".join(f"{v} s{seed}" for v, seed in columns) + " |")
        print("|---|" + "---|" * len(columns))
        by_key = {(r["variant"], r["seed"]): r for r in shaped}
        stage_counts = defaultdict(lambda: [0] * 9)
        stage_totals = defaultdict(int)
        flips = defaultdict(int)
        for name in layer_names:
            cells = []
            for key in columns:
                r = by_key[key]
                last = r["kernels"][max(r["kernels"])]
                layer = next((l for l in last["layers"] if l["name"] == name), None)
                if not layer or not layer.get("tapMask"):
                    cells.append("—")
                    continue
                k = layer["kernelSize"]
                cells.append("`" + grid(layer["tapMask"], k) + "`")
                stage = name.split(".")[0]
                if k == 3:
                    stage_totals[stage] += 1
                    for t, on in enumerate(layer["tapMask"]):
                        stage_counts[stage][t] += on
                for epoch in r["kernels"].values():
                    for l in epoch["layers"]:
                        if l["name"] == name:
                            flips[(key, name)] += sum(l.get("tapFlips") or [])
            print(f"| {name} | " + " | ".join(cells) + " |")
        print()
        print("How often each tap survives, per stage (count over layers × runs of both variants; "
              "3×3, rows top to bottom):\n")
        print("| stage | layers × runs | tap counts | taps on in ≥ half |")
        print("|---|---|---|---|")
        for stage in sorted(stage_counts):
            c, n = stage_counts[stage], stage_totals[stage]
            counts = " / ".join(" ".join(str(c[r * 3 + col]) for col in range(3)) for r in range(3))
            majority = grid([1 if x * 2 >= n else 0 for x in c], 3)
            print(f"| {stage} | {n} | {counts} | `{majority}` |")
        print()
        total = defaultdict(int)
        for (key, name), count in flips.items():
            total[key] += count
        print("Stability per run: tap flips over the whole run and in the last epoch (sums over layers), "
              "and taps whose value differs between the first epoch's and the last epoch's shape:\n")
        print("| run | flips, all epochs | flips, last epoch | taps changed since epoch 1 |")
        print("|---|---|---|---|")
        for key in columns:
            r = by_key[key]
            first, last = r["kernels"][min(r["kernels"])], r["kernels"][max(r["kernels"])]
            last_flips = sum(sum(l.get("tapFlips") or []) for l in last["layers"])
            changed = sum(sum(1 for a, b in zip(l1.get("tapMask") or [], l2.get("tapMask") or []) if a != b)
                          for l1, l2 in zip(first["layers"], last["layers"]))
            print(f"| {key[0]} seed {key[1]} | {total[key]} | {last_flips} | {changed} |")
        print()

    pending = [r for r in runs if r not in finished]
    if pending:
        print("Not finished: " + ", ".join(f"`{r['id']}` ({r['variant']} {r['shape']} seed {r['seed']}, {r['state']}, "
                                          f"{len(r['tests'])}/{r['epochs']} epochs)" for r in pending) + "\n")
    print("Runs: " + ", ".join(f"`{r['id']}` ({r['variant']} {r['shape']} s{r['seed']})" for r in runs))


if __name__ == "__main__":
    main()
