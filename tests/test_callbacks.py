"""scikit-learn's callback API (``set_callbacks``, :mod:`sklearn.callback`).

A fit is a task with one leaf subtask per epoch (L-BFGS: per iteration); a
``partial_fit`` call is one leaf task.  Callbacks leave the fit unchanged
bit for bit, see the model at each epoch's end, and may stop the fit.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.callback import CallbackContext, ProgressBar, ScoringMonitor
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import check_estimator

from skmlp import MLPClassifier, MLPRegressor

SOLVERS = ["sgd", "adam", "lbfgs"]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


class Recorder:
    """A callback recording each hook's task and the fitted estimator."""

    def __init__(self, stop_at=None, interrupt_at=None):
        self.events, self.models = [], []
        self.stop_at, self.interrupt_at = stop_at, interrupt_at

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("begin", context.task_name, context.task_id))
        if context.parent is not None and context.task_id == self.interrupt_at:
            raise KeyboardInterrupt

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        self.events.append(("end", context.task_name, context.task_id))
        if context.parent is not None:
            self.models.append(fitted_estimator)
        return context.parent is not None and context.task_id + 1 == self.stop_at

    def ends(self, name):
        return [e for e in self.events if e[:2] == ("end", name)]


class NoOp:
    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        pass


def _fit(solver, X, y, callbacks=(), **params):
    params = {"hidden_layer_sizes": (15,), "random_state": 0, **params}
    model = MLPClassifier(solver=solver, **params).set_callbacks(*callbacks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _weights(model):
    return model.coefs_ + model.intercepts_


def _assert_same(a, b):
    for p, q in zip(_weights(a), _weights(b), strict=True):
        assert p.dtype == q.dtype
        np.testing.assert_array_equal(p, q)
    assert a.loss_curve_ == b.loss_curve_
    assert a.n_iter_ == b.n_iter_


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("callback", [NoOp, Recorder])
def test_callbacks_leave_the_fit_unchanged(digits, solver, callback):
    X, y = digits
    with_callback = _fit(solver, X, y, [callback()], max_iter=12)
    _assert_same(with_callback, _fit(solver, X, y, max_iter=12))


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_task_per_epoch(digits, solver):
    X, y = digits
    recorder = Recorder()
    model = _fit(solver, X, y, [recorder], max_iter=12)
    name = "iteration" if solver == "lbfgs" else "epoch"
    ends = recorder.ends(name)
    assert len(ends) == model.n_iter_ == 12
    assert [e[2] for e in ends] == list(range(12))
    assert recorder.events[0] == ("setup", "fit")
    assert recorder.events[1] == ("begin", "fit", 0)
    assert recorder.events[-2:] == [("end", "fit", 0), ("teardown", "fit")]
    # Each epoch begins after the one before ended.
    expected = [e for i in range(12) for e in (("begin", name, i), ("end", name, i))]
    assert recorder.events[2:-2] == expected
    assert not hasattr(model, "_callback_fit_ctx")


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_epochs_stop_with_early_stopping(digits, solver):
    X, y = digits
    recorder = Recorder()
    model = _fit(
        solver, X, y, [recorder], early_stopping=True, n_iter_no_change=2, tol=0.5
    )
    assert model.n_iter_ < model.max_iter
    assert len(recorder.ends("epoch")) == model.n_iter_


def test_tol_stopping_ends_the_lbfgs_iterations(digits):
    X, y = digits
    recorder = Recorder()
    model = _fit("lbfgs", X, y, [recorder], tol=1e-2)
    assert model.n_iter_ < model.max_iter
    assert len(recorder.ends("iteration")) == model.n_iter_


@pytest.mark.parametrize(
    "solver, early_stopping",
    [("sgd", False), ("adam", False), ("lbfgs", False), ("sgd", True), ("adam", True)],
)
def test_fitted_estimator_is_the_model_at_that_epoch(digits, solver, early_stopping):
    """The model a callback sees at epoch k is the one a fit with
    max_iter=k returns (the same run stopped there; with early stopping,
    the best weights so far)."""
    X, y = digits
    recorder = Recorder()
    _fit(solver, X, y, [recorder], max_iter=4, early_stopping=early_stopping)
    for k, seen in enumerate(recorder.models, start=1):
        stopped = _fit(solver, X, y, max_iter=k, early_stopping=early_stopping)
        _assert_same(seen, stopped)
        np.testing.assert_array_equal(seen.predict_proba(X), stopped.predict_proba(X))


@pytest.mark.parametrize("solver", SOLVERS)
def test_scoring_monitor_logs_each_epoch(digits, solver):
    X, y = digits
    monitor = ScoringMonitor(scoring="accuracy")
    model = _fit(solver, X, y, [monitor], max_iter=5)
    rows = monitor.get_logs().data
    root = [r for r in rows if r["task_name"] == "fit"]
    epochs = [r for r in rows if r["task_name"] != "fit"]
    assert len(epochs) == model.n_iter_ == 5
    assert root[0]["accuracy"] == model.score(X, y)
    for k, row in enumerate(epochs, start=1):
        assert row["task_id_path"] == (0, k - 1)
        assert row["accuracy"] == _fit(solver, X, y, max_iter=k).score(X, y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_callback_stops_the_fit(digits, solver):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = _fit(solver, X, y, [Recorder(stop_at=3)])
    assert model.n_iter_ == 3
    _assert_same(model, _fit(solver, X, y, max_iter=3))


def test_an_interrupted_fit_ends_its_tasks(digits):
    X, y = digits
    recorder = Recorder(interrupt_at=3)
    with pytest.warns(UserWarning, match="interrupted"):
        model = _fit("adam", X, y, [recorder])
    assert model.n_iter_ == 3
    # The interrupted epoch's task ends (as an empty one), then the fit's.
    assert recorder.events[-4:] == [
        ("begin", "epoch", 3),
        ("end", "epoch", 3),
        ("end", "fit", 0),
        ("teardown", "fit"),
    ]
    assert recorder.models[-1] is None


def test_a_diverged_epoch_ends_as_an_empty_task():
    """The undone epoch ends without a model; the replay that restores the
    weights reports nothing."""
    rng = np.random.RandomState(0)
    X = rng.randn(40, 4)
    y = X @ np.array([1.0, 2.0, 3.0, 4.0])
    recorder = Recorder()
    model = MLPRegressor(
        hidden_layer_sizes=(3,), solver="sgd", learning_rate_init=1e3, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        model.set_callbacks(recorder).fit(X, y)
    assert 0 < model.n_iter_ < model.max_iter
    assert len(recorder.ends("epoch")) == model.n_iter_ + 1
    assert recorder.models[-1] is None
    assert all(m is not None for m in recorder.models[:-1])
    assert recorder.events[-2:] == [("end", "fit", 0), ("teardown", "fit")]


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_partial_fit_is_one_task(digits, Estimator):
    X, y = digits
    # (scoring=None, the estimator's score, fails in scikit-learn 1.9.1)
    scoring = "accuracy" if Estimator is MLPClassifier else "r2"
    recorder, monitor = Recorder(), ScoringMonitor(scoring=scoring)
    model = Estimator(hidden_layer_sizes=(15,), random_state=0)
    model.set_callbacks(recorder, monitor)
    extra = {"classes": np.unique(y)} if Estimator is MLPClassifier else {}
    for _ in range(3):
        model.partial_fit(X, y, **extra)
        extra = {}
    assert recorder.events == 3 * [
        ("setup", "partial_fit"),
        ("begin", "partial_fit", 0),
        ("end", "partial_fit", 0),
        ("teardown", "partial_fit"),
    ]
    logs = monitor.get_logs(select="all")
    assert len(logs) == 3
    assert logs[-1].data[0][scoring] == model.score(X, y)


def test_no_epoch_tasks_without_callbacks(digits, monkeypatch):
    """Without callbacks the epoch loop makes no context (one None check)."""
    X, y = digits

    def fail(*args, **kwargs):
        raise AssertionError("an epoch task without callbacks")

    monkeypatch.setattr(CallbackContext, "subcontext", fail)
    for solver in SOLVERS:
        _fit(solver, X, y, max_iter=3)


def test_progress_bar_reaches_its_end(digits, capsys):
    pytest.importorskip("rich")
    X, y = digits
    # Stops early (tol): the bar still finishes.
    _fit("adam", X, y, [ProgressBar()], n_iter_no_change=2, tol=0.5)
    out = capsys.readouterr().out
    assert re.search(r"MLPClassifier - fit", out)
    assert "100%" in out
    assert not re.search(r"\b[0-9]{1,2}%", out)


def test_progress_bar_under_grid_search(digits, capsys):
    pytest.importorskip("rich")
    X, y = digits
    search = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(10,), max_iter=5, random_state=0),
        {"alpha": [1e-4, 1e-1]},
        cv=2,
    )
    search.set_callbacks(ProgressBar(max_propagation_depth=None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"GridSearchCV - fit", out)
    for i in range(4):
        assert re.search(
            rf"candidate-split-evaluation \| MLPClassifier - fit #{i}", out
        )
    assert re.search(r"refit-with-best-params \| MLPClassifier - fit", out)
    assert not re.search(r"\b[0-9]{1,2}%", out)


def test_clone_keeps_the_callbacks():
    """As scikit-learn's clone does: the same callback instances."""
    callback = NoOp()
    model = MLPClassifier().set_callbacks(callback)
    assert clone(model)._skl_callbacks == [callback]
    assert clone(model)._skl_callbacks[0] is callback
    assert not hasattr(clone(MLPClassifier()), "_skl_callbacks")
    assert not hasattr(model.set_callbacks(), "_skl_callbacks")


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_check_estimator_with_a_callback(Estimator):
    check_estimator(Estimator().set_callbacks(NoOp()))
