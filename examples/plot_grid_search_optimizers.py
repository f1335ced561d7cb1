"""
Tuning the optimizer itself: a Pipeline and GridSearchCV over optimizer objects
===============================================================================

skmlp's optimizers are objects holding their hyperparameters, so a grid
search can choose *between* optimizers (each with its own settings) and tune
an optimizer's own parameters through ``solver__<name>``, inside a
:class:`~sklearn.pipeline.Pipeline` like any scikit-learn parameter.

On digits (a 75/25 stratified split; :class:`~sklearn.preprocessing.StandardScaler`
then one hidden layer of 32 units, 60 epochs), a 3-fold search compares SGD,
Momentum, AdaGrad, RMSprop, Adam and AdamW, each at two learning rates.  It
prints each candidate's mean cross-validated accuracy and the best one's test
accuracy, and plots the scores.

Run it with ``python examples/plot_grid_search_optimizers.py [figure.png]``
(default ``grid_search_optimizers.png`` in the current directory).  A few
seconds of CPU time.
"""

import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier
from skmlp.optimizers import SGD, AdaGrad, Adam, AdamW, Momentum, RMSprop

# One entry per optimizer: the object, and the learning rates to try (its
# recommended rate and one ten times smaller).
GRID = [
    {"mlp__solver": [SGD()], "mlp__solver__learning_rate": [0.1, 0.01]},
    {"mlp__solver": [Momentum()], "mlp__solver__learning_rate": [0.3, 0.03]},
    {"mlp__solver": [AdaGrad()], "mlp__solver__learning_rate": [0.03, 0.003]},
    {"mlp__solver": [RMSprop()], "mlp__solver__learning_rate": [0.01, 0.001]},
    {"mlp__solver": [Adam()], "mlp__solver__learning_rate": [0.01, 0.001]},
    {"mlp__solver": [AdamW()], "mlp__solver__learning_rate": [0.01, 0.001]},
]


def search(grid=GRID, max_iter=60, cv=3):
    """The fitted search and its best model's test accuracy."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("mlp", MLPClassifier((32,), max_iter=max_iter, random_state=0)),
        ]
    )
    grid_search = GridSearchCV(pipe, grid, cv=cv)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid_search.fit(X_train, y_train)
    return grid_search, grid_search.score(X_test, y_test)


def label(params):
    solver = type(params["mlp__solver"]).__name__
    return f"{solver}({params['mlp__solver__learning_rate']:g})"


def plot(grid_search, path):
    """Each candidate's mean CV accuracy (± one standard deviation)."""
    results = grid_search.cv_results_
    labels = [label(p) for p in results["params"]]
    mean, std = results["mean_test_score"], results["std_test_score"]
    fig, ax = plt.subplots(figsize=(7, 5), constrained_layout=True)
    ax.barh(np.arange(len(labels)), mean, xerr=std, color="tab:blue")
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlim(max(0.0, mean.min() - 0.1), 1.0)
    ax.set_xlabel("mean 3-fold accuracy")
    ax.set_title("GridSearchCV over optimizer objects (digits)")
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None, grid=GRID, max_iter=60, cv=3):
    """Search, print the table, save the figure; returns ``(path, search, test)``."""
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "grid_search_optimizers.png"
    grid_search, test_accuracy = search(grid, max_iter, cv)
    results = grid_search.cv_results_
    print(f"{'candidate':>16} {'mean CV':>8} {'std':>6}")
    for params, mean, std in zip(
        results["params"], results["mean_test_score"], results["std_test_score"]
    ):
        print(f"{label(params):>16} {mean:>8.3f} {std:>6.3f}")
    print(f"best: {label(grid_search.best_params_)}, test accuracy {test_accuracy:.3f}")
    plot(grid_search, path)
    print(f"Saved {path}")
    return path, grid_search, test_accuracy


if __name__ == "__main__":
    main()
