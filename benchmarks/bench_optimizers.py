"""Every optimizer on iris, digits, wine and breast_cancer.

Each optimizer runs at its documented recommended learning rate
(``Optimizer.recommended_learning_rate``) on standardized data, a fixed
stratified 75/25 split per seed, hidden layers (64,), and up to ``--max-iter``
epochs with the default stopping rule. The table gives the mean test accuracy
over the seeds, the mean epochs and the mean fit seconds, and the gap to Adam
in accuracy points.

    python benchmarks/bench_optimizers.py            # prints the table
    python benchmarks/bench_optimizers.py --out docs/optimizer_table.md
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


def run_one(loader, cls, seed, max_iter):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    optimizer = cls(learning_rate=cls.recommended_learning_rate)
    clf = MLPClassifier(
        hidden_layer_sizes=(64,),
        solver=optimizer,
        max_iter=max_iter,
        random_state=seed,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(scaler.transform(X_train), y_train)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=300)
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args()
    seeds = range(args.seeds)
    markdown = to_markdown(table(seeds, args.max_iter), seeds, args.max_iter)
    print(markdown)
    if args.out:
        with open(args.out, "w") as f:
            f.write(markdown)


if __name__ == "__main__":
    main()
