"""
Comparing optimizers by their loss curves on digits, with LossCurveDisplay.
===========================================================================

One hidden layer of 64 units is trained on the standardized digits with
early stopping (10% of the training data held out) by every optimizer of
:mod:`skmlp.optimizers` (Nesterov-momentum SGD and Adam through
``solver="sgd"`` and ``"adam"``, the others as objects), each at its
recommended learning rate (docs/guide/optimizers.md), and by
``solver="lbfgs"``, to which early stopping does not apply (as in
scikit-learn): it trains on the whole training part until ``tol`` stops it,
and its curve has one point per L-BFGS iteration.  One
:class:`skmlp.plotting.LossCurveDisplay` per fit draws on the same axes:
the training loss (solid, left axis), the loss of the held-out part
(dashed) and the validation accuracy early stopping watches (dotted, right
axis).

Run it with ``python examples/plot_loss_curves.py [figure.png]`` (default
``loss_curves.png`` in the current directory); it prints each fit's epochs,
best validation accuracy and test accuracy.  A few seconds of CPU time.
"""

import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier
from skmlp.optimizers import GD, AdaGrad, AdamW, Momentum, RMSprop
from skmlp.plotting import LossCurveDisplay

SOLVERS = {
    "GD(0.3)": dict(solver=GD(learning_rate=0.3)),
    "sgd (momentum 0.9)": dict(solver="sgd", learning_rate_init=0.1),
    "Momentum(0.3)": dict(solver=Momentum(learning_rate=0.3)),
    "AdaGrad(0.03)": dict(solver=AdaGrad(learning_rate=0.03)),
    "RMSprop()": dict(solver=RMSprop(learning_rate=0.001)),
    "adam": dict(solver="adam", learning_rate_init=0.01),
    "AdamW(0.01)": dict(solver=AdamW(learning_rate=0.01)),
    "lbfgs": dict(solver="lbfgs", early_stopping=False),
}


def load_data():
    """Standardized digits, split 75/25 with stratification (``random_state=0``)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def fit_all(solvers=SOLVERS, max_iter=200):
    """``{name: fitted model}`` and ``{name: test accuracy}``."""
    X_train, X_test, y_train, y_test = load_data()
    models, accuracy = {}, {}
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, params in solvers.items():
            model = MLPClassifier(
                **{
                    "hidden_layer_sizes": (64,),
                    "early_stopping": True,
                    "max_iter": max_iter,
                    "random_state": 0,
                    **params,
                }
            ).fit(X_train, y_train)
            models[name] = model
            accuracy[name] = model.score(X_test, y_test)
    return models, accuracy


def plot(models, path):
    """One display per model on shared axes; the figure saved to ``path``."""
    fig, ax = plt.subplots(figsize=(8, 7), constrained_layout=True)
    displays = [
        LossCurveDisplay.from_estimator(model, ax=ax, name=name)
        for name, model in models.items()
    ]
    ax.set_yscale("log")
    # Each display labels the x axis with its own unit; lbfgs's is iterations.
    ax.set_xlabel("epoch (lbfgs: iteration)")
    # The displays' legend, moved below the axes, off the curves (on the
    # score axis, drawn last, so that no curve covers it; lbfgs has none).
    score_ax = next(d.score_ax_ for d in displays if d.score_ax_ is not None)
    score_ax.legend(
        handles=ax.lines + score_ax.lines,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=2,
    )
    ax.set_title("digits, 64 hidden units: every optimizer, and lbfgs")
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None, solvers=SOLVERS, max_iter=200):
    """Fit, print the table, save the figure; returns ``(path, models, accuracy)``."""
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "loss_curves.png"
    models, accuracy = fit_all(solvers, max_iter)
    print(f"{'solver':>20} {'epochs':>6} {'best val':>8} {'test':>6}")
    for name, model in models.items():
        # lbfgs runs no early stopping, so it has no validation score.
        best = getattr(model, "best_validation_score_", None)
        best = "-" if best is None else f"{best:.3f}"
        print(f"{name:>20} {model.n_iter_:>6} {best:>8} {accuracy[name]:>6.3f}")
    plot(models, path)
    print(f"Saved {path}")
    return path, models, accuracy


if __name__ == "__main__":
    main()
