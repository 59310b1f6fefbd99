#!/usr/bin/env python3
"""Few-shot results of two studies as Markdown tables (docs/results-fewshot.md).

For every finished run of the few-shot study (runs trained on a class subset) and of the
reference study (runs trained on every class), runs `simlab fewshot` where the run's
fewshot.json lacks the setting (prototype classifier, or --classifier knn, 4-way, 1- and 5-shot, 15 queries,
600 episodes, seed 0, classes 6-9), then prints per variant and shot count: the mean over
seeds of each run's episode-mean accuracy ± the sample std over seeds, the mean 95 % CI
half-width of a run, and the paired difference to conv (paired by seed) with its two-sided
paired t-test; then every run's own accuracy ± CI.

    python3 scripts/fewshot-results.py --runs runs --simlab .build/release/simlab \\
        --study fewshot6 --reference fewshot-all
"""
import argparse
import json
import math
import os
import subprocess
import sys

from scipy.stats import ttest_rel

VARIANTS = ["conv", "static-diag", "dynamic-diag"]
SHOTS = [1, 5]
CLASSES = [6, 7, 8, 9]


def study_runs(runs, name):
    with open(os.path.join(runs, ".studies", name, "study.json")) as f:
        record = json.load(f)
    for entry in record["runs"]:
        yield entry["settings"].get("variant", "conv"), entry["seed"], entry["run"]


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def evaluation(runs, run, shots, args):
    results = read_json(os.path.join(runs, run, "fewshot.json")) or {}
    for e in results.get("evaluations", []):
        if (e.get("classifier"), e.get("ways"), e.get("shots"), e.get("queries"), e.get("episodes"), e.get("seed"),
                e.get("classes")) == (args.classifier, args.ways, shots, args.queries, args.episodes, args.seed, CLASSES) \
                and (args.classifier != "knn" or e.get("k") == args.k):
            return e
    return None


def ensure(runs, run, args):
    if all(evaluation(runs, run, s, args) for s in SHOTS):
        return
    command = [args.simlab, "fewshot", run, "--runs", runs, "--ways", str(args.ways),
               "--shots", ",".join(map(str, SHOTS)), "--queries", str(args.queries), "--episodes", str(args.episodes),
               "--seed", str(args.seed), "--classes", ",".join(map(str, CLASSES)), "--threads", "1",
               "--classifier", args.classifier, "--k", str(args.k)]
    print("$ " + " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, stdout=sys.stderr)


def collect(runs, study, args):
    """variant -> seed -> (run, {shots: evaluation}, final test accuracy)"""
    table = {}
    for variant, seed, run in study_runs(runs, study):
        status = read_json(os.path.join(runs, run, "status.json")) or {}
        if status.get("state") != "finished":
            continue
        ensure(runs, run, args)
        results = {s: evaluation(runs, run, s, args) for s in SHOTS}
        table.setdefault(variant, {})[seed] = (run, results, final_test_accuracy(runs, run))
    return table


def final_test_accuracy(runs, run):
    accuracy = None
    try:
        with open(os.path.join(runs, run, "metrics.jsonl")) as f:
            for line in f:
                record = json.loads(line)
                if record.get("split") == "test" and record.get("interval") == "epoch":
                    accuracy = record.get("accuracy")
    except OSError:
        pass
    return accuracy


def mean_std(values):
    if not values:
        return None, None
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def pct(mean, std=None):
    if mean is None:
        return "–"
    return f"{mean * 100:.2f}" + (f" ± {std * 100:.2f}" if std is not None else "")


def summary(table, title, baseline="conv"):
    lines = [f"| variant | shots | n | accuracy % (mean ± std over seeds) | mean 95 % CI of a run | Δ vs {baseline} (points, paired by seed) | p |",
             "|---|---|---|---|---|---|---|"]
    for shots in SHOTS:
        for variant in VARIANTS:
            seeds = table.get(variant, {})
            values = {seed: r[1][shots]["accuracy"] for seed, r in seeds.items() if r[1][shots]}
            mean, std = mean_std(list(values.values()))
            ci = mean_std([r[1][shots]["ci95"] for r in seeds.values() if r[1][shots]])[0]
            delta, p = "", ""
            base = {seed: r[1][shots]["accuracy"] for seed, r in table.get(baseline, {}).items() if r[1][shots]}
            common = sorted(set(values) & set(base))
            if variant != baseline and common:
                d = [values[s] - base[s] for s in common]
                dm, ds = mean_std(d)
                delta = f"{dm * 100:+.2f}" + (f" ± {ds * 100:.2f}" if ds is not None else "") + f" (n={len(d)})"
                if len(d) >= 2 and ds:
                    p = f"{ttest_rel([values[s] for s in common], [base[s] for s in common]).pvalue:.3g}"
            lines.append(f"| {variant} | {shots} | {len(values)} | {pct(mean, std)} | ± {pct(ci)} | {delta} | {p} |")
    return f"{title}\n\n" + "\n".join(lines)


def per_run(table):
    lines = ["| variant | seed | run | network test acc. % | 1-shot % ± 95 % CI | 5-shot % ± 95 % CI |", "|---|---|---|---|---|---|"]
    for variant in VARIANTS:
        for seed, (run, results, test) in sorted(table.get(variant, {}).items()):
            cells = [f"{results[s]['accuracy'] * 100:.2f} ± {results[s]['ci95'] * 100:.2f}" if results[s] else "–" for s in SHOTS]
            lines.append(f"| {variant} | {seed} | `{run}` | {pct(test)} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def gap(few, reference):
    lines = ["| variant | shots | n | held-out − seen (points, paired by seed) |", "|---|---|---|---|"]
    for shots in SHOTS:
        for variant in VARIANTS:
            a = {s: r[1][shots]["accuracy"] for s, r in few.get(variant, {}).items() if r[1][shots]}
            b = {s: r[1][shots]["accuracy"] for s, r in reference.get(variant, {}).items() if r[1][shots]}
            common = sorted(set(a) & set(b))
            if not common:
                lines.append(f"| {variant} | {shots} | 0 | – |")
                continue
            dm, ds = mean_std([a[s] - b[s] for s in common])
            lines.append(f"| {variant} | {shots} | {len(common)} | {dm * 100:+.2f}" + (f" ± {ds * 100:.2f}" if ds is not None else "") + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="runs")
    parser.add_argument("--simlab", default=".build/release/simlab")
    parser.add_argument("--study", default="fewshot6")
    parser.add_argument("--reference", default="fewshot-all")
    parser.add_argument("--ways", type=int, default=4)
    parser.add_argument("--queries", type=int, default=15)
    parser.add_argument("--episodes", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--classifier", default="prototype", choices=["prototype", "knn"])
    parser.add_argument("--k", type=int, default=1, help="neighbours of the knn classifier")
    args = parser.parse_args()
    few = collect(args.runs, args.study, args)
    reference = collect(args.runs, args.reference, args)
    classifier = "prototype classifier" if args.classifier == "prototype" else f"kNN classifier, k = {args.k}"
    print(summary(few, f"### Few-shot: trained on classes 0–5, episodes on the held-out classes 6–9 "
                       f"(study `{args.study}`, {classifier})"))
    print()
    print(summary(reference, f"### Upper reference: trained on all 10 classes, the same episodes on classes 6–9, "
                             f"which these runs have seen (study `{args.reference}`, {classifier}) — not few-shot"))
    print()
    print("### The price of not having seen the classes\n")
    print(gap(few, reference))
    print()
    print("### Every run\n")
    print("Held-out (trained on 0–5; network test accuracy on the 6,000 test images of classes 0–5):\n")
    print(per_run(few))
    print()
    print("Reference (trained on all 10 classes; network test accuracy on all 10,000 test images):\n")
    print(per_run(reference))


if __name__ == "__main__":
    main()
