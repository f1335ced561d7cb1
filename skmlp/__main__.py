"""``python -m skmlp``: the textbook iris example, then every solver compared.

The table fits each solver on iris and digits (standardized, the same 80/20
split) and prints test accuracy, epochs (or L-BFGS iterations) and seconds.
"""

from __future__ import annotations

import time
import warnings

from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLP, MLPClassifier

#: Learning rate each solver is run with in the comparison table.
TABLE_LEARNING_RATES = {
    "lbfgs": None,
    "gd": 0.5,
    "sgd": 0.01,
    "momentum": 0.05,
    "adagrad": 0.05,
    "rmsprop": 0.001,
    "adam": 0.001,
    "adamw": 0.001,
}


def article_example() -> float:
    """The textbook example: returns the test accuracy on iris."""
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=42
    )
    model = MLP(
        hidden_layer_sizes=(10, 10), max_iter=1000, alpha=0.001, random_state=42
    )
    model.fit(X_train, y_train)
    return accuracy_score(y_test, model.predict(X_test))


def compare_solvers(max_iter: int = 500) -> list[tuple]:
    """Fit every solver on iris and digits; rows of (data, solver, acc, epochs, s)."""
    rows = []
    for name, loader in (("iris", load_iris), ("digits", load_digits)):
        X, y = loader(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, random_state=42, stratify=y
        )
        for solver, lr in TABLE_LEARNING_RATES.items():
            params = {} if lr is None else {"learning_rate_init": lr}
            clf = MLPClassifier(
                hidden_layer_sizes=(50,),
                solver=solver,
                max_iter=max_iter,
                random_state=0,
                **params,
            )
            model = make_pipeline(StandardScaler(), clf)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            accuracy = accuracy_score(y_test, model.predict(X_test))
            rows.append((name, solver, accuracy, clf.n_iter_, seconds))
    return rows


def main() -> None:
    """Print the example's accuracy and the solver table."""
    print(
        "Textbook example: MLP(hidden_layer_sizes=(10, 10), max_iter=1000, "
        "alpha=0.001, random_state=42) on iris"
    )
    print(f"Accuracy: {article_example():.4f}\n")
    print("Solvers on standardized data, hidden_layer_sizes=(50,), max_iter=500")
    print(f"{'data':<8}{'solver':<10}{'accuracy':>10}{'epochs':>8}{'seconds':>10}")
    for data, solver, accuracy, epochs, seconds in compare_solvers():
        print(f"{data:<8}{solver:<10}{accuracy:>10.4f}{epochs:>8d}{seconds:>10.3f}")


if __name__ == "__main__":
    main()
