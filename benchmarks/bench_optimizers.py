"""Every optimizer on iris, digits, wine and breast_cancer: accuracy, epochs, time.

Standardized data, a stratified 75/25 split per seed, hidden layers (64,).
By default each optimizer runs at its ``recommended_learning_rate`` for up to
300 epochs: per dataset, the mean test accuracy, epochs and fit seconds over
the seeds, and the gap to Adam.  ``--sweep`` shows what those rates come
from: every rate of :data:`RATES`, 200 epochs (the estimator's default), the
mean accuracy over datasets and seeds, the worst dataset's, the share of fits
that used every epoch; the best mean (the smaller rate within 0.1 point) is
the recommended rate.

Usage::

    python benchmarks/bench_optimizers.py --out docs/optimizer_table.md
    python benchmarks/bench_optimizers.py --sweep --out docs/optimizer_sweep.md
"""

from __future__ import annotations

import time
import warnings

import _common
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


def run_one(loader, cls, rate, seed, max_iter):
    """(test accuracy, epochs, fit seconds) of one fit; a rate so large that
    the first epoch overflows learns nothing: accuracy 0."""
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    clf = MLPClassifier(
        (64,), solver=cls(learning_rate=rate), max_iter=max_iter, random_state=seed
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            clf.fit(scaler.transform(X_train), y_train)
        except ValueError as error:
            if "non-finite" not in str(error):
                raise
            return 0.0, 0, time.perf_counter() - start
    seconds = time.perf_counter() - start
    return clf.score(scaler.transform(X_test), y_test), clf.n_iter_, seconds


def per_dataset(cls, rate, seeds, max_iter):
    """Dataset name -> mean (accuracy, epochs, seconds) over the seeds."""
    return {
        name: np.mean([run_one(load, cls, rate, s, max_iter) for s in seeds], axis=0)
        for name, load in DATASETS.items()
    }


def table(seeds, max_iter):
    """Rows of the default table: every optimizer at its recommended rate."""
    results = {
        cls: per_dataset(cls, cls.recommended_learning_rate, seeds, max_iter)
        for cls in OPTIMIZERS
    }
    rows = []
    for name in DATASETS:
        adam = results[Adam][name][0]
        for cls, result in results.items():
            accuracy, epochs, seconds = result[name]
            rate = cls.recommended_learning_rate
            gap = 100 * (accuracy - adam)
            row = [name, cls.__name__, f"{rate:g}", f"{accuracy:.4f}", f"{epochs:.0f}"]
            rows.append([*row, f"{seconds:.3f}", f"{gap:+.2f}"])
    header = ["data", "optimizer", "learning rate", "test accuracy", "epochs"]
    return [*header, "seconds", "vs Adam (points)"], rows


def sweep(seeds, max_iter):
    """Rows of the sweep: every optimizer at every rate, and the best rate."""
    rows = []
    for cls in OPTIMIZERS:
        measured = []
        for rate in RATES:
            result = per_dataset(cls, rate, seeds, max_iter)
            accuracies = [r[0] for r in result.values()]
            at_max = np.mean([r[1] >= max_iter for r in result.values()])
            measured.append((rate, np.mean(accuracies), min(accuracies), at_max))
        best = measured[0]
        for entry in measured[1:]:
            best = entry if entry[1] > best[1] + 1e-3 else best
        for rate, mean, worst, at_max in measured:
            mark = "recommended" if rate == best[0] else ""
            row = [cls.__name__, f"{rate:g}", f"{mean:.4f}", f"{worst:.4f}"]
            rows.append([*row, f"{at_max:.0%}", mark])
    header = ["optimizer", "learning rate", "mean test accuracy", "worst dataset"]
    return [*header, "fits at max_iter", ""], rows


def main(argv=None):
    p = _common.parser(__doc__)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--max-iter", type=int, help="epochs at most (300; sweep 200)")
    p.add_argument("--sweep", action="store_true", help="every rate of RATES")
    args = p.parse_args(argv)
    seeds = range(args.seeds)
    max_iter = args.max_iter or (200 if args.sweep else 300)
    with _common.thread_limits(args.threads):
        header, rows = (sweep if args.sweep else table)(seeds, max_iter)
    info = [
        f"seeds {list(seeds)}, hidden_layer_sizes=(64,), max_iter={max_iter}, "
        "standardized features, stratified 75/25 split per seed",
        *_common.machine_info(),
    ]
    _common.report("Optimizers", info, header, rows, [], args.out)
    return rows


if __name__ == "__main__":
    main()
