"""
Making a model smaller: accuracy against pickled size
=====================================================

A teacher, ``MLPClassifier(hidden_layer_sizes=(256, 256))`` trained on the
standardized digits (float32, a 70/30 split), is made smaller by every
method of :mod:`skmlp.compression`, each at a few settings of its one knob:

- unstructured pruning (the fraction of weights set to zero), then trained
  further with the zeros kept;
- structured pruning (the fraction of each layer's units removed), then
  trained further;
- quantization to 8 and 4 bits;
- low rank (each layer's rank: 64, 32, 16; the ``energy`` knob, the fraction
  of squared singular values kept, stores more numbers than the teacher here
  from 0.95 up, as these layers' spectra are flat);
- shared weights (codebook entries per layer);
- distillation into one hidden layer of 64, 32 or 16 units;
- pruning, then shared weights, then quantization, composed.

Each model's test accuracy is plotted against ``len(pickle.dumps(model))``,
everything it stores, on a log axis.  The teacher's pickle also holds Adam's
two moment estimates (for ``warm_start``), twice its weights' bytes; the
compressed models hold none, the distilled students (an ordinary ``fit``) do.

Run it with ``python examples/plot_compression.py [figure.png]`` (default
``compression.png`` in the current directory); it prints the table it plots.
About ten seconds (one BLAS thread).
"""

# %%
# The data and the teacher
# ------------------------

import pickle
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier
from skmlp.compression import distill, low_rank, prune, quantize, share_weights


def load_data():
    """Standardized digits in float32, split 70/30 (``random_state=0``)."""
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    scaler = StandardScaler().fit(Xtr)
    return *(scaler.transform(X).astype(np.float32) for X in (Xtr, Xte)), ytr, yte


# %%
# The methods, each with its knob's settings
# ------------------------------------------
#
# Every function takes the fitted teacher and returns a new fitted
# estimator; passing ``X`` and ``y`` to :func:`~skmlp.compression.prune`
# trains the pruned model further.

SETTINGS = {
    "prune + tune": [0.8, 0.9, 0.95, 0.98],
    "structured prune + tune": [0.5, 0.75],
    "quantize (bits)": [8, 4],
    "low rank (rank)": [64, 32, 16],
    "share weights (values)": [64, 16, 4],
    "distill (units)": [64, 32, 16],
    "prune 0.95 > share 16 > quantize 8": [None],
}


def compress(method, knob, teacher, X, y):
    """The teacher made smaller by ``method`` at ``knob``."""
    if method == "prune + tune":
        return prune(teacher, knob, X=X, y=y)
    if method == "structured prune + tune":
        return prune(teacher, knob, structured=True, X=X, y=y)
    if method == "quantize (bits)":
        return quantize(teacher, bits=knob)
    if method == "low rank (rank)":
        return low_rank(teacher, rank=[min(knob, *W.shape) for W in teacher.coefs_])
    if method == "share weights (values)":
        return share_weights(teacher, knob)
    if method == "distill (units)":
        student = MLPClassifier((knob,), max_iter=teacher.max_iter, random_state=0)
        return distill(teacher, student, X, y, temperature=2.0)
    return quantize(share_weights(prune(teacher, 0.95, X=X, y=y), 16), bits=8)


def fit_all(hidden=(256, 256), max_iter=300, settings=None):
    """``{(method, knob): (pickled bytes, test accuracy)}``, the teacher's
    under ``("teacher", None)``, and the teacher's weights and biases."""
    X_train, X_test, y_train, y_test = load_data()
    results = {}
    # One BLAS thread, as the other examples: on a 2-core machine shared
    # with other work, OpenBLAS's two threads wait on each other and the
    # run takes minutes instead of seconds.  (In float32 the thread count
    # moves the last bits: one point of the figure, prune(0.9) + tune, reads
    # 0.9796 here and 0.9815 in docs/compression.md's table, at two.)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        teacher = MLPClassifier(hidden, max_iter=max_iter, random_state=0)
        teacher.fit(X_train, y_train)
        models = {("teacher", None): teacher}
        for method, knobs in (settings or SETTINGS).items():
            for knob in knobs:
                models[method, knob] = compress(method, knob, teacher, X_train, y_train)
        for key, model in models.items():
            results[key] = len(pickle.dumps(model)), model.score(X_test, y_test)
    n_weights = sum(W.size for W in teacher.coefs_ + teacher.intercepts_)
    return results, n_weights


# %%
# The figure
# ----------
#
# The dashed line is the teacher's accuracy, the grey band one point below
# it; the dotted line is the teacher's weights and biases at 4 bytes each.


def plot(results, n_weights, path):
    """Accuracy against pickled size, a line per method; saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6), constrained_layout=True)
    size, accuracy = results["teacher", None]
    ax.axhline(accuracy, color="k", ls="--", lw=0.8)
    ax.axhspan(accuracy - 0.01, accuracy, color="0.9")
    ax.axvline(4 * n_weights, color="k", ls=":", lw=0.8)
    ax.plot(size, accuracy, "k*", ms=14, label="teacher")
    methods = dict.fromkeys(method for method, _ in results if method != "teacher")
    for i, method in enumerate(methods):
        points = [(k, *v) for (m, k), v in results.items() if m == method]
        xs, ys = [p[1] for p in points], [p[2] for p in points]
        ax.plot(xs, ys, "o-", color=f"C{i}", label=method)
        for knob, x, y in points:
            if knob is not None:
                ax.annotate(
                    f"{knob:g}",
                    (x, y),
                    xytext=(4, 4),
                    fontsize=8,
                    textcoords="offset points",
                    color=f"C{i}",
                )
    ax.set_xscale("log")
    ax.set_xlabel("pickled bytes (log)")
    ax.set_ylabel("test accuracy")
    ax.set_title("digits: test accuracy against pickled size")
    ax.legend(fontsize=8, loc="lower right")
    fig.savefig(path, dpi=100)
    plt.close(fig)


# %%
# Running it
# ----------


def main(argv=None, hidden=(256, 256), max_iter=300, settings=None):
    """Fit, print the table, save the figure; returns ``(path, results)``."""
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "compression.png"
    results, n_weights = fit_all(hidden, max_iter, settings)
    teacher_accuracy = results["teacher", None][1]
    print(f"{'method':<36} {'knob':>5} {'bytes':>9} {'size':>6} {'accuracy':>8}")
    for (method, knob), (size, accuracy) in results.items():
        knob = "-" if knob is None else f"{knob:g}"
        print(
            f"{method:<36} {knob:>5} {size:>9,} {size / (4 * n_weights):>5.3f}x "
            f"{accuracy:>8.4f} ({100 * (accuracy - teacher_accuracy):+.2f})"
        )
    plot(results, n_weights, path)
    print(f"Saved {path}")
    return path, results


if __name__ == "__main__":
    main()
