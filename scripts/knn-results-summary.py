#!/usr/bin/env python3
"""Summarise the runs of scripts/knn-results.sh as a Markdown table.

Reads every run directory under RUNS whose config.json name starts with "knn-results"
and that has an evaluation.json. The regime is the train fraction, the method is read
from the settings (knnAlpha 0 → base; knnFeatures pixels / frozen:… → pixels / frozen).
For each regime it prints mean ± std over seeds of:

    base network, base kNN (the model's own features), base blended,
    pixels network, pixels blended, frozen network, frozen blended

and a two-sided paired t-test (pairs = same seed) of each against the base network.

    python3 scripts/knn-results-summary.py runs/knn-results
"""
import json
import math
import os
import sys
from collections import defaultdict

try:
    from scipy.stats import ttest_rel
except ImportError:
    ttest_rel = None


def load_runs(root):
    """(fraction, method, seed) -> evaluation dict (with the run's epochs under "_epochs")."""
    results = {}
    for run in sorted(os.listdir(root)):
        directory = os.path.join(root, run)
        try:
            with open(os.path.join(directory, "config.json")) as f:
                config = json.load(f)
            with open(os.path.join(directory, "evaluation.json")) as f:
                evaluation = json.load(f)
        except (OSError, ValueError):
            continue
        if not str(config.get("name", "")).startswith("knn-results"):
            continue
        settings = config.get("settings", {})
        alpha = float(settings.get("knnAlpha", 0))
        features = str(settings.get("knnFeatures", "pixels"))
        method = "base" if alpha == 0 else ("frozen" if features.startswith("frozen:") else features)
        fraction = float(settings.get("trainFraction", 1))
        seed = int(config.get("seed", settings.get("seed", 0)))
        evaluation["_epochs"] = settings.get("epochs", config.get("epochs", "?"))
        results[(fraction, method, seed)] = evaluation   # later runs win
    return results


ROWS = [
    ("base network", "base", "networkAccuracy"),
    ("base kNN (own features)", "base", "knnAccuracy"),
    ("base blended", "base", "blendedAccuracy"),
    ("pixels α network", "pixels", "networkAccuracy"),
    ("pixels α blended", "pixels", "blendedAccuracy"),
    ("frozen α network", "frozen", "networkAccuracy"),
    ("frozen α blended", "frozen", "blendedAccuracy"),
]


def mean_std(values):
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, float("nan")
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "runs/knn-results"
    results = load_runs(root)
    if not results:
        sys.exit("no finished knn-results runs with an evaluation.json in %s" % root)
    by_regime = defaultdict(dict)
    for (fraction, method, seed), evaluation in results.items():
        by_regime[fraction][(method, seed)] = evaluation

    print("Test accuracy (%%), mean ± sample std over seeds; p: two-sided paired t-test against "
          "the base network (same seeds). Runs: %s" % root)
    print()
    print("| train fraction | epochs | method | n | accuracy | Δ vs base network | p |")
    print("|---|---|---|---|---|---|---|")
    for fraction in sorted(by_regime, reverse=True):
        runs = by_regime[fraction]
        base = {seed: e["networkAccuracy"] for (m, seed), e in runs.items() if m == "base"}
        for label, method, key in ROWS:
            values = {seed: e[key] for (m, seed), e in runs.items() if m == method and key in e}
            if not values:
                continue
            epochs = "/".join(sorted({str(e["_epochs"]) for (m, _), e in runs.items() if m == method}))
            mean, std = mean_std([100 * v for v in values.values()])
            seeds = sorted(set(values) & set(base))
            delta = p = ""
            if label != "base network" and seeds:
                differences = [100 * (values[s] - base[s]) for s in seeds]
                d_mean, d_std = mean_std(differences)
                delta = "%+.2f" % d_mean + ("" if math.isnan(d_std) else " ± %.2f" % d_std)
                if ttest_rel is not None and len(seeds) >= 2:
                    result = ttest_rel([values[s] for s in seeds], [base[s] for s in seeds])
                    p = "%.3g" % result.pvalue if not math.isnan(result.pvalue) else "—"
                else:
                    p = "— (n<2)"
            std_text = "" if math.isnan(std) else " ± %.2f" % std
            print("| %g | %s | %s | %d | %.2f%s | %s | %s |" % (
                fraction, epochs, label, len(values), mean, std_text, delta, p))
    print()
    chosen = defaultdict(list)
    for (fraction, method, seed), e in sorted(results.items()):
        choice = e.get("choice", {})
        chosen[(fraction, method)].append("λ=%s k=%s T=%s" % (
            choice.get("lambda"), choice.get("k"), choice.get("temperature")))
    print("Blend settings chosen on validation: " + "; ".join(
        "f=%g %s: %s" % (f, m, ", ".join(v)) for (f, m), v in sorted(chosen.items(), reverse=True)))


if __name__ == "__main__":
    main()
