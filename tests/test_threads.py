"""Threads: concurrent predictions and fits share no mutable state.

``predict`` from 8 threads at once on one fitted model gives the serial
result, every time.  Fitting estimators concurrently in threads gives each
the bits of its serial fit: also when a clone shares its optimizer object
(fit clones it; the object holds hyperparameters only), and whether or not
a fit holds BLAS at one thread (``skmlp._blas``).
"""

import copy
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from skmlp import MLPClassifier, MLPRegressor
from skmlp._blas import available_cores, blas_threads, one_thread_for
from skmlp.optimizers import Adam, RMSprop

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_THREADS = 8


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 6)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    y_reg = X @ rng.randn(6) + 0.1 * rng.randn(300)
    return X, y, y_reg


def _weights(est):
    return [w.tobytes() for w in est.coefs_ + est.intercepts_]


def _run_together(functions):
    """Call every function in its own thread, all released at once."""
    barrier = threading.Barrier(len(functions))

    def run(function):
        barrier.wait()
        return function()

    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        futures = [pool.submit(run, f) for f in functions]
        return [f.result() for f in futures]


def _prediction_methods(est):
    if isinstance(est, MLPClassifier):
        return [est.predict, est.predict_proba, est.predict_log_proba]
    return [est.predict]


@pytest.mark.parametrize(
    "cls, params, sparse",
    [
        (MLPClassifier, {"solver": "adam"}, False),
        (MLPClassifier, {"solver": "lbfgs", "activation": "tanh"}, True),
        (MLPRegressor, {"solver": "sgd"}, False),
        (MLPRegressor, {"solver": "rmsprop", "loss": "poisson"}, True),
    ],
    ids=["classifier", "classifier-sparse", "regressor", "poisson-sparse"],
)
def test_predict_from_many_threads_equals_serial(cls, params, sparse, data):
    X, y, y_reg = data
    target = (
        y if cls is MLPClassifier else (np.abs(y_reg) if "loss" in params else y_reg)
    )
    est = cls(hidden_layer_sizes=(16, 8), max_iter=30, random_state=0, **params)
    est.fit(X, target)
    X_pred = sp.csr_matrix(X * (np.abs(X) > 0.5)) if sparse else X
    # Each thread predicts on its own slice of rows, of its own size.
    slices = [slice(i * 7, i * 7 + 60 + 20 * i) for i in range(N_THREADS)]
    methods = _prediction_methods(est)
    serial = [[m(X_pred[s]) for m in methods] for s in slices]
    before = _weights(est)

    def predict_repeatedly(i):
        def run():
            for _ in range(30):
                for method, expected in zip(methods, serial[i]):
                    got = method(X_pred[slices[i]])
                    assert got.dtype == expected.dtype
                    assert got.tobytes() == expected.tobytes()
            return True

        return run

    for _ in range(5):
        assert all(_run_together([predict_repeatedly(i) for i in range(N_THREADS)]))
    assert _weights(est) == before


FIT_CASES = [
    (MLPClassifier, {"solver": "adam", "hidden_layer_sizes": (16,)}),
    (MLPRegressor, {"solver": "sgd", "hidden_layer_sizes": (8, 8)}),
    (MLPClassifier, {"solver": "lbfgs", "hidden_layer_sizes": (8,)}),
    (MLPRegressor, {"solver": "rmsprop", "penalty": "l1", "alpha": 0.1}),
]


def _fit_cases(data):
    """Fresh unfitted estimators, each with the data it trains on."""
    X, y, y_reg = data
    return [
        (
            cls(max_iter=15, random_state=i, **params),
            X,
            y if cls is MLPClassifier else y_reg,
        )
        for i, (cls, params) in enumerate(FIT_CASES)
    ]


def test_concurrent_fits_equal_serial_fits(data):
    serial = [_weights(clone(est).fit(X, y)) for est, X, y in _fit_cases(data)]
    for _ in range(3):
        cases = _fit_cases(data)
        fitted = _run_together([lambda c=c: c[0].fit(c[1], c[2]) for c in cases])
        assert [_weights(est) for est in fitted] == serial


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_clones_sharing_one_optimizer_fit_concurrently(method, data):
    X, y, _ = data
    optimizer = RMSprop(learning_rate=0.01)
    before = copy.deepcopy(vars(optimizer))
    template = MLPClassifier(solver=optimizer, hidden_layer_sizes=(16,), max_iter=10)

    def estimators():
        ests = [clone(template).set_params(random_state=i) for i in range(4)]
        for est in ests:  # clone copied the optimizer: share the one object again
            est.set_params(solver=optimizer)
        assert all(est.solver is optimizer for est in ests)
        return ests

    def train(est):
        if method == "fit":
            return est.fit(X, y)
        for start in range(0, 300, 50):
            est.partial_fit(
                X[start : start + 50], y[start : start + 50], classes=[0, 1, 2]
            )
        return est

    serial = [_weights(train(est)) for est in estimators()]
    for _ in range(3):
        together = _run_together([lambda e=e: train(e) for e in estimators()])
        assert [_weights(est) for est in together] == serial
    assert vars(optimizer) == before


def test_concurrent_fits_restore_the_users_blas_threads(data):
    # Tiny networks hold BLAS at one thread while they train; fits that do
    # and fits that do not, run together, each give their serial bits, and
    # the user's setting is back when the last one is done, also after a
    # failing fit.
    if available_cores() < 2 or blas_threads() < 2:
        pytest.skip("needs two cores and two BLAS threads")
    X, _, y_reg = data
    threads_before = blas_threads()

    def estimators():
        return [
            MLPRegressor(
                solver=solver,
                hidden_layer_sizes=sizes,
                max_iter=3,
                batch_size=200,
                random_state=i,
            )
            for i, (solver, sizes) in enumerate(
                [
                    (Adam(learning_rate=1e-4), (300, 300)),
                    ("sgd", (8,)),
                    ("adagrad", (4,)),
                ]
            )
        ]

    limited = [
        one_thread_for((X.shape[1], *e.hidden_layer_sizes, 1), 200)
        for e in estimators()
    ]
    assert limited == [False, True, True]
    serial = [_weights(est.fit(X, y_reg)) for est in estimators()]
    assert blas_threads() == threads_before
    together = _run_together([lambda e=e: e.fit(X, y_reg) for e in estimators()])
    assert [_weights(est) for est in together] == serial
    assert blas_threads() == threads_before
    with pytest.raises(ValueError, match="NaN"):
        MLPRegressor(hidden_layer_sizes=(4,)).fit(X, np.full(len(X), np.nan))
    assert blas_threads() == threads_before


def test_blas_policy_by_network_and_batch_size():
    # Tiny passes hold BLAS at one thread, unless a weight matrix is large
    # enough for OpenBLAS to split the L2 penalty's dot product (which would
    # then round unlike scikit-learn's); everything else uses BLAS's threads.
    assert one_thread_for((64, 100, 10), 200)  # digits: 9 MFLOP a pass
    assert not one_thread_for((64, 1000, 10), 32)  # a 64,000-weight layer
    assert one_thread_for((4, 2500, 3), 32)  # 10,000 weights: not split
    assert not one_thread_for((4, 2501, 3), 32)
    assert not one_thread_for((100, 256, 256, 10), 200)  # 110 MFLOP
