#!/usr/bin/env python3
"""Summarise nsn-lite similarity-variant runs into a Markdown document.

Reads every run directory under the given root: config.json (variant, seed, epochs,
threads), model.json (parameter count; worker.log for runs older than model.json),
metrics.jsonl (per-epoch test accuracy and epoch time), evaluation.json (kNN and blended
test accuracy) and kernels/epoch-*.json (the learned kernel shapes). Finished runs make
the results table; the others are listed with how far they got.
Usage: python3 scripts/summarize-variants.py runs/variants > docs/results-variants.md
"""
import glob
import json
import math
import os
import re
import statistics
import sys
from collections import defaultdict

try:
    from scipy.stats import ttest_rel
except ImportError:
    ttest_rel = None

ORDER = ["conv", "static-diag", "static-full", "dynamic-diag", "dynamic-full"]
ACTIVE = {"queued", "running", "paused", "stopping"}


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_metrics(path):
    """The complete JSON lines of metrics.jsonl (a half-written last line is skipped)."""
    records = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return records


def parameter_count(directory):
    model = read_json(os.path.join(directory, "model.json")) or {}
    if model.get("parameterCount"):
        return model["parameterCount"]
    try:   # runs from before model.json: "model: nsn-lite/conv, 75002 parameters"
        with open(os.path.join(directory, "worker.log")) as f:
            match = re.search(r"model: \S+, (\d+) parameters", f.read())
            return int(match.group(1)) if match else None
    except OSError:
        return None


def shown_state(status):
    """The recorded state, or "failed (worker gone)" for an active state without its process."""
    state = status.get("state", "?")
    pid = status.get("pid")
    if state in ACTIVE and pid:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "failed (worker gone)"
        except PermissionError:
            pass
    return state


def mean_std(values):
    if not values:
        return "–"
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.2f}"
    return f"{mean:.2f} ± {statistics.stdev(values):.2f}"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def load(root):
    finished, unfinished = defaultdict(list), []
    for run in sorted(os.listdir(root)):
        directory = os.path.join(root, run)
        config, status = read_json(os.path.join(directory, "config.json")), read_json(os.path.join(directory, "status.json"))
        if not config or not status or config.get("model") != "nsn-lite":
            continue
        metrics = read_metrics(os.path.join(directory, "metrics.jsonl"))
        epochs = [r for r in metrics if r.get("interval") == "epoch"]
        tests = [r for r in epochs if r.get("split") == "test" and "knnAccuracy" not in r]
        vals = [r for r in epochs if r.get("split") == "val"]
        trains = [r for r in epochs if r.get("split") == "train"]
        settings = config.get("settings", {})
        entry = {
            "run": run, "directory": directory, "name": config.get("name", run),
            "variant": config.get("variant"), "seed": config.get("seed"), "epochs": config.get("epochs"),
            "threads": settings.get("threads", config.get("threads")),
            "state": shown_state(status), "epochsDone": len(tests),
            "lastTest": tests[-1]["accuracy"] * 100 if tests else None,
        }
        if status.get("state") != "finished" or not tests:
            unfinished.append(entry)
            continue
        best_val = max(vals, key=lambda r: r["accuracy"]) if vals else None
        evaluation = read_json(os.path.join(directory, "evaluation.json")) or {}
        entry.update({
            "final": tests[-1]["accuracy"] * 100,
            "atBestVal": next((r["accuracy"] * 100 for r in tests if best_val and r["epoch"] == best_val["epoch"]), None),
            "epochSeconds": median(r.get("epochSeconds") for r in trains),
            "imagesPerSecond": median(r.get("imagesPerSecond") for r in trains),
            "parameters": parameter_count(directory),
            "knn": evaluation.get("knnAccuracy"),
            "blended": evaluation.get("blendedAccuracy"),
        })
        finished[(entry["variant"], entry["epochs"])].append(entry)
    # One run per (variant, epochs, seed): a repeated seed would be counted twice. The
    # latest run (ids sort by creation time) is kept; the others are reported.
    duplicates = []
    for key, rows in finished.items():
        by_seed = {}
        for row in sorted(rows, key=lambda r: r["run"]):
            if str(row["seed"]) in by_seed:
                duplicates.append(by_seed[str(row["seed"])])
            by_seed[str(row["seed"])] = row
        finished[key] = list(by_seed.values())
    return finished, unfinished, duplicates


def versus_conv(rows, conv_rows):
    """Mean difference of final test accuracy to conv over the seeds both have, and the
    paired t-test's p (needs two seeds and scipy)."""
    conv = {str(r["seed"]): r["final"] for r in conv_rows}
    pairs = [(r["final"], conv[str(r["seed"])]) for r in rows if str(r["seed"]) in conv]
    if not pairs:
        return "–", "–"
    delta = statistics.fmean(a - b for a, b in pairs)
    if len(pairs) < 2:
        return f"{delta:+.2f} (1 seed)", "– (n<2)"
    if ttest_rel is None:
        return f"{delta:+.2f}", "– (no scipy)"
    p = ttest_rel([a for a, _ in pairs], [b for _, b in pairs]).pvalue
    return f"{delta:+.2f}", ("–" if math.isnan(p) else f"{p:.2g}")


def kernel_shapes(finished):
    """Per similarity variant, the diagonal of M at the last epoch of its lowest-seed run."""
    columns = []
    for variant in ORDER[1:]:
        runs = sorted((r for (v, _), rows in finished.items() if v == variant for r in rows), key=lambda r: str(r["seed"]))
        for run in runs:
            files = sorted(glob.glob(os.path.join(run["directory"], "kernels", "epoch-*.json")))
            shapes = read_json(files[-1]) if files else None
            if shapes and shapes.get("layers"):
                columns.append((variant, run, shapes))
                break
    if not columns:
        return
    print("\n## Learned kernel shapes\n")
    print("The diagonal of each similarity layer's M as a 3×3 map (rows separated by /), at the "
          "last epoch of the lowest-seed finished run of each variant (`kernels/epoch-NNN.json`). "
          "For the dynamic variants it is the mean M over the last batch's samples and positions. "
          "conv is 1 everywhere by definition.\n")
    print("| layer | " + " | ".join(f"{v} (seed {run['seed']}, epoch {shapes.get('epoch')})" for v, run, shapes in columns) + " |")
    print("|---|" + "---|" * len(columns))
    names = [layer["name"] for layer in columns[0][2]["layers"]]
    for name in names:
        cells = []
        for _, _, shapes in columns:
            layer = next((l for l in shapes["layers"] if l["name"] == name), None)
            if not layer or len(layer.get("diagonal", [])) != 9:
                cells.append("–")
                continue
            m = [f"{x:.2f}" for x in layer["diagonal"]]
            cells.append(f"{' '.join(m[0:3])} / {' '.join(m[3:6])} / {' '.join(m[6:9])}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main(root):
    finished, unfinished, duplicates = load(root)
    print("# nsn-lite similarity variants on Fashion-MNIST\n")
    print("Generated by `scripts/summarize-variants.py` from the run directories of "
          "`scripts/variant-results.sh` (reference recipe: SGD momentum 0.9, lr 0.1, weight decay 5e-4, "
          "batch 128, label smoothing 0.01, step decay ×0.1 at 50/75/90 %, pad-2 crop + flip; "
          "5,000 stratified validation images held out of the 60,000; test = the 10,000 test images). "
          "Accuracies in %, mean ± sample std over seeds (a single seed shows its value alone). "
          "Δ conv is the mean paired difference of final test accuracy to conv over the seeds both "
          "have; p is the two-sided paired t-test. Time per epoch and img/s are the median over "
          "runs of each run's median training epoch, and depend on what else the machine ran (the "
          "threads column is each run's `--threads`).\n")
    print("| variant | epochs | seeds | test acc (final epoch) | test acc (best val epoch) | Δ conv | p | "
          "kNN (model features) | blended | parameters | threads | s / epoch | img/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(finished, key=lambda k: (k[1], ORDER.index(k[0]) if k[0] in ORDER else 99)):
        rows = sorted(finished[key], key=lambda r: str(r["seed"]))
        pct = lambda name: [r[name] * 100 for r in rows if r[name] is not None]
        delta, p = ("", "") if key[0] == "conv" else versus_conv(rows, finished.get(("conv", key[1]), []))
        seconds, speed = median(r["epochSeconds"] for r in rows), median(r["imagesPerSecond"] for r in rows)
        threads = sorted({r["threads"] for r in rows if r["threads"] is not None})
        print(f"| {key[0]} | {key[1]} | {len(rows)} | {mean_std([r['final'] for r in rows])} | "
              f"{mean_std([r['atBestVal'] for r in rows if r['atBestVal'] is not None])} | {delta} | {p} | "
              f"{mean_std(pct('knn'))} | {mean_std(pct('blended'))} | "
              f"{rows[0]['parameters'] or '–'} | {', '.join(map(str, threads)) or '–'} | "
              f"{f'{seconds:.1f}' if seconds else '–'} | {f'{speed:.0f}' if speed else '–'} |")
    print("\nRuns: " + ", ".join(f"`{r['run']}` ({k[0]}, seed {r['seed']})"
                                for k in sorted(finished) for r in sorted(finished[k], key=lambda r: str(r["seed"]))))
    if duplicates:
        print("\nLeft out as repeats of a seed (the later run of that seed is used): "
              + ", ".join(f"`{r['run']}` ({r['variant']}, seed {r['seed']})" for r in duplicates))
    if unfinished:
        print("\n## Not finished (not in the table)\n")
        print("| run | name | state | epochs done | last test acc |")
        print("|---|---|---|---|---|")
        for r in unfinished:
            last = f"{r['lastTest']:.2f}" if r["lastTest"] is not None else "–"
            print(f"| `{r['run']}` | {r['name']} | {r['state']} | {r['epochsDone']}/{r['epochs']} | {last} |")
    kernel_shapes(finished)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/variants")
