"""
A distributed fit on a local Dask cluster
=========================================

:func:`skmlp.distributed.fit` fits an skmlp estimator on a Dask array
chunked by rows, without bringing the rows to the client: each worker keeps
its chunks, and for every evaluation of the objective the client sends out
the weights, each chunk returns its loss and raw gradient, and the client
adds them (in chunk order) and runs the estimator's own solver.  With
``solver="lbfgs"`` the result is the in-memory fit up to the order of those
sums.

Here the digits' training rows (75% of them, scaled to [0, 1], float64) are cut
into four chunks on a :class:`~distributed.LocalCluster` of two worker
processes, one thread each.  ``MLPClassifier((32,), solver="lbfgs")`` is
fitted there and in memory; the script prints both fits' iterations, final
losses and test accuracies, and the largest difference between any two of
their weights.  The figure shows the two loss curves, which lie on each
other, and their relative difference per iteration: the round-off of the
sums, which starts at float64's last bit (dotted) and grows as L-BFGS-B's
curvature pairs amplify it (docs/distributed.md measures how far over
longer runs).

Then :func:`skmlp.distributed.stream_partial_fit`, the out-of-core path,
makes passes of ``partial_fit`` over the same chunks, one chunk in the
client's memory at a time; it gives the weights of the in-memory
``partial_fit`` loop over those chunks to the bit.

Needs the ``dask`` extra (``pip install "skmlp[dask]"``).  Run it with
``python examples/plot_distributed.py [figure.png]`` (default
``distributed.png`` in the current directory).  About ten seconds, most of
it starting the two worker processes.
"""

import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier, distributed

CHUNK_ROWS = 350  # 1347 training rows: four chunks


def load_data():
    """Digits scaled to [0, 1] (the pixels run from 0 to 16), split 75/25 with
    stratification (``random_state=0``)."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, test_size=0.25, random_state=0, stratify=y)


def max_difference(a, b):
    """The largest absolute difference between two fits' weights and biases."""
    pairs = zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)
    return max(float(np.abs(p - q).max()) for p, q in pairs)


def fit_both(max_iter=100, passes=5, processes=True):
    """The lbfgs fits on the cluster and in memory, and the streamed
    ``partial_fit`` models (through Dask, and the in-memory loop)."""
    X_train, X_test, y_train, y_test = load_data()
    model = MLPClassifier((32,), solver="lbfgs", max_iter=max_iter, random_state=0)
    streamed = MLPClassifier((32,), learning_rate_init=0.01, random_state=0)
    looped = MLPClassifier((32,), learning_rate_init=0.01, random_state=0)
    classes = np.unique(y_train)
    # Row chunks: every worker holds whole rows, as data read from storage
    # (da.from_zarr, a Dask DataFrame's partitions) would come.
    X = da.from_array(X_train, chunks=(CHUNK_ROWS, -1))
    y = da.from_array(y_train, chunks=CHUNK_ROWS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Without a dashboard the scheduler still serves its health checks
        # over HTTP, on port 8787 when free; when another cluster holds that
        # port it warns and takes a free one, which is all this needs.
        warnings.filterwarnings("ignore", "Port 8787 is already in use")
        in_memory = MLPClassifier(**model.get_params()).fit(X_train, y_train)
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
            ) as cluster,
            Client(cluster),
        ):
            on_cluster = distributed.fit(model, X, y)
            for _ in range(passes):
                distributed.stream_partial_fit(streamed, X, y, classes=classes)
        for _ in range(passes):
            for start in range(0, len(X_train), CHUNK_ROWS):
                rows = slice(start, start + CHUNK_ROWS)
                looped.partial_fit(X_train[rows], y_train[rows], classes=classes)
    fits = {
        "lbfgs on the cluster": on_cluster,
        "lbfgs in memory": in_memory,
        "partial_fit streamed": streamed,
        "partial_fit in memory": looped,
    }
    accuracy = {name: m.score(X_test, y_test) for name, m in fits.items()}
    return fits, accuracy


def plot(fits, path):
    """The two lbfgs loss curves, and their relative difference; saved to ``path``."""
    cluster, memory = fits["lbfgs on the cluster"], fits["lbfgs in memory"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5), constrained_layout=True)
    iterations = np.arange(1, len(memory.loss_curve_) + 1)
    left.plot(iterations, cluster.loss_curve_, lw=3, alpha=0.5, label="on the cluster")
    left.plot(iterations, memory.loss_curve_, "k--", lw=1, label="in memory")
    left.set_yscale("log")
    left.set(xlabel="L-BFGS iteration", ylabel="training loss")
    left.legend()
    # The iterations both fits ran (the same n_iter_ here, printed).
    n = min(len(cluster.loss_curve_), len(memory.loss_curve_))
    gap = np.abs(np.subtract(cluster.loss_curve_[:n], memory.loss_curve_[:n]))
    gap /= memory.loss_curve_[:n]
    # Iterations where the two losses are equal to the bit have no point on
    # the log axis.
    right.semilogy(iterations[:n], np.where(gap > 0, gap, np.nan), "o-", ms=3)
    right.axhline(np.finfo(np.float64).eps, color="gray", ls=":", label="float64 eps")
    right.set(xlabel="L-BFGS iteration", ylabel="|cluster - memory| / memory loss")
    right.legend()
    fig.suptitle("digits, MLPClassifier((32,), solver='lbfgs'): 4 chunks, 2 workers")
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None, max_iter=100, passes=5, processes=True):
    """Fit, print, save the figure; returns ``(path, fits, accuracy)``."""
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else "distributed.png"
    fits, accuracy = fit_both(max_iter, passes, processes)
    print(f"{'lbfgs':<22} {'n_iter_':>7} {'final loss':>12} {'test':>6}")
    for name in ("lbfgs on the cluster", "lbfgs in memory"):
        model = fits[name]
        print(
            f"{name:<22} {model.n_iter_:>7} {model.loss_:>12.6g} {accuracy[name]:>6.3f}"
        )
    lbfgs = max_difference(fits["lbfgs on the cluster"], fits["lbfgs in memory"])
    print(f"largest weight difference: {lbfgs:.2e}")
    print(f"\n{passes} passes of partial_fit over the chunks")
    for name in ("partial_fit streamed", "partial_fit in memory"):
        print(f"{name:<22} test accuracy {accuracy[name]:.3f}")
    streamed, looped = fits["partial_fit streamed"], fits["partial_fit in memory"]
    print(f"largest weight difference: {max_difference(streamed, looped):.2e}")
    plot(fits, path)
    print(f"Saved {path}")
    return path, fits, accuracy


if __name__ == "__main__":
    main()
