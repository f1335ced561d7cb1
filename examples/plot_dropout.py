"""
Dropout curbing overfitting: a wide regressor on 200 noisy rows.
================================================================

Friedman's first regression problem (``make_friedman1``: 10 features, 5 of
them used, Gaussian noise of standard deviation 2) with 200 training rows
and 2000 test rows, standardized.  A wide network (two hidden layers of 256
units, Adam at ``learning_rate_init=0.01``, no penalty, no early stopping,
300 epochs) is trained with ``dropout`` 0, 0.2 and 0.5.  Without dropout it
fits the training noise (training R^2 near 1) and its test loss climbs
after its minimum; dropout keeps the training fit looser and the test loss
and R^2 better.  The test set is given to ``fit`` as ``X_val``/``y_val``, so
each fit records its loss there after every epoch
(``validation_loss_curve_``, half the mean squared error; recording it
changes nothing in the fit).

The figure draws, per rate, with :class:`skmlp.plotting.LossCurveDisplay`,
the training loss (solid; with dropout it is the loss of the dropped
networks the steps see, not of the network ``predict`` uses) and the test
loss (dashed).

Run it with ``python examples/plot_dropout.py [figure.png]`` (default
``dropout.png`` in the current directory); it prints the table of the
numbers.  About 10 seconds of CPU time (one BLAS thread).
"""

import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skmlp import MLPRegressor
from skmlp.plotting import LossCurveDisplay

RATES = (0.0, 0.2, 0.5)
HIDDEN = (256, 256)
N_TRAIN, N_TEST = 200, 2000


def load_data(n_train=N_TRAIN, n_test=N_TEST):
    """``make_friedman1`` (noise 2, ``random_state=0``): the first
    ``n_train`` rows to train, the next ``n_test`` to test, standardized
    with the training rows' scaler."""
    X, y = make_friedman1(
        n_samples=n_train + n_test, n_features=10, noise=2.0, random_state=0
    )
    scaler = StandardScaler().fit(X[:n_train])
    X = scaler.transform(X)
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


def fit_all(rates=RATES, hidden=HIDDEN, max_iter=300, n_train=N_TRAIN):
    """``{rate: fitted model}`` and ``{rate: (train R^2, test R^2)}``."""
    X_train, X_test, y_train, y_test = load_data(n_train)
    models, results = {}, {}
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for rate in rates:
            model = MLPRegressor(
                hidden_layer_sizes=hidden,
                learning_rate_init=0.01,
                penalty=None,
                dropout=rate,
                max_iter=max_iter,
                n_iter_no_change=max_iter,
                random_state=0,
            ).fit(X_train, y_train, X_val=X_test, y_val=y_test)
            models[rate] = model
            results[rate] = (model.score(X_train, y_train), model.score(X_test, y_test))
    return models, results


def plot(models, path):
    """The training and test losses of every fit on one axes; saved."""
    fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
    for rate, model in models.items():
        LossCurveDisplay.from_estimator(model, ax=ax, name=f"dropout={rate:g}")
    ax.set_yscale("log")
    ax.set_title(
        "friedman1, 200 noisy training rows, 256x256: training (solid) and "
        "test (dashed) loss"
    )
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None, rates=RATES, hidden=HIDDEN, max_iter=300, n_train=N_TRAIN):
    """Fit, print the table, save the figure; returns ``(path, models,
    results)``."""
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "dropout.png"
    models, results = fit_all(rates, hidden, max_iter, n_train)
    print(
        f"{'dropout':>7} {'train R2':>8} {'test R2':>7} {'test loss':>9} "
        f"{'min test loss (epoch)':>21}"
    )
    for rate, (train, test) in results.items():
        curve = models[rate].validation_loss_curve_
        best = int(np.argmin(curve))
        print(
            f"{rate:>7g} {train:>8.3f} {test:>7.3f} {curve[-1]:>9.3f} "
            f"{curve[best]:>15.3f} ({best + 1:>3})"
        )
    plot(models, path)
    print(f"Saved {path}")
    return path, models, results


if __name__ == "__main__":
    main()
