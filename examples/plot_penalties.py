"""
L1, L2 and elastic net on digits: weight distributions, sparsity, accuracy.
===========================================================================

One hidden layer of 64 units is trained with Adam on the standardized digits
(a fixed stratified split) under each penalty and a grid of ``alpha``.  The
figure shows

- top: histograms of the first-layer weights at ``alpha = 1`` (log counts):
  L2 shrinks them towards 0, L1 puts most of them *exactly* at 0, elastic
  net in between;
- bottom: the fraction of exactly-zero first-layer weights and the test
  accuracy against ``alpha``, and which pixels L1 drops at ``alpha = 1``
  (``dropped_features_``: every weight leaving them is 0).

Run it with ``python examples/plot_penalties.py [figure.png]`` (default
``penalties.png`` in the current directory); it prints the table it plots.
About 20 seconds of CPU time (one BLAS thread).
"""

import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier

PENALTIES = {"l2": {}, "elasticnet": {"l1_ratio": 0.5}, "l1": {}}
ALPHAS = (0.01, 0.1, 0.3, 1.0, 3.0)
HIST_ALPHA = 1.0


def load_data():
    """Standardized digits, split 75/25 with stratification (``random_state=0``)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def fit_all(alphas=ALPHAS, max_iter=200):
    """``{(penalty, alpha): fitted model}`` and ``{...: test accuracy}``."""
    X_train, X_test, y_train, y_test = load_data()
    models, accuracy = {}, {}
    # The matrices are small: one BLAS thread is as fast and does not fight
    # other processes for the CPU.
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for penalty, extra in PENALTIES.items():
            for alpha in alphas:
                model = MLPClassifier(
                    hidden_layer_sizes=(64,),
                    solver="adam",
                    penalty=penalty,
                    alpha=alpha,
                    max_iter=max_iter,
                    random_state=0,
                    **extra,
                ).fit(X_train, y_train)
                models[penalty, alpha] = model
                accuracy[penalty, alpha] = model.score(X_test, y_test)
    return models, accuracy


def plot(models, accuracy, alphas, hist_alpha, path):
    """Draw the figure described in the module docstring and save it."""
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), constrained_layout=True)
    bins = np.linspace(-0.6, 0.6, 61)
    for ax, penalty in zip(axes[0], PENALTIES):
        model = models[penalty, hist_alpha]
        ax.hist(model.coefs_[0].ravel(), bins=bins, color="C0")
        ax.set_yscale("log")
        ax.set_title(
            f"{penalty}, alpha={hist_alpha:g}: {model.sparsity_[0]:.0%} exact zeros"
        )
        ax.set_xlabel("first-layer weight")
    axes[0, 0].set_ylabel("count (log)")

    for penalty in PENALTIES:
        sparsity = [models[penalty, a].sparsity_[0] for a in alphas]
        scores = [accuracy[penalty, a] for a in alphas]
        axes[1, 0].plot(alphas, sparsity, "o-", label=penalty)
        axes[1, 1].plot(alphas, scores, "o-", label=penalty)
    for ax, label in zip(axes[1, :2], ["fraction of zero weights", "test accuracy"]):
        ax.set_xscale("log")
        ax.set_xlabel("alpha")
        ax.set_ylabel(label)
        ax.legend()
    axes[1, 0].set_title("first-layer sparsity")
    axes[1, 1].set_title("test accuracy")

    mask = np.zeros(64)
    mask[models["l1", hist_alpha].dropped_features_] = 1
    axes[1, 2].imshow(mask.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    axes[1, 2].set_title(f"pixels dropped by l1, alpha={hist_alpha:g} (black)")
    axes[1, 2].set_xticks([])
    axes[1, 2].set_yticks([])
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None, alphas=ALPHAS, hist_alpha=HIST_ALPHA, max_iter=200):
    """Fit, print the table, save the figure; returns ``(path, models, accuracy)``."""
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "penalties.png"
    alphas = tuple(sorted(set(alphas) | {hist_alpha}))
    models, accuracy = fit_all(alphas, max_iter)
    print(f"{'penalty':>10} {'alpha':>6} {'zeros':>6} {'accuracy':>8}")
    for (penalty, alpha), model in models.items():
        print(
            f"{penalty:>10} {alpha:>6g} {model.sparsity_[0]:>6.1%} "
            f"{accuracy[penalty, alpha]:>8.3f}"
        )
    plot(models, accuracy, alphas, hist_alpha, path)
    print(f"Saved {path}")
    return path, models, accuracy


if __name__ == "__main__":
    main()
