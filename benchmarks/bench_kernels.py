"""The measurements behind docs/performance.md's explanations.

Three parts, each timed in the same run, alternating the variants:

- ``products``: one epoch with adam on the ``bench_epoch.py`` data, three
  ways: skmlp, scikit-learn, and the epoch's matrix products alone (the same
  shapes and dtype, into preallocated buffers, at the machine's BLAS
  settings), for ``hidden_layer_sizes=(256, 256)`` at batch 1000 in float64
  unless ``--cells`` names others.  scikit-learn's time over the products'
  time is how much faster than scikit-learn any loop running those products
  could be; each is also given as a fraction of the matrix-multiply peak
  (``bench_epoch.py``'s), measured in the same run.
- ``relu``: float32 ``np.maximum(Z, 0)`` against ``np.maximum(Z, zero_row)``.
- ``row max``: softmax's row maxima over ``n x k`` outputs, as one
  reduction along the rows and as a pass per column, and which of the two
  ``skmlp._activations._max_by_columns`` picks.

Usage::

    python benchmarks/bench_kernels.py            # about a minute, idle machine
    python benchmarks/bench_kernels.py --repeats 5
    # the batch-1000 cells bench_epoch.py fails, a few minutes:
    python benchmarks/bench_kernels.py --cells 64:1000:float64 \
        256x256:1000:float64 1024x1024:1000:float64 1024x1024:1000:float32
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import warnings

import _machine
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from skmlp import MLPClassifier
from skmlp._activations import _column_max, _max_by_columns


def _best(fn, repeats, number=1):
    """Median over ``repeats`` of the mean seconds of ``number`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def epoch_products(X, hidden, n_outputs, batch):
    """A function running the matrix products of one epoch (forward, weight
    gradients, backward products) with ``X``'s shapes, and their count."""
    rng = np.random.default_rng(0)
    units = [X.shape[1], *hidden, n_outputs]
    W = [
        rng.standard_normal((a, b)).astype(X.dtype)
        for a, b in itertools.pairwise(units)
    ]
    G = [np.empty_like(w) for w in W]
    A = [X[:batch]] + [np.empty((batch, u), X.dtype) for u in units[1:]]
    steps = -(-X.shape[0] // batch)

    def run():
        for _ in range(steps):
            for i, w in enumerate(W):
                np.matmul(A[i], w, out=A[i + 1])
            for i in range(len(W) - 1, -1, -1):
                np.matmul(A[i].T, A[i + 1], out=G[i])
                if i:
                    np.matmul(A[i + 1], W[i].T, out=A[i])

    return run, 3 * len(W) - 1


def parse_cell(text):
    """``"256x256:1000:float64"`` -> ``((256, 256), 1000, "float64")``."""
    try:
        hidden, batch, dtype = text.split(":")
        cell = tuple(int(u) for u in hidden.split("x")), int(batch), dtype
        np.dtype(dtype)
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not HIDDEN:BATCH:DTYPE, e.g. 256x256:1000:float64"
        ) from exc
    return cell


def products(n_samples, hidden, batch, epochs, repeats, dtype="float64"):
    X, y = _machine.synthetic_data(n_samples)
    X = X.astype(dtype)
    params = {
        "hidden_layer_sizes": hidden,
        "batch_size": batch,
        "max_iter": epochs,
        "tol": 0.0,
        "n_iter_no_change": 10**6,
        "random_state": 0,
    }
    run, count = epoch_products(X, hidden, len(np.unique(y)), batch)
    fits = {
        "skmlp": lambda: MLPClassifier(**params).fit(X, y),
        "scikit-learn": lambda: SkMLPClassifier(**params).fit(X, y),
        f"{count} products alone": lambda: [run() for _ in range(epochs)],
    }
    times = {name: [] for name in fits}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for fit in fits.values():
            fit()  # warm-up
        for _ in range(repeats):
            for name, fit in fits.items():
                times[name].append(_machine.timed(fit)[1] / epochs)
    return {name: statistics.median(t) for name, t in times.items()}


def relu_forms(rows, repeats):
    Z = np.random.default_rng(0).standard_normal((rows, 256)).astype(np.float32)
    zeros = np.zeros(256, np.float32)
    return {
        "np.maximum(Z, 0)": _best(lambda: np.maximum(Z, 0, out=Z), repeats, 50),
        "np.maximum(Z, zero_row)": _best(
            lambda: np.maximum(Z, zeros, out=Z), repeats, 50
        ),
    }


def row_max_forms(rows, k, repeats):
    Z = np.random.default_rng(0).standard_normal((rows, k))
    row = np.empty(rows)
    reduced = _best(lambda: np.maximum.reduce(Z, axis=1, out=row), repeats, 200)
    columns = _best(lambda: _column_max(Z, row), repeats, 200)
    chosen = "columns" if _max_by_columns(rows, k) else "reduce"
    return reduced, columns, chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--cells",
        nargs="+",
        type=parse_cell,
        default=[((256, 256), 1000, "float64")],
        metavar="HIDDEN:BATCH:DTYPE",
        help="cells of the products part (default 256x256:1000:float64)",
    )
    args = parser.parse_args(argv)
    for line in _machine.machine_info():
        print(line)

    dtypes = sorted({dtype for _, _, dtype in args.cells})
    peaks = _machine.matmul_peak(dtypes)
    print(
        "matrix-multiply peak: "
        + ", ".join(f"{d} {peaks[d]:.1f} GFLOP/s" for d in dtypes)
    )
    for hidden, batch, dtype in args.cells:
        times = products(args.samples, hidden, batch, args.epochs, args.repeats, dtype)
        # The synthetic data's 100 features and 10 classes.
        units = [100, *hidden, 10]
        flops = 6 * args.samples * sum(a * b for a, b in itertools.pairwise(units))
        print(f"\n{hidden}, adam, batch {batch}, {dtype}: seconds per epoch")
        sk = times["scikit-learn"]
        for name, t in times.items():
            print(
                f"  {name:20s} {t:8.4f}   scikit-learn / this {sk / t:5.2f}x   "
                f"{flops / t / 1e9 / peaks[dtype]:6.1%} of peak"
            )

    print("\nfloat32 ReLU over n x 256")
    for rows in (32, 200, 1000):
        res = relu_forms(rows, args.repeats)
        scalar, row = res.values()
        print(
            f"  n={rows:5d}: scalar {scalar * 1e6:7.1f} us, zero row "
            f"{row * 1e6:7.1f} us: {scalar / row:4.2f}x faster"
        )

    print("\nsoftmax row maxima over n x k, float64")
    for rows, k in ((32, 3), (120, 3), (1000, 3), (32, 10), (200, 10), (1000, 10)):
        reduced, columns, chosen = row_max_forms(rows, k, args.repeats)
        print(
            f"  n={rows:5d} k={k:3d}: reduce {reduced * 1e6:6.1f} us, columns "
            f"{columns * 1e6:6.1f} us: columns {reduced / columns:4.2f}x faster; "
            f"skmlp takes {chosen}"
        )
    return times


if __name__ == "__main__":
    main()
