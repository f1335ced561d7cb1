"""Bounded memory: partial_fit does not leak, fit does not copy the data around.

- 2000 ``partial_fit`` calls grow the resident set by less than 10 MiB.
- ``fit`` on 1M x 100 float32 with ``hidden_layer_sizes=(256, 256)`` allocates
  at its peak less than twice the data's size on top of it (NumPy reports its
  allocations to ``tracemalloc``).  The minibatch loop is allocation-free, so
  the peak comes from validation, target encoding and the shuffling indices;
  measured: about 0.16 x the data (61 MiB for 381 MiB).  The fit takes about
  40 s with one BLAS thread (the data, 5000 minibatches of a 92k-weight
  network), so it is marked ``slow``; CI runs it.
"""

import gc
import os
import resource
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier, MLPRegressor
from skmlp._pieces import CHUNK

MiB = 1 << 20


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """OpenBLAS's spinning threads make a busy machine many times slower."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def resident_bytes():
    """The resident set size of this process, from /proc (Linux) or getrusage."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux: the peak is all we get
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.mark.parametrize(
    "cls, params",
    [
        (MLPClassifier, {"solver": "adam", "penalty": "l1", "alpha": 0.01}),
        (MLPRegressor, {"solver": "sgd", "learning_rate": "invscaling"}),
    ],
    ids=["classifier-adam-l1", "regressor-sgd-invscaling"],
)
def test_many_partial_fit_calls_do_not_grow_memory(cls, params):
    rng = np.random.RandomState(0)
    X = rng.randn(64, 20)
    y = np.arange(64) % 3 if cls is MLPClassifier else X[:, 0]
    kwargs = {"classes": [0, 1, 2]} if cls is MLPClassifier else {}
    est = cls(hidden_layer_sizes=(32,), random_state=0, **params)

    def calls(n):
        for _ in range(n):
            est.partial_fit(X, y, **kwargs)

    calls(200)  # warm up: buffers, caches, lazily imported modules
    gc.collect()
    before = resident_bytes()
    calls(2000)
    gc.collect()
    grown = resident_bytes() - before
    assert grown < 10 * MiB, f"RSS grew by {grown / MiB:.1f} MiB"
    assert all(np.isfinite(w).all() for w in est.coefs_)


@pytest.mark.slow
def test_fit_on_a_million_rows_needs_less_than_twice_the_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1_000_000, 100), dtype=np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    est = MLPClassifier(hidden_layer_sizes=(256, 256), max_iter=1, random_state=0)
    extra = _fit_peak(est, X, y)
    assert extra < 2 * X.nbytes, f"fit allocated {extra / X.nbytes:.2f} x the data"
    assert est.coefs_[0].dtype == np.float32
    assert est.n_iter_ == 1 and np.isfinite(est.loss_)


def _fit_peak(est, X, y):
    """Bytes ``est.fit(X, y)`` allocates at its peak, over what it started with."""
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "solver, buffers",
    [("adam", 4), ("sgd", 3), ("adagrad", 3)],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fit_keeps_only_the_weight_sized_buffers_its_rule_needs(solver, buffers, dtype):
    """A fit of a network whose weights dwarf everything else allocates the
    weights, the gradient and the rule's state (Adam: two moments; SGD: the
    velocity; AdaGrad: the accumulator), and no other weight-sized buffer:
    no copies of the weights kept in case training diverges (a fresh fit
    draws and trains them again instead), and the rule's temporaries are the
    size of a cache-sized piece (at most four pieces at a time)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 8)).astype(dtype)
    y = rng.integers(0, 3, 64)
    est = MLPClassifier(
        hidden_layer_sizes=(600, 600),
        solver=solver,
        batch_size=32,
        max_iter=2,
        random_state=0,
    )
    extra = _fit_peak(est, X, y)
    weight_bytes = est._theta.nbytes
    pieces = 4 * CHUNK * np.dtype(dtype).itemsize
    assert extra < (buffers + 0.25) * weight_bytes + pieces, (
        f"fit allocated {extra / weight_bytes:.2f} weight-sized buffers"
    )
