"""Divergence and extreme scales: training stops cleanly, nothing overflows loudly.

With an absurd learning rate every stochastic solver stops at the first epoch
whose loss is not finite, says what to change in one ``ConvergenceWarning``,
keeps the weights of the last finite epoch and still predicts finite values.
When not even the first epoch is finite (or L-BFGS's first evaluation), the
fit learned nothing: it raises scikit-learn's ``ValueError`` ("Solver produced
non-finite parameter weights...") and leaves the estimator unfitted.  L-BFGS
takes no learning rate; huge inputs make its line search overflow, and it
keeps its last finite iterate.  Huge (1e8) and tiny (1e-8) feature scales
and saturated outputs give finite losses and predictions and no NumPy
``RuntimeWarning`` (errors in this suite: ``pyproject.toml``).

``test_validation.py`` has the basic divergence cases; this file covers every
solver and checks *where* training stopped.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import skmlp._training as training
from skmlp import MLPClassifier, MLPRegressor
from skmlp._network import LocalBatch

STOCHASTIC = ("gd", "sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw")
SOLVERS = (*STOCHASTIC, "lbfgs")
ACTIVATIONS = (
    "identity",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "softplus",
    "silu",
)
#: The activations bounded above (the others carry huge inputs through).
BOUNDED = ("logistic", "tanh")
TINY = {"hidden_layer_sizes": (3,), "random_state": 0}


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 4)
    y = np.arange(40) % 3
    y_reg = X @ np.array([1.0, 2.0, 3.0, 4.0])
    return X, y, y_reg


def _target(cls, data):
    return data[1] if cls is MLPClassifier else data[2]


def _weights(est):
    return est.coefs_ + est.intercepts_


def _assert_finite_model(est, X):
    assert all(np.isfinite(w).all() for w in _weights(est))
    assert np.isfinite(est.loss_curve_).all()
    assert est.loss_ is None or np.isfinite(est.loss_)
    pred = est.predict(X)
    if isinstance(est, MLPClassifier):
        assert np.isin(pred, est.classes_).all()
        assert np.isfinite(est.predict_proba(X)).all()
        assert np.isfinite(est.predict_log_proba(X)).all()
    else:
        assert np.isfinite(pred).all()


def _divergence_warning(record):
    messages = [str(w.message) for w in record if "diverged" in str(w.message)]
    assert len(messages) == 1, messages
    (message,) = messages
    # It says what to change.
    assert "Lower the learning rate" in message
    assert "StandardScaler" in message
    assert "alpha" in message
    return message


class EpochRecorder:
    """Wraps ``run_epoch``: each epoch's loss, starting and ending weights."""

    def __init__(self, monkeypatch):
        self.starts, self.ends, self.losses = [], [], []
        original = training.run_epoch

        def recording(theta, *args, **kwargs):
            self.starts.append(theta.copy())
            loss = original(theta, *args, **kwargs)
            self.ends.append(theta.copy())
            self.losses.append(loss)
            return loss

        monkeypatch.setattr(training, "run_epoch", recording)

    def finite(self):
        """Per epoch: were its loss and the weights it ended with finite."""
        return [
            bool(np.isfinite(loss) and np.isfinite(end).all())
            for loss, end in zip(self.losses, self.ends)
        ]


# Learning rates of 1e3 and up.  An adaptive method's step is bounded by its
# learning rate, so at 1e3 its weights only grow linearly and a regression
# loss may stay finite; 1e100 makes every solver overflow.
DIVERGING = [
    *[(MLPRegressor, solver, 1e3) for solver in ("gd", "sgd", "momentum")],
    *[(MLPRegressor, solver, 1e100) for solver in STOCHASTIC],
    *[(MLPClassifier, solver, 1e300) for solver in STOCHASTIC if solver != "adamw"],
]

#: The loss of an epoch is taken before its steps, so the first epoch is
#: finite unless its steps overflow the weights themselves: AdamW's decay
#: factor 1 - 1e300 * 0.01 does.
FIRST_EPOCH_DIVERGES = [(MLPClassifier, "adamw", 1e300), (MLPRegressor, "adamw", 1e300)]

NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)


def _assert_unfitted(est):
    fitted = [name for name in vars(est) if name.endswith("_")]
    assert fitted == []
    assert not hasattr(est, "_theta")


@pytest.mark.parametrize(
    "cls, solver, rate",
    FIRST_EPOCH_DIVERGES,
    ids=[f"{c.__name__}-{s}-{r:g}" for c, s, r in FIRST_EPOCH_DIVERGES],
)
def test_a_first_epoch_that_diverges_raises(cls, solver, rate, data, monkeypatch):
    X, y = data[0], _target(cls, data)
    epochs = EpochRecorder(monkeypatch)
    est = cls(solver=solver, learning_rate_init=rate, max_iter=50, **TINY)
    with pytest.raises(ValueError, match=NON_FINITE_MESSAGE):
        est.fit(X, y)
    assert epochs.finite() == [False]  # one epoch ran, and it was not finite
    _assert_unfitted(est)
    # Refitting a fitted estimator that way leaves it unfitted too.
    est.set_params(learning_rate_init=1e-3).fit(X, y)
    with pytest.raises(ValueError, match=NON_FINITE_MESSAGE):
        est.set_params(learning_rate_init=rate).fit(X, y)
    _assert_unfitted(est)


def test_scikit_learns_test_nonfinite_params():
    """scikit-learn's own test, verbatim but for the estimator."""
    rng = np.random.RandomState(0)
    n_samples = 10
    fmax = np.finfo(np.float64).max
    X = fmax * rng.uniform(size=(n_samples, 2))
    y = rng.standard_normal(size=n_samples)
    clf = MLPRegressor()
    with pytest.raises(ValueError, match=NON_FINITE_MESSAGE):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, y)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_non_finite_first_evaluation_raises_for_every_solver(cls, solver, data):
    X, y = data[0] * 1e300, _target(cls, data)
    if cls is MLPClassifier:  # the clipped log loss stays finite: use weights
        X = data[0]
        sample_weight = np.full(len(y), 1e308)
    else:
        sample_weight = None
    est = cls(solver=solver, max_iter=5, **TINY)
    with pytest.raises(ValueError, match=NON_FINITE_MESSAGE):
        est.fit(X, y, sample_weight=sample_weight)
    _assert_unfitted(est)


def test_partial_fit_raises_only_before_any_finite_epoch(data):
    X, y = data[0], data[2]
    est = MLPRegressor(solver="adam", **TINY)
    with pytest.raises(ValueError, match=NON_FINITE_MESSAGE):
        est.partial_fit(X * 1e300, y)
    _assert_unfitted(est)
    est.partial_fit(X, y)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        est.partial_fit(X * 1e300, y)
    _assert_finite_model(est, X)


@pytest.mark.parametrize(
    "cls, solver, rate",
    DIVERGING,
    ids=[f"{c.__name__}-{s}-{r:g}" for c, s, r in DIVERGING],
)
def test_absurd_learning_rate_stops_at_the_first_non_finite_epoch(
    cls, solver, rate, data, monkeypatch
):
    X, y = data[0], _target(cls, data)
    epochs = EpochRecorder(monkeypatch)
    est = cls(solver=solver, learning_rate_init=rate, max_iter=50, **TINY)
    with pytest.warns(ConvergenceWarning, match="diverged") as record:
        est.fit(X, y)
    _divergence_warning(record)

    # Stopped at the first epoch whose loss is not finite.  A fresh fit keeps
    # no copies of its weights: it regenerates the last finite ones by
    # training again from the start for one epoch fewer, which must repeat
    # the first run's epochs exactly; nothing else ran.
    finite = epochs.finite()
    first_bad = finite.index(False)
    replayed = max(first_bad - 1, 0)
    assert len(finite) == first_bad + 1 + replayed
    for k in range(replayed):
        np.testing.assert_array_equal(
            epochs.starts[first_bad + 1 + k], epochs.starts[k]
        )
        assert epochs.losses[first_bad + 1 + k] == epochs.losses[k]
    assert est.n_iter_ == first_bad
    assert est.loss_curve_ == epochs.losses[:first_bad]

    # The kept weights started the last finite epoch (the initial weights when
    # the very first epoch diverged): every one of them is finite.
    kept = epochs.starts[max(first_bad - 1, 0)]
    flat = np.concatenate([w.ravel() for w in _weights(est)])
    np.testing.assert_array_equal(flat, kept)
    _assert_finite_model(est, X)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("rate", [1e3, 1e6, 1e10, 1e100, 1e300])
def test_any_absurd_learning_rate_leaves_a_finite_model(
    cls, solver, rate, data, monkeypatch
):
    # Whether the loss overflows or merely plateaus, nothing warns but a
    # ConvergenceWarning and the model stays finite; only a first epoch that
    # is itself non-finite raises, leaving no model.
    X, y = data[0], _target(cls, data)
    epochs = EpochRecorder(monkeypatch)
    est = cls(solver=solver, learning_rate_init=rate, max_iter=20, **TINY)
    if (cls, solver, rate) in FIRST_EPOCH_DIVERGES:
        with pytest.raises(ValueError, match=NON_FINITE_MESSAGE):
            est.fit(X, y)
        assert epochs.finite() == [False]
        _assert_unfitted(est)
        return
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert {w.category for w in record} <= {ConvergenceWarning}
    finite = epochs.finite()
    assert finite[0]
    if not all(finite):  # the epoch that overflowed was reported
        _divergence_warning(record)
    _assert_finite_model(est, X)


@pytest.mark.parametrize("scale", [1e100, 1e300])
@pytest.mark.parametrize(
    "cls, loss", [(MLPClassifier, None), (MLPRegressor, "squared_error")]
)
def test_lbfgs_with_huge_inputs_keeps_its_last_finite_iterate(cls, loss, scale, data):
    X, y = data[0] * scale, _target(cls, data)
    params = {} if loss is None else {"loss": loss}
    est = cls(solver="lbfgs", max_iter=50, **TINY, **params)
    if cls is MLPRegressor and scale == 1e300:
        # The squared error at the initial weights already overflows.
        with pytest.raises(ValueError, match=NON_FINITE_MESSAGE):
            est.fit(X, y)
        _assert_unfitted(est)
        return
    diverged = _fit_quietly(est, X, y)
    # The clipped log-loss cannot overflow, so a classifier may instead end
    # where its line search fails ("lbfgs failed to converge").
    assert diverged or cls is MLPClassifier
    assert est.n_iter_ == len(est.loss_curve_)
    if diverged:  # the loss reported is the kept iterate's
        assert est.loss_ == (est.loss_curve_[-1] if est.loss_curve_ else None)
    _assert_finite_model(est, X)


def test_lbfgs_keeps_the_iterate_it_accepted_last(data, monkeypatch):
    # Make the objective overflow once L-BFGS has taken a few steps: the
    # weights it ends with are its last accepted iterate, not the start.
    X, y = data[0], data[2]
    calls = []
    # L-BFGS evaluates through its batch (skmlp._network.LocalBatch).
    original = LocalBatch.loss_and_grad

    def overflowing(*args, **kwargs):
        calls.append(None)
        value = original(*args, **kwargs)
        return np.inf if len(calls) > 6 else value

    monkeypatch.setattr(LocalBatch, "loss_and_grad", overflowing)
    est = MLPRegressor(solver="lbfgs", max_iter=50, **TINY)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        est.fit(X, y)
    monkeypatch.undo()
    assert est.n_iter_ >= 1
    reference = MLPRegressor(solver="lbfgs", max_iter=est.n_iter_, **TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, y)
    for ours, theirs in zip(_weights(est), _weights(reference)):
        np.testing.assert_array_equal(ours, theirs)
    assert est.loss_curve_ == reference.loss_curve_


def test_diverging_partial_fit_keeps_the_last_finite_weights(data):
    X, y = data[0], data[2]
    est = MLPRegressor(solver="adam", learning_rate_init=1e100, **TINY)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _ in range(5):
            est.partial_fit(X, y)
    assert {w.category for w in record} <= {ConvergenceWarning}
    assert any("diverged" in str(w.message) for w in record)
    _assert_finite_model(est, X)


# ----------------------------------------------------------- extreme scales
def _fit_quietly(est, X, y):
    """Fit, allowing only ConvergenceWarnings; return whether it diverged."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert {w.category for w in record} <= {ConvergenceWarning}, [
        str(w.message) for w in record
    ]
    return any("diverged" in str(w.message) for w in record)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    "cls, loss",
    [(MLPClassifier, None), (MLPRegressor, "squared_error"), (MLPRegressor, "poisson")],
)
@pytest.mark.parametrize("scale", [1e8, 1e-8])
def test_feature_scales_do_not_overflow(scale, cls, loss, activation, dtype, data):
    X = (data[0] * scale).astype(dtype)
    y = _target(cls, data)
    if loss == "poisson":
        y = np.abs(y)
    params = {} if loss is None else {"loss": loss}
    for solver in ("sgd", "adam", "lbfgs"):
        est = cls(solver=solver, activation=activation, max_iter=5, **TINY, **params)
        if scale > 1 and loss == "poisson" and activation not in BOUNDED:
            # Unbounded hidden units carry the 1e8 inputs to the output: the
            # Poisson mean, clipped at half float's range, sums to infinity
            # over the rows at the initial weights.
            with pytest.raises(ValueError, match=NON_FINITE_MESSAGE):
                est.fit(X, y)
            continue
        diverged = _fit_quietly(est, X, y)
        # Tiny features are harmless; huge ones may make training diverge
        # (the loss or, in float32, the weights overflow), which stops it
        # cleanly.
        assert not diverged or scale > 1
        _assert_finite_model(est, X)
        assert est.coefs_[0].dtype == dtype


@pytest.mark.parametrize("magnitude", [1e2, 1e4, 1e30])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saturated_logits(magnitude, n_classes, dtype, data):
    # Hand-set output weights give logits of +-magnitude: probabilities
    # saturate but stay positive, logs finite, the loss finite.
    X, y = data[0].astype(dtype), data[1] % n_classes
    # alpha=0: in float32 the L2 penalty of 1e30 weights would overflow.
    est = MLPClassifier(
        solver="sgd", learning_rate_init=1e-12, max_iter=1, alpha=0.0, **TINY
    )
    _fit_quietly(est, X, y)
    est.coefs_[-1][...] = magnitude * np.sign(est.coefs_[-1])
    proba = est.predict_proba(X)
    assert proba.dtype == dtype
    assert np.isfinite(proba).all() and (proba > 0).all() and (proba <= 1).all()
    assert np.isfinite(est.predict_log_proba(X)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    if n_classes == 2:  # both columns of a binary output: never exactly 1
        assert (proba < 1).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a divergence
        est.partial_fit(X, y)  # one tiny step from there: a clipped loss
    assert np.isfinite(est.loss_)
    assert all(np.isfinite(w).all() for w in _weights(est))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("magnitude", [50.0, 1e3, 1e30])
def test_poisson_mean_at_extreme_pre_activations(magnitude, dtype, data):
    # exp of a huge pre-activation would overflow and of a very negative one
    # underflow to 0 (where the deviance divides by it): the mean is clipped
    # to stay finite and positive.
    X, y = data[0].astype(dtype), np.abs(data[2])
    est = MLPRegressor(loss="poisson", max_iter=1, learning_rate_init=1e-12, **TINY)
    _fit_quietly(est, X, y)
    for sign in (1, -1):
        est.intercepts_[-1][...] = sign * magnitude
        est.coefs_[-1][...] = 0
        pred = est.predict(X)
        assert pred.dtype == dtype
        assert np.isfinite(pred).all() and (pred > 0).all()
        if magnitude < np.log(np.finfo(dtype).max / 2):
            expected = np.exp(np.float64(sign * magnitude))
            np.testing.assert_allclose(pred, expected, rtol=1e-6)


def test_partial_fit_trains_again_after_a_diverging_call(data):
    # A diverged epoch leaves the optimizer's state non-finite (Adam's second
    # moment infinite, which would make every later step zero): it restarts.
    X, y = data[0], data[2]
    est = MLPRegressor(solver="adam", learning_rate_init=0.01, **TINY)
    est.partial_fit(X, y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.partial_fit(X * 1e154, y)
    assert any("diverged" in str(w.message) for w in record)
    _assert_finite_model(est, X)
    before = [w.copy() for w in est.coefs_]
    est.partial_fit(X, y)
    _assert_finite_model(est, X)
    assert np.isfinite(est.loss_)
    assert any(not np.array_equal(a, b) for a, b in zip(before, est.coefs_))
