"""Determinism and persistence: the same seed gives the same bits, everywhere.

The same ``random_state`` gives bit-identical weights across repeated fits,
in a fresh interpreter, inside ``GridSearchCV(n_jobs=2)`` and with a pickle or
joblib round trip in the middle of a ``partial_fit`` sequence.  A fitted
model saved with pickle or joblib loads (here or in a fresh interpreter) and
predicts identically, and ``partial_fit`` after loading continues exactly
where it stopped, optimizer state and learning-rate schedule included.
"""

import hashlib
import io
import json
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier, MLPRegressor
from skmlp._solvers import SOLVER_NAMES
from skmlp.optimizers import SGD, AdaGrad, Adam

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """The matrices are tiny: BLAS threads only add contention on a busy CPU.

    GridSearchCV's workers limit themselves to one thread too, and serial and
    parallel results are compared bit for bit; the fresh interpreters run
    with the default (see ``test_fits_in_a_fresh_process_are_bit_identical``).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


SOLVERS = sorted(SOLVER_NAMES)
STOCHASTIC = sorted(SOLVER_NAMES - {"lbfgs"})
TINY = {"hidden_layer_sizes": (5, 3), "max_iter": 8, "random_state": 0}


def make_data(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(60, 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    y_reg = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.randn(60)
    return X, y, y_reg


@pytest.fixture(scope="module")
def data():
    return make_data()


def _target(cls, data):
    return data[1] if cls is MLPClassifier else data[2]


def fingerprint(est):
    """A digest of every fitted number that training produces."""
    digest = hashlib.sha256()
    for w in est.coefs_ + est.intercepts_:
        digest.update(f"{w.dtype.str}{w.shape}".encode())
        digest.update(np.ascontiguousarray(w).tobytes())
    digest.update(np.asarray(est.loss_curve_, dtype=np.float64).tobytes())
    digest.update(repr((est.n_iter_, est.t_ if hasattr(est, "t_") else None)).encode())
    return digest.hexdigest()


def assert_bit_identical(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert p.dtype == q.dtype and p.shape == q.shape
        assert p.tobytes() == q.tobytes()
    assert a.loss_curve_ == b.loss_curve_
    assert a.n_iter_ == b.n_iter_
    assert fingerprint(a) == fingerprint(b)


def assert_same_state(a, b):
    """The optimizer state and schedule that ``partial_fit`` continues from."""
    if not hasattr(a, "_run"):
        return
    sa, sb = a._run.state, b._run.state
    for x, y in zip(sa, sb):
        if isinstance(x, np.ndarray):
            assert x.tobytes() == y.tobytes()
        else:
            assert x == y
    assert a._run.schedule.current == b._run.schedule.current
    assert a._run.schedule.epoch == b._run.schedule.epoch


# ------------------------------------------------------------- determinism
CASES = [
    (cls, solver, early_stopping)
    for cls in (MLPClassifier, MLPRegressor)
    for solver in SOLVERS
    for early_stopping in (False, True)
    if not (early_stopping and solver == "lbfgs")
]


@pytest.mark.parametrize(
    "cls, solver, early_stopping",
    CASES,
    ids=[f"{c.__name__}-{s}-{'es' if e else 'plain'}" for c, s, e in CASES],
)
def test_repeated_fits_are_bit_identical(cls, solver, early_stopping, data):
    X, y = data[0], _target(cls, data)
    params = dict(TINY, solver=solver, early_stopping=early_stopping)
    first = cls(**params).fit(X, y)
    second = cls(**params).fit(X, y)
    assert_bit_identical(first, second)
    # Refitting the same object starts afresh, to the same bits.
    assert_bit_identical(first.fit(X, y), second)


#: Fits a list of configurations in a fresh interpreter; prints fingerprints.
FRESH_PROCESS_SCRIPT = """
import json, sys, warnings
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
sys.path.insert(0, {tests_dir!r})
from test_determinism import TINY, fingerprint, make_data
from skmlp import MLPClassifier, MLPRegressor
X, y, y_reg = make_data()
out = []
for name, solver in json.loads(sys.argv[1]):
    cls = MLPClassifier if name == "MLPClassifier" else MLPRegressor
    est = cls(**dict(TINY, solver=solver)).fit(X, y if cls is MLPClassifier else y_reg)
    out.append(fingerprint(est))
print(json.dumps(out))
"""


def _run_fresh(script, *args):
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_fits_in_a_fresh_process_are_bit_identical(data):
    configs = [
        (cls.__name__, s) for cls in (MLPClassifier, MLPRegressor) for s in SOLVERS
    ]
    tests_dir = str(Path(__file__).parent)
    script = FRESH_PROCESS_SCRIPT.format(tests_dir=tests_dir)
    theirs = json.loads(_run_fresh(script, json.dumps(configs)))
    ours = []
    for name, solver in configs:
        cls = MLPClassifier if name == "MLPClassifier" else MLPRegressor
        ours.append(fingerprint(cls(**dict(TINY, solver=solver)).fit(*X_y(cls, data))))
    assert ours == theirs


def X_y(cls, data):
    return data[0], _target(cls, data)


def _grid(solver_objects):
    if solver_objects:  # cloned into every worker, pickled across processes
        return {"solver": [SGD(learning_rate=0.05), Adam(), AdaGrad(learning_rate=0.1)]}
    return {"alpha": [1e-4, 1e-2], "solver": ["adam", "sgd", "lbfgs"]}


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("solver_objects", [False, True])
def test_grid_search_in_parallel_equals_serial(cls, solver_objects, data):
    X, y = X_y(cls, data)
    est = cls(**TINY)
    searches = [
        GridSearchCV(est, _grid(solver_objects), cv=3, n_jobs=n_jobs).fit(X, y)
        for n_jobs in (1, 2)
    ]
    serial, parallel = searches
    for key in serial.cv_results_:
        if key.startswith(("split", "mean_test", "std_test", "rank")):
            np.testing.assert_array_equal(
                serial.cv_results_[key], parallel.cv_results_[key]
            )
    assert serial.best_params_ == parallel.best_params_
    assert_bit_identical(serial.best_estimator_, parallel.best_estimator_)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs", "rmsprop"])
def test_every_cross_validated_model_is_identical_in_parallel(solver, data):
    X, y = X_y(MLPClassifier, data)
    est = MLPClassifier(**dict(TINY, solver=solver))
    runs = [
        cross_validate(est, X, y, cv=KFold(4), n_jobs=n_jobs, return_estimator=True)
        for n_jobs in (1, 2)
    ]
    for a, b in zip(runs[0]["estimator"], runs[1]["estimator"]):
        assert_bit_identical(a, b)
    np.testing.assert_array_equal(runs[0]["test_score"], runs[1]["test_score"])


# ---------------------------------------------------------------- persistence
def _round_trip(est, how, tmp_path):
    if how == "pickle":
        return pickle.loads(pickle.dumps(est))
    if how == "joblib":
        path = tmp_path / "model.joblib"
        joblib.dump(est, path)
        return joblib.load(path)
    buffer = io.BytesIO()  # joblib to a file object, compressed
    joblib.dump(est, buffer, compress=3)
    buffer.seek(0)
    return joblib.load(buffer)


ROUND_TRIPS = ["pickle", "joblib", "joblib-compressed"]


def _predictions(est, X):
    out = [est.predict(X)]
    if isinstance(est, MLPClassifier):
        out += [est.predict_proba(X), est.predict_log_proba(X)]
    return out


def _assert_same_predictions(a, b, X):
    for p, q in zip(_predictions(a, X), _predictions(b, X)):
        assert p.dtype == q.dtype and p.shape == q.shape
        if p.dtype.kind in "fc":
            assert p.tobytes() == q.tobytes()
        else:
            np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_saved_model_predicts_identically(cls, solver, how, data, tmp_path):
    X, y = X_y(cls, data)
    est = cls(**dict(TINY, solver=solver)).fit(X, y)
    loaded = _round_trip(est, how, tmp_path)
    _assert_same_predictions(est, loaded, X)
    _assert_same_predictions(est, loaded, sp.csr_matrix(X))
    assert_bit_identical(est, loaded)
    assert repr(loaded) == repr(est)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saved_float32_model_stays_float32(dtype, data, tmp_path):
    X, y = data[0].astype(dtype), data[1]
    est = MLPClassifier(**TINY).fit(X, y)
    loaded = _round_trip(est, "joblib", tmp_path)
    assert all(w.dtype == dtype for w in loaded.coefs_)
    _assert_same_predictions(est, loaded, X)


PARTIAL_FIT_CASES = [
    *[(MLPClassifier, {"solver": s}) for s in STOCHASTIC],
    *[(MLPRegressor, {"solver": s}) for s in STOCHASTIC],
    (MLPRegressor, {"solver": "sgd", "learning_rate": "invscaling"}),
    (MLPRegressor, {"solver": "sgd", "learning_rate": "adaptive"}),
    (
        MLPClassifier,
        {"solver": Adam(learning_rate=0.01), "penalty": "l1", "alpha": 0.1},
    ),
    (MLPClassifier, {"solver": "rmsprop", "penalty": "elasticnet", "alpha": 0.1}),
    (MLPRegressor, {"solver": "momentum", "random_state": "instance"}),
]


def _partial_fit_params(params):
    params = {**TINY, **params}
    if params["random_state"] == "instance":
        # A RandomState travels with the estimator and continues its stream.
        params["random_state"] = np.random.RandomState(7)
    return params


def _batches(data, cls):
    X, y = X_y(cls, data)
    return [(X[i : i + 20], y[i : i + 20]) for i in range(0, 60, 20)] * 2


def _partial_fit(est, batch):
    X, y = batch
    if isinstance(est, MLPClassifier):
        return est.partial_fit(X, y, classes=[0, 1, 2])
    return est.partial_fit(X, y)


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize(
    "cls, params",
    PARTIAL_FIT_CASES,
    ids=[f"{c.__name__}-{p}" for c, p in PARTIAL_FIT_CASES],
)
def test_partial_fit_continues_after_a_round_trip(cls, params, how, data, tmp_path):
    batches = _batches(data, cls)
    uninterrupted = cls(**_partial_fit_params(params))
    for batch in batches:
        _partial_fit(uninterrupted, batch)

    interrupted = cls(**_partial_fit_params(params))
    for batch in batches[:3]:
        _partial_fit(interrupted, batch)
    interrupted = _round_trip(interrupted, how, tmp_path)
    for batch in batches[3:]:
        _partial_fit(interrupted, batch)

    assert_bit_identical(uninterrupted, interrupted)
    assert_same_state(uninterrupted, interrupted)
    assert uninterrupted.t_ == interrupted.t_


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_warm_start_continues_after_a_round_trip(cls, data, tmp_path):
    X, y = X_y(cls, data)
    params = dict(TINY, warm_start=True, solver="adam")
    uninterrupted = cls(**params).fit(X, y).fit(X, y)
    interrupted = _round_trip(cls(**params).fit(X, y), "pickle", tmp_path).fit(X, y)
    assert_bit_identical(uninterrupted, interrupted)


#: In a fresh interpreter: load each model, predict, continue with partial_fit.
LOAD_SCRIPT = """
import sys, joblib, numpy as np
data_path, *model_paths = sys.argv[1:]
arrays = np.load(data_path)
X = arrays["X"]
for model_path in model_paths:
    est = joblib.load(model_path)
    classifier = hasattr(est, "predict_proba")
    y = arrays["y"] if classifier else arrays["y_reg"]
    out = {"predict": est.predict(X)}
    if classifier:
        out["proba"] = est.predict_proba(X)
    kwargs = {"classes": [0, 1, 2]} if classifier else {}
    for _ in range(3):
        est.partial_fit(X, y, **kwargs)
    for i, w in enumerate(est.coefs_ + est.intercepts_):
        out[f"w{i}"] = w
    out["loss_curve"] = np.asarray(est.loss_curve_)
    np.savez(model_path + ".out.npz", **out)
"""

LOAD_CASES = [
    (cls, solver) for cls in (MLPClassifier, MLPRegressor) for solver in ("adam", "sgd")
]


def test_models_saved_here_load_in_a_fresh_interpreter(data, tmp_path):
    X = data[0]
    models, paths = [], []
    for i, (cls, solver) in enumerate(LOAD_CASES):
        y = _target(cls, data)
        kwargs = {"classes": [0, 1, 2]} if cls is MLPClassifier else {}
        est = cls(**dict(TINY, solver=solver))
        for _ in range(2):
            est.partial_fit(X, y, **kwargs)
        paths.append(str(tmp_path / f"model{i}.joblib"))
        joblib.dump(est, paths[-1])
        models.append((est, y, kwargs))
    np.savez(tmp_path / "data.npz", X=X, y=data[1], y_reg=data[2])
    _run_fresh(LOAD_SCRIPT, str(tmp_path / "data.npz"), *paths)

    for (est, y, kwargs), path in zip(models, paths):
        theirs = np.load(path + ".out.npz")
        # Predictions of the loaded model, bit for bit...
        assert theirs["predict"].tobytes() == est.predict(X).tobytes()
        if isinstance(est, MLPClassifier):
            assert theirs["proba"].tobytes() == est.predict_proba(X).tobytes()
        # ... and partial_fit continues there exactly as it does here.
        for _ in range(3):
            est.partial_fit(X, y, **kwargs)
        for i, w in enumerate(est.coefs_ + est.intercepts_):
            assert theirs[f"w{i}"].tobytes() == w.tobytes()
        assert theirs["loss_curve"].tolist() == est.loss_curve_


def test_clone_of_a_loaded_model_refits_identically(data, tmp_path):
    X, y = X_y(MLPClassifier, data)
    est = MLPClassifier(**dict(TINY, solver=Adam(learning_rate=0.01))).fit(X, y)
    loaded = _round_trip(est, "joblib", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert_bit_identical(clone(loaded).fit(X, y), clone(est).fit(X, y))
