"""skmlp.distributed.fit on a two-process LocalCluster on loopback.

Oracle: the estimator's own ``fit`` on the same rows in memory (the full
batch).  The distributed sums round differently, so the weights are
compared to 1e-10, not to the bit.
"""

import os
import pickle
import signal

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402

from skmlp import (  # noqa: E402
    MLPClassifier,
    MLPRegressor,
    _distributed,
)
from skmlp import distributed as skmlp_distributed  # noqa: E402
from skmlp.optimizers import GD  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _cluster():
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )


@pytest.fixture(scope="module")
def client():
    with _cluster() as cluster, distributed.Client(cluster) as client:
        yield client


def _max_difference(a, b):
    pairs = zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)
    return max(np.abs(p - q).max() for p, q in pairs)


def _classification(n=1200):
    return make_classification(
        n_samples=n, n_features=12, n_informative=6, n_classes=3, random_state=0
    )


def _chunked(*arrays, chunks=250):
    return [None if a is None else da.from_array(a, chunks=chunks) for a in arrays]


@pytest.mark.parametrize("solver", [GD(learning_rate=0.1), "gd", "lbfgs"])
def test_classifier_equals_single_machine(client, solver):
    X, y = _classification()
    est = MLPClassifier((10,), solver=solver, max_iter=30, random_state=0)
    expected = clone(est).fit(X, y)
    got = skmlp_distributed.fit(est, *_chunked(X, y), client=client)
    assert got is est
    assert got.n_iter_ == expected.n_iter_
    assert _max_difference(got, expected) < 1e-10
    np.testing.assert_array_equal(got.classes_, expected.classes_)
    assert got.loss_ == pytest.approx(expected.loss_, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
@pytest.mark.parametrize("penalty", ["l2", "l1", "group"])
def test_regressor_with_weights_and_penalties(client, solver, penalty):
    X, y = make_regression(n_samples=900, n_features=8, noise=1.0, random_state=0)
    sw = np.random.RandomState(0).uniform(0, 2, size=y.shape)
    est = MLPRegressor(
        hidden_layer_sizes=(8,),
        solver=solver,
        penalty=penalty,
        alpha=1.0,
        max_iter=20,
        learning_rate_init=1e-3,
        random_state=0,
    )
    expected = clone(est).fit(X, y, sample_weight=sw)
    X_, y_, sw_ = _chunked(X, y, sw, chunks=200)
    got = skmlp_distributed.fit(est, X_, y_, sample_weight=sw_, client=client)
    assert got.n_iter_ == expected.n_iter_
    assert _max_difference(got, expected) < 1e-10


def test_float32_and_multioutput(client):
    X, y = make_regression(
        n_samples=600, n_features=6, n_targets=2, noise=1.0, random_state=0
    )
    X = X.astype(np.float32)
    est = MLPRegressor(
        hidden_layer_sizes=(6,), solver="lbfgs", max_iter=15, random_state=0
    )
    expected = clone(est).fit(X, y)
    got = skmlp_distributed.fit(est, *_chunked(X, y, chunks=150), client=client)
    assert got.coefs_[0].dtype == np.float32
    assert got.n_outputs_ == 2
    assert _max_difference(got, expected) < 1e-4


def test_warm_start_continues(client):
    X, y = _classification()
    est = MLPClassifier((10,), solver="gd", max_iter=10, warm_start=True)
    est.set_params(random_state=0)
    expected = clone(est).fit(X, y).fit(X, y)
    skmlp_distributed.fit(est, *_chunked(X, y), client=client)
    skmlp_distributed.fit(est, *_chunked(X, y), client=client)
    assert _max_difference(est, expected) < 1e-10


def test_fitted_estimator_is_plain(client):
    X, y = _classification(400)
    est = MLPClassifier((5,), solver="lbfgs", max_iter=10, random_state=0)
    skmlp_distributed.fit(est, *_chunked(X, y, chunks=100), client=client)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    assert est.n_features_in_ == X.shape[1]


def test_fitted_estimator_exports_to_onnx(client):
    """ONNX as usual (the ``deploy`` extra; skipped without it)."""
    pytest.importorskip("skl2onnx")
    rt = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx

    import skmlp.onnx  # noqa: F401  (registers the converters)

    X, y = _classification(400)
    est = MLPClassifier((5,), solver="lbfgs", max_iter=10, random_state=0)
    skmlp_distributed.fit(est, *_chunked(X, y, chunks=100), client=client)
    X32 = X.astype(np.float32)
    onx = to_onnx(est, X32[:1], options={"zipmap": False})
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(None, {session.get_inputs()[0].name: X32})
    np.testing.assert_allclose(proba, est.predict_proba(X32), atol=1e-5)
    np.testing.assert_array_equal(labels, est.predict(X32))


def test_validation_happens_on_the_workers(client):
    X, y = _classification(400)
    with_nan = X.copy()
    with_nan[123, 2] = np.nan
    est = MLPClassifier((5,), solver="lbfgs", max_iter=5)
    with pytest.raises(ValueError, match="NaN"):
        skmlp_distributed.fit(est, *_chunked(with_nan, y, chunks=100), client=client)
    assert not hasattr(est, "coefs_")
    continuous = np.linspace(0, 1, 400)
    with pytest.raises(ValueError, match="Unknown label type"):
        skmlp_distributed.fit(est, *_chunked(X, continuous), client=client)
    warm = MLPClassifier((5,), solver="gd", max_iter=2, warm_start=True)
    skmlp_distributed.fit(warm, *_chunked(X, y), client=client)
    before = [W.copy() for W in warm.coefs_]
    with pytest.raises(ValueError, match="features"):
        skmlp_distributed.fit(warm, *_chunked(X[:, :4], y), client=client)
    # A failed continuation leaves the fitted model as it was.
    for W, W_before in zip(warm.coefs_, before):
        np.testing.assert_array_equal(W, W_before)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"solver": "gd", "early_stopping": True}, "early_stopping"),
        ({"solver": "gd", "dropout": 0.2}, "dropout"),
        ({"solver": "adam", "class_weight": "balanced"}, "class_weight"),
        ({"solver": "lbfgs", "class_weight": {0: 2.0}}, "class_weight"),
    ],
)
def test_unsupported_settings_raise(client, params, match):
    X, y = _classification(200)
    est = MLPClassifier(**params)
    with pytest.raises(ValueError, match=match):
        skmlp_distributed.fit(est, *_chunked(X, y), client=client)
    assert not hasattr(est, "coefs_")


def test_callbacks_and_multilabel_targets_raise(client):
    from sklearn.callback import ProgressBar

    X, y = _classification(200)
    est = MLPClassifier(solver="lbfgs").set_callbacks(ProgressBar())
    with pytest.raises(ValueError, match="does not support callbacks"):
        skmlp_distributed.fit(est, *_chunked(X, y), client=client)
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    with pytest.raises(ValueError, match="multilabel targets are not supported"):
        skmlp_distributed.fit(
            MLPClassifier(solver="lbfgs"), *_chunked(X, Y), client=client
        )


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_sparse_chunks(client, solver):
    """CSR chunks: L-BFGS is the in-memory fit on the CSR matrix; a
    stochastic fit is the distributed fit on the same rows held dense."""
    sparse = pytest.importorskip("scipy.sparse")
    X, y = _classification(600)
    X[np.abs(X) < 0.8] = 0
    X_dask, y_dask = _chunked(X, y, chunks=150)
    X_csr = X_dask.map_blocks(sparse.csr_matrix, meta=sparse.csr_matrix((0, 12)))
    est = MLPClassifier((8,), solver=solver, max_iter=20, random_state=0)
    skmlp_distributed.fit(est, X_csr, y_dask, client=client)
    if solver == "lbfgs":
        expected = clone(est).fit(sparse.csr_matrix(X), y)
    else:
        expected = skmlp_distributed.fit(clone(est), X_dask, y_dask, client=client)
    assert est.n_iter_ == expected.n_iter_
    assert _max_difference(est, expected) < 1e-10


def test_dask_dataframe(client):
    """A DataFrame and Series: the fit of the same rows as an array, and
    the columns' names kept."""
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = _classification(800)
    columns = [f"f{i}" for i in range(X.shape[1])]
    frame = dd.from_pandas(pd.DataFrame(X, columns=columns), npartitions=4)
    labels = dd.from_pandas(pd.Series(y, name="label"), npartitions=4)
    est = MLPClassifier((6,), solver="lbfgs", max_iter=20, random_state=0)
    skmlp_distributed.fit(est, frame, labels, client=client)
    expected = clone(est).fit(X, y)
    assert est.n_iter_ == expected.n_iter_
    assert _max_difference(est, expected) < 1e-10
    assert list(est.feature_names_in_) == columns
    np.testing.assert_array_equal(
        est.predict(pd.DataFrame(X, columns=columns)), expected.predict(X)
    )


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_stochastic_solvers_are_deterministic_and_as_accurate(client, solver):
    X, y = _classification(6000)
    X_test, y_test = X[4000:], y[4000:]
    X, y = X[:4000], y[:4000]
    est = MLPClassifier((16,), solver=solver, max_iter=8, random_state=0)
    single = clone(est).fit(X, y)
    first = skmlp_distributed.fit(
        clone(est), *_chunked(X, y, chunks=1500), client=client
    )
    again = skmlp_distributed.fit(est, *_chunked(X, y, chunks=1500), client=client)
    assert _max_difference(first, again) == 0
    assert again.n_iter_ == 8 and again.t_ == 8 * 4000
    assert len(again.loss_curve_) == 8
    assert again.score(X_test, y_test) >= single.score(X_test, y_test) - 0.01


def test_stochastic_with_l1_and_weights(client):
    X, y = _classification(1000)
    sw = np.random.RandomState(1).uniform(0, 2, size=y.shape)
    est = MLPClassifier(
        (8,), solver="adam", penalty="l1", alpha=1.0, max_iter=3, random_state=0
    )
    X_, y_, sw_ = _chunked(X, y, sw, chunks=300)
    skmlp_distributed.fit(est, X_, y_, sample_weight=sw_, client=client)
    assert est.n_iter_ == 3 and np.isfinite(est.loss_)


def test_without_a_client_raises(monkeypatch):
    X, y = _classification(200)

    def no_client():
        raise ValueError("No clients found")

    # The module's cluster fixture may be the current client: hide it.
    monkeypatch.setattr(distributed, "default_client", no_client)
    with pytest.raises(ValueError, match="needs a Dask client"):
        skmlp_distributed.fit(MLPClassifier(solver="gd"), *_chunked(X, y))


def test_uses_the_current_client(client):
    X, y = _classification(300)
    est = MLPClassifier((4,), solver="gd", max_iter=3, random_state=0)
    with client.as_current():
        skmlp_distributed.fit(est, *_chunked(X, y, chunks=100))
    assert est.n_iter_ == 3


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["gd", "lbfgs", "adam"])
def test_worker_lost_mid_fit(monkeypatch, solver):
    """Killing a worker process at the 5th evaluation (adam: minibatch
    step): Dask recomputes its chunks, and the fit either finishes with the
    unbroken fit's result or fails clearly, leaving the estimator untouched;
    it never hangs."""
    X, y = _classification(4000)
    est = MLPClassifier((16,), solver=solver, max_iter=20, random_state=0)
    if solver == "adam":
        # The oracle of a stochastic fit is the same distributed fit unbroken.
        est.set_params(max_iter=2, batch_size=1000)
        with _cluster() as cluster, distributed.Client(cluster) as client:
            expected = skmlp_distributed.fit(
                clone(est), *_chunked(X, y, chunks=500), client=client
            )
    else:
        expected = clone(est).fit(X, y)
    evaluate = _distributed.DaskBatch.run
    calls = []

    def killing(batch, *args, **kwargs):
        calls.append(None)
        if len(calls) == 5:
            victim = sorted(batch.client.scheduler_info()["workers"])[0]
            pids = batch.client.run(os.getpid, workers=[victim])
            os.kill(pids[victim], signal.SIGKILL)
        return evaluate(batch, *args, **kwargs)

    monkeypatch.setattr(_distributed.DaskBatch, "run", killing)
    with _cluster() as cluster, distributed.Client(cluster) as client:
        try:
            skmlp_distributed.fit(
                est, *_chunked(X, y, chunks=500), client=client, timeout=60
            )
        except Exception:
            assert not hasattr(est, "coefs_")
        else:
            assert est.n_iter_ == expected.n_iter_
            if solver == "adam":
                assert _max_difference(est, expected) == 0
            else:
                assert _max_difference(est, expected) < 1e-10
    assert len(calls) > 5


def _moved_chunks(dask_worker):
    """The chunks (checked or encoded rows) this worker sent to another."""
    return [
        entry["keys"]
        for entry in dask_worker.transfer_outgoing_log
        if any(name in str(entry["keys"]) for name in ("_check_part", "_encode_part"))
    ]


def test_chunks_stay_on_their_workers():
    """Every chunk's task runs where the chunk is: with all rows on one
    worker, the idle one is never sent a chunk (unpinned, Dask moved 14 of
    8 encoded chunks in this fit)."""
    X, y = make_classification(160_000, n_features=20, random_state=0)
    with _cluster() as cluster, distributed.Client(cluster) as client:
        first = sorted(client.scheduler_info()["workers"])[0]
        X_dask, y_dask = (
            a.persist(workers=[first]) for a in _chunked(X, y, chunks=20_000)
        )
        distributed.wait([X_dask, y_dask])
        est = MLPClassifier((128,), solver="gd", max_iter=20, random_state=0)
        skmlp_distributed.fit(est, X_dask, y_dask, client=client)
        assert est.n_iter_ == 20
        assert client.run(_moved_chunks) == {w: [] for w in client.run(os.getpid)}


def test_stream_partial_fit_equals_the_in_memory_loop(client):
    X, y = _classification(900)
    est = MLPClassifier((8,), random_state=0)
    expected = clone(est)
    for start in range(0, 900, 200):
        rows = slice(start, start + 200)
        expected.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    with client.as_current():
        skmlp_distributed.stream_partial_fit(
            est, *_chunked(X, y, chunks=200), classes=[0, 1, 2]
        )
    assert est.t_ == expected.t_ == 900
    assert _max_difference(est, expected) == 0


def test_grid_search_through_joblibs_dask_backend(client):
    joblib = pytest.importorskip("joblib")
    from sklearn.model_selection import GridSearchCV

    X, y = _classification(300)
    search = GridSearchCV(
        MLPClassifier((6,), solver="lbfgs", max_iter=30, random_state=0),
        {"alpha": [1e-4, 1.0]},
        cv=2,
    )
    expected = clone(search).fit(X, y)
    with client.as_current(), joblib.parallel_backend("dask"):
        search.fit(X, y)
    assert search.best_params_ == expected.best_params_
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], expected.cv_results_["mean_test_score"]
    )


def test_bench_distributed_prints_its_table(capsys):
    """benchmarks/bench_distributed.py --quick: a row per cell with every
    column (what it reports, never how fast anything is)."""
    import importlib.util
    import sys
    from pathlib import Path

    benchmarks = Path(__file__).resolve().parent.parent / "benchmarks"
    sys.path.insert(0, str(benchmarks))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_distributed", benchmarks / "bench_distributed.py"
        )
        bench = sys.modules["bench_distributed"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        rows = bench.main(["--quick", "--accuracy"])
    finally:
        sys.path.remove(str(benchmarks))
        sys.modules.pop("_common", None)
        sys.modules.pop("bench_distributed", None)
    assert [r[0] for r in rows] == list(bench.QUICK_CELLS)
    for r in rows:
        assert len(r) == len(bench.HEADER)
        assert r[1] == "195"  # 20*8 + 8 + 8*3 + 3 weights
        assert float(r[9]) == (1 if r[0].startswith("lbfgs") else 6)
        assert float(r[11]) >= 3  # W + 1 weight vectors out, at least
    out = capsys.readouterr().out
    assert "vectors/eval" in out and "idle cluster traffic" in out
    assert "3000 training rows in two chunks: test accuracy 0." in out
