"""``python -m skmlp``: the textbook iris example, then every solver compared.

The table fits each solver on each dataset (standardized, the same
stratified 80/20 split) and prints test accuracy, epochs (or L-BFGS
iterations) and seconds; ``python -m skmlp --help`` lists the options.
"""

from __future__ import annotations

import argparse
import time
import warnings

from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLP, MLPClassifier
from skmlp.optimizers import GD, SGD, AdaGrad, Adam, AdamW, Momentum, RMSprop

DATASETS = {
    "iris": load_iris,
    "digits": load_digits,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
}

#: Solver string -> the optimizer class whose recommended learning rate the
#: table runs it at (lbfgs has no learning rate).
SOLVERS = {
    "lbfgs": None,
    "gd": GD,
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}

LEGEND = """\
accuracy: on the held-out 20%; epochs: passes over the training part
(L-BFGS: iterations); rate: the learning rate, each optimizer's
recommended_learning_rate (docs/optimizer_sweep.md has the sweep behind
them); * marks a fit that stopped at max_iter without converging."""


def article_example() -> float:
    """The textbook example: returns the test accuracy on iris.

    Examples
    --------
    >>> from skmlp.__main__ import article_example
    >>> round(article_example(), 4)
    0.9333
    """
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=42
    )
    model = MLP(
        hidden_layer_sizes=(10, 10), max_iter=1000, alpha=0.001, random_state=42
    )
    model.fit(X_train, y_train)
    return accuracy_score(y_test, model.predict(X_test))


def compare_solvers(
    max_iter: int = 500,
    datasets: tuple[str, ...] = ("iris", "digits"),
    solvers: tuple[str, ...] = tuple(SOLVERS),
) -> list[tuple]:
    """Fit every solver on every dataset.

    Returns rows of (dataset, solver, learning rate or None, accuracy,
    epochs, seconds, whether the fit stopped at ``max_iter``).

    Examples
    --------
    >>> from skmlp.__main__ import compare_solvers
    >>> [row[:3] for row in compare_solvers(5, ("iris",), ("lbfgs", "adam"))]
    [('iris', 'lbfgs', None), ('iris', 'adam', 0.01)]
    """
    rows = []
    for name in datasets:
        X, y = DATASETS[name](return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, random_state=42, stratify=y
        )
        for solver in solvers:
            optimizer = SOLVERS[solver]
            rate = None if optimizer is None else optimizer.recommended_learning_rate
            params = {} if rate is None else {"learning_rate_init": rate}
            clf = MLPClassifier(
                (50,), solver=solver, max_iter=max_iter, random_state=0, **params
            )
            model = make_pipeline(StandardScaler(), clf)
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            # A fit that stops at max_iter says so with a ConvergenceWarning.
            hit = any(issubclass(w.category, ConvergenceWarning) for w in caught)
            accuracy = accuracy_score(y_test, model.predict(X_test))
            rows.append((name, solver, rate, accuracy, clf.n_iter_, seconds, hit))
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m skmlp",
        description="The textbook iris example, then every solver compared.",
        epilog=LEGEND,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data", nargs="+", choices=list(DATASETS), default=["iris", "digits"]
    )
    parser.add_argument(
        "--solvers", nargs="+", choices=list(SOLVERS), default=list(SOLVERS)
    )
    parser.add_argument("--max-iter", type=int, default=500, help="default: 500")
    parser.add_argument(
        "--no-example", action="store_true", help="skip the textbook example"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Print the example's accuracy and the solver table (``argv``: options)."""
    args = _parser().parse_args(argv)
    if not args.no_example:
        print(
            "Textbook example: MLP(hidden_layer_sizes=(10, 10), max_iter=1000, "
            "alpha=0.001, random_state=42) on iris"
        )
        print(f"Accuracy: {article_example():.4f}\n")
    print(
        "Solvers on standardized data, hidden_layer_sizes=(50,), "
        f"max_iter={args.max_iter}"
    )
    header = f"{'data':<14}{'solver':<10}{'rate':>7}{'accuracy':>10}"
    print(header + f"{'epochs':>8}{'seconds':>10}")
    rows = compare_solvers(args.max_iter, tuple(args.data), tuple(args.solvers))
    for data, solver, rate, accuracy, epochs, seconds, hit in rows:
        shown = "-" if rate is None else f"{rate:g}"
        mark = "*" if hit else " "
        print(
            f"{data:<14}{solver:<10}{shown:>7}{accuracy:>10.4f}"
            f"{epochs:>7d}{mark}{seconds:>10.3f}"
        )
    print("\n" + LEGEND)


if __name__ == "__main__":
    main()
