"""Every optimizer on iris, digits, wine and breast_cancer.

Each optimizer runs at its documented recommended learning rate
(``Optimizer.recommended_learning_rate``) on standardized data, a fixed
stratified 75/25 split per seed, hidden layers (64,), and up to ``--max-iter``
epochs with the default stopping rule. The table gives the mean test accuracy
over the seeds, the mean epochs and the mean fit seconds, and the gap to Adam
in accuracy points.

    python benchmarks/bench_optimizers.py            # prints the table
    python benchmarks/bench_optimizers.py --out docs/optimizer_table.md

``--sweep`` measures what the recommended rates come from: every optimizer at
every learning rate of :data:`RATES` on the same data, seeds and split, at the
estimator's default ``max_iter=200``.  The table gives, per rate, the mean test
accuracy over the four datasets and the seeds, the worst dataset's mean, and
the share of fits that used all 200 epochs; the recommended rate is the one
with the best mean accuracy (the smaller rate on a tie within 0.1 point).

    python benchmarks/bench_optimizers.py --sweep --out docs/optimizer_sweep.md
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier
from skmlp.optimizers import GD, SGD, AdaGrad, Adam, AdamW, Momentum, RMSprop

DATASETS = {
    "iris": load_iris,
    "digits": load_digits,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
}
OPTIMIZERS = [GD, SGD, Momentum, AdaGrad, RMSprop, Adam, AdamW]
RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]


def run_one(loader, cls, seed, max_iter, rate=None):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    rate = cls.recommended_learning_rate if rate is None else rate
    optimizer = cls(learning_rate=rate)
    clf = MLPClassifier(
        hidden_layer_sizes=(64,),
        solver=optimizer,
        max_iter=max_iter,
        random_state=seed,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            clf.fit(scaler.transform(X_train), y_train)
        except ValueError as error:
            # A rate so large that the first epoch overflows learns nothing.
            if "non-finite" not in str(error):
                raise
            return 0.0, 0, time.perf_counter() - start
    seconds = time.perf_counter() - start
    return clf.score(scaler.transform(X_test), y_test), clf.n_iter_, seconds


def table(seeds, max_iter):
    rows = []
    for data_name, loader in DATASETS.items():
        results = {
            cls.__name__: np.array(
                [run_one(loader, cls, seed, max_iter) for seed in seeds]
            ).mean(axis=0)
            for cls in OPTIMIZERS
        }
        adam_accuracy = results["Adam"][0]
        for cls in OPTIMIZERS:
            accuracy, epochs, seconds = results[cls.__name__]
            gap = 100 * (accuracy - adam_accuracy)
            rows.append(
                (
                    data_name,
                    cls.__name__,
                    cls.recommended_learning_rate,
                    accuracy,
                    epochs,
                    seconds,
                    gap,
                )
            )
    return rows


def to_markdown(rows, seeds, max_iter):
    lines = [
        f"Seeds {list(seeds)}, hidden_layer_sizes=(64,), max_iter={max_iter}, "
        "standardized features, stratified 75/25 split per seed.",
        "",
        "| data | optimizer | learning rate | test accuracy | epochs | seconds "
        "| vs Adam (points) |",
        "|---|---|---|---|---|---|---|",
    ]
    for data, name, lr, accuracy, epochs, seconds, gap in rows:
        lines.append(
            f"| {data} | {name} | {lr:g} | {accuracy:.4f} | {epochs:.0f} "
            f"| {seconds:.3f} | {gap:+.2f} |"
        )
    return "\n".join(lines) + "\n"


def sweep(seeds, max_iter):
    """Per optimizer and rate: mean accuracy, worst dataset, share at max_iter."""
    rows = []
    for cls in OPTIMIZERS:
        for rate in RATES:
            per_data = {
                name: np.array(
                    [run_one(loader, cls, seed, max_iter, rate) for seed in seeds]
                )
                for name, loader in DATASETS.items()
            }
            accuracy = np.mean([r[:, 0].mean() for r in per_data.values()])
            worst = min(r[:, 0].mean() for r in per_data.values())
            at_max = np.mean([(r[:, 1] >= max_iter).mean() for r in per_data.values()])
            rows.append((cls.__name__, rate, accuracy, worst, at_max))
            print(*rows[-1], flush=True)
    return rows


def best_rates(rows):
    """The recommended rate per optimizer: best mean accuracy, the smaller
    rate on a tie within 0.1 point."""
    best = {}
    for name, rate, accuracy, _, _ in rows:
        if name not in best or accuracy > best[name][1] + 1e-3:
            best[name] = (rate, accuracy)
    return {name: rate for name, (rate, _) in best.items()}


def sweep_markdown(rows, seeds, max_iter):
    best = best_rates(rows)
    lines = [
        f"Seeds {list(seeds)}, hidden_layer_sizes=(64,), max_iter={max_iter}, "
        "standardized features, stratified 75/25 split per seed; iris, digits, "
        "wine, breast_cancer.",
        "",
        "| optimizer | learning rate | mean test accuracy | worst dataset "
        "| fits at max_iter | |",
        "|---|---|---|---|---|---|",
    ]
    for name, rate, accuracy, worst, at_max in rows:
        mark = "recommended" if best[name] == rate else ""
        lines.append(
            f"| {name} | {rate:g} | {accuracy:.4f} | {worst:.4f} "
            f"| {at_max:.0%} | {mark} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=None)
    parser.add_argument("--out", help="also write the table to this Markdown file")
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="every optimizer at every rate of RATES (max_iter defaults to 200)",
    )
    args = parser.parse_args()
    seeds = range(args.seeds)
    if args.sweep:
        max_iter = 200 if args.max_iter is None else args.max_iter
        markdown = sweep_markdown(sweep(seeds, max_iter), seeds, max_iter)
    else:
        max_iter = 300 if args.max_iter is None else args.max_iter
        markdown = to_markdown(table(seeds, max_iter), seeds, max_iter)
    print(markdown)
    if args.out:
        with open(args.out, "w") as f:
            f.write(markdown)


if __name__ == "__main__":
    main()
