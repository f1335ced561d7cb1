"""
Early stopping on a validation set you give, and its loss curve
===============================================================

scikit-learn's ``early_stopping=True`` holds out a random
``validation_fraction`` of the training data.  skmlp's ``fit`` also takes the
validation set itself (``X_val``, ``y_val``): early stopping then watches
that set, and every epoch's loss on it is kept in ``validation_loss_curve_``
next to ``loss_curve_`` (the training loss) and ``validation_scores_``
(the accuracy early stopping watches).

On digits (standardized; 60% to train, 20% to validate, 20% to test), one
hidden layer of 64 units is trained with Adam until the validation accuracy
stops improving (``n_iter_no_change=10``).  The script prints the epochs
run, the best validation accuracy and the test accuracy, and marks the best
epoch (dotted gray); :class:`skmlp.plotting.LossCurveDisplay` draws the three curves.

Run it with ``python examples/plot_early_stopping.py [figure.png]`` (default
``early_stopping.png`` in the current directory).  A few seconds of CPU time.
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
from skmlp.plotting import LossCurveDisplay


def load_data():
    """Standardized digits: train, validation and test sets (60/20/20)."""
    X, y = load_digits(return_X_y=True)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=0.2, random_state=0, stratify=y
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=0.25, random_state=0, stratify=y_rest
    )
    scaler = StandardScaler().fit(X_train)
    return (
        scaler.transform(X_train),
        scaler.transform(X_val),
        scaler.transform(X_test),
        y_train,
        y_val,
        y_test,
    )


def fit(max_iter=300):
    """The model fitted with early stopping on the given validation set, and
    its test accuracy."""
    X_train, X_val, X_test, y_train, y_val, y_test = load_data()
    model = MLPClassifier(
        hidden_layer_sizes=(64,),
        solver="adam",
        learning_rate_init=0.01,
        early_stopping=True,
        n_iter_no_change=10,
        max_iter=max_iter,
        random_state=0,
    )
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    return model, model.score(X_test, y_test)


def plot(model, path):
    fig, ax = plt.subplots(figsize=(7, 5), constrained_layout=True)
    display = LossCurveDisplay.from_estimator(model, ax=ax, name="adam")
    ax.set_yscale("log")
    ax.axvline(
        1 + int(max(range(model.n_iter_), key=model.validation_scores_.__getitem__)),
        color="gray",
        linestyle=":",
        label="best epoch",
    )
    display.score_ax_.legend(
        handles=display.ax_.lines + display.score_ax_.lines, loc="center right"
    )
    ax.set_title("digits: early stopping on a given validation set")
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None, max_iter=300):
    """Fit, print, save the figure; returns ``(path, model, test_accuracy)``."""
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "early_stopping.png"
    model, test_accuracy = fit(max_iter)
    print(f"epochs run:               {model.n_iter_}")
    print(f"best validation accuracy: {model.best_validation_score_:.3f}")
    print(f"final training loss:      {model.loss_curve_[-1]:.4f}")
    print(f"final validation loss:    {model.validation_loss_curve_[-1]:.4f}")
    print(f"test accuracy:            {test_accuracy:.3f}")
    plot(model, path)
    print(f"Saved {path}")
    return path, model, test_accuracy


if __name__ == "__main__":
    main()
