"""Dropout: the gradient under fixed masks, the random masks, the estimators.

1. With masks fixed (:class:`skmlp._dropout.FixedMasks`), ``loss_and_grad``'s
   value is an independent NumPy transcription of the dropped network's
   objective and its gradient that objective's central finite differences,
   for every hidden activation (the derivative must be taken at the
   undropped output, the delta scaled like the output);
2. the random masks keep each unit with probability ``1 - p`` and the dropped
   outputs have the undropped outputs as their mean;
3. the estimators: ``dropout=0`` is scikit-learn's fit bit for bit; a fit
   with dropout is reproducible and deterministic at prediction; the
   per-layer form; the errors.
"""

import warnings

import numpy as np
import pytest
import sklearn.neural_network as sk
from hypothesis import assume, given
from hypothesis import strategies as st
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from test_gradients import (
    KINKED,
    REF_HIDDEN,
    REF_LOSSES,
    RELU_MARGIN,
    assert_matches_differences,
    avoid_saturated_outputs,
    central_differences,
    problems,
    reference_l1_share,
    reference_unpack,
)

from skmlp import MLPClassifier, MLPRegressor
from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp._dropout import Dropout, FixedMasks, dropout_rates
from skmlp._network import Layout, Objective, Workspace, forward, loss_and_grad
from skmlp.compression import prune

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ------------------------------------------------- the gradient, masks fixed
def reference_dropped(p, theta, masks, rates):
    """The documented objective with each hidden output times
    ``mask / (1 - rate)``: (value, hidden pre-activations, output
    pre-activations), transcribed without skmlp."""
    coefs, intercepts = reference_unpack(theta, p["layout"].layer_units)
    A, pre = p["X"], []
    for W, b, m, r in zip(coefs[:-1], intercepts[:-1], masks, rates):
        Z = A @ W + b
        pre.append(Z.ravel())
        A = REF_HIDDEN[p["hidden"]](Z) * m / (1 - r)
    z = A @ coefs[-1] + intercepts[-1]
    w = np.ones(p["X"].shape[0]) if p["sw"] is None else p["sw"]
    n = w.sum()
    value = (w * REF_LOSSES[p["loss"]](p["Y"], z)).sum() / n
    alpha, pen = p["alpha"], p["pen"]
    if pen == "group":
        norms = [np.linalg.norm(W, axis=0).sum() for W in coefs[:-1]]
        fan_ins = [W.shape[0] for W in coefs[:-1]]
        value += alpha / n * np.dot(np.sqrt(fan_ins), norms)
    elif pen is not None:
        r = reference_l1_share(pen, p["l1_ratio"])
        squares = sum((W**2).sum() for W in coefs)
        absolutes = sum(np.abs(W).sum() for W in coefs)
        value += alpha / n * ((1 - r) / 2 * squares + r * absolutes)
    return value, np.concatenate(pre), z


def _assume_differentiable(p, masks, rates):
    """Keep kinks and saturated outputs out (as test_gradients does, here
    with the dropped network's pre-activations)."""
    _, pre, z = reference_dropped(p, p["theta"], masks, rates)
    if p["hidden"] in KINKED:
        assume(np.abs(pre).min() > RELU_MARGIN)
    avoid_saturated_outputs(p["loss"], z)


@pytest.mark.parametrize("hidden", sorted(HIDDEN_ACTIVATIONS))
@given(data=st.data())
def test_gradient_with_fixed_masks_matches_central_differences(hidden, data):
    """Every activation, task and penalty: with given masks the value is the
    dropped network's objective and the gradient its finite differences
    (bounds of test_gradients.test_gradient_matches_central_differences)."""
    p = data.draw(problems(hidden=hidden))
    n = p["X"].shape[0]
    sizes = p["hidden_sizes"]
    rates = data.draw(
        st.lists(
            st.sampled_from([0.0, 0.2, 0.5, 0.8]),
            min_size=len(sizes),
            max_size=len(sizes),
        )
    )
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    masks = [(rng.random((n, u)) >= r).astype(float) for u, r in zip(sizes, rates)]
    _assume_differentiable(p, masks, rates)

    layout = p["layout"]
    objective = Objective(
        layout, hidden, p["loss"], p["penalty"], dropout=FixedMasks(masks, rates)
    )
    grad = np.full(layout.size, np.nan)
    workspace = Workspace(layout, n, np.float64)
    value = loss_and_grad(
        objective, p["theta"], grad, p["X"], p["Y"], p["sw"], workspace
    )
    expected = reference_dropped(p, p["theta"], masks, rates)[0]
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)
    fd = central_differences(
        p, lambda theta: reference_dropped(p, theta, masks, rates)[0]
    )
    assert_matches_differences(grad, fd, expected)


def test_fixed_masks_of_ones_give_the_undropped_gradient():
    """Masks of ones at rate 0 change no bit of the value or the gradient."""
    rng = np.random.default_rng(0)
    layout = Layout([3, 6, 5, 2])
    theta = rng.uniform(-1, 1, layout.size)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    for hidden in HIDDEN_ACTIVATIONS:
        base = Objective(layout, hidden, "squared_error", _no_penalty())
        ones = [np.ones((7, 6)), np.ones((7, 5))]
        dropped = base._replace(dropout=FixedMasks(ones, (0.0, 0.0)))
        g0, g1 = np.empty(layout.size), np.empty(layout.size)
        v0 = loss_and_grad(base, theta, g0, X, Y, None, Workspace(layout, 7, float))
        v1 = loss_and_grad(dropped, theta, g1, X, Y, None, Workspace(layout, 7, float))
        assert v0 == v1
        np.testing.assert_array_equal(g0, g1)


def _no_penalty():
    from skmlp.penalties import penalty_from_params

    return penalty_from_params(None, 0.0, 0.0)


# ----------------------------------------------------------- the random masks
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropped_outputs_have_the_undropped_mean(dtype, rate):
    """Over ``N = 40000`` rows of one input, each unit's dropped output
    averages to its undropped output, and a share ``rate`` of them is 0.

    Each row's dropped output is ``h s`` with ``s`` 0 or ``1 / (1 - p)``:
    mean ``h``, standard deviation ``|h| sqrt(p / (1 - p))``, so the mean of
    ``N`` has standard deviation ``|h| sqrt(p / ((1 - p) N))``; the bound is
    5 of them (a false alarm about once in 3.5 million per unit; the seed is
    fixed anyway), plus float32's rounding of the scale.  The share of zeros
    is binomial: within 5 standard deviations ``sqrt(p (1 - p) / N)``.
    """
    N, units = 40000, 8
    rng = np.random.default_rng(1)
    layout = Layout([3, units, 1])
    theta = rng.uniform(-1, 1, layout.size).astype(dtype)
    coefs, intercepts = layout.views(theta)
    X = np.repeat(rng.normal(size=(1, 3)).astype(dtype), N, axis=0)
    workspace = Workspace(layout, N, dtype)
    ((scale, out),) = workspace.dropout_buffers()
    dropout = Dropout((rate,))
    dropout.new_epoch(np.random.RandomState(0))
    dropout.fill([scale])
    acts = [np.empty((N, units), dtype), np.empty((N, 1), dtype)]
    forward(coefs, intercepts, X, acts, "tanh", "identity", dropped=[(scale, out)])
    h = acts[0][0].astype(np.float64)
    np.testing.assert_array_equal(acts[0], np.broadcast_to(acts[0][0], (N, units)))
    np.testing.assert_array_equal(out, acts[0] * scale)
    sigma = np.abs(h) * np.sqrt(rate / ((1 - rate) * N))
    tolerance = 5 * sigma + np.abs(h) * 4 * np.finfo(dtype).eps
    mean = out.astype(np.float64).mean(axis=0)
    assert np.all(np.abs(mean - h) <= tolerance), (mean - h) / sigma
    zeros = (scale == 0).mean(axis=0)
    assert np.all(np.abs(zeros - rate) <= 5 * np.sqrt(rate * (1 - rate) / N))
    assert set(np.unique(scale)) == {0, dtype(1 / (1 - rate))}


def test_masks_are_seeded_by_the_fits_rng_and_the_offset():
    """The same draw and offset give the same masks; another offset (a
    continued fit) or another draw gives others; a rate of 0 keeps all."""

    def masks(seed, offset, rates=(0.5, 0.0)):
        dropout = Dropout(rates, offset)
        dropout.new_epoch(np.random.RandomState(seed))
        scales = [np.empty((50, 4)), np.empty((50, 3))]
        dropout.fill(scales)
        return scales

    a, b = masks(0, 0), masks(0, 0)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], masks(0, 200)[0])
    assert not np.array_equal(a[0], masks(1, 0)[0])
    np.testing.assert_array_equal(a[1], np.ones((50, 3)))


def test_weights_equal_repetitions_in_expectation():
    """What replaces check_sample_weight_equivalence for dropout: the mean
    objective gradient over ``M`` mask draws with integer sample weights
    equals the one with each row repeated that many times (one draw per
    repetition), within 5 standard errors of the difference of two
    independent means, ``sqrt((var_w + var_r) / M)`` per coordinate."""
    M = 3000
    rng = np.random.default_rng(0)
    layout = Layout([3, 5, 4, 2])
    theta = rng.uniform(-1, 1, layout.size)
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    sw = np.array([0.0, 1.0, 2.0, 3.0])
    X_rep, Y_rep = X.repeat(sw.astype(int), axis=0), Y.repeat(sw.astype(int), axis=0)

    def gradients(X, Y, weights, seed):
        dropout = Dropout((0.5, 0.3))
        dropout.new_epoch(np.random.RandomState(seed))
        objective = Objective(layout, "tanh", "squared_error", _no_penalty())
        objective = objective._replace(dropout=dropout)
        workspace = Workspace(layout, X.shape[0], np.float64)
        out = np.empty((M, layout.size))
        for grad in out:
            loss_and_grad(objective, theta, grad, X, Y, weights, workspace)
        return out

    weighted, repeated = gradients(X, Y, sw, 1), gradients(X_rep, Y_rep, None, 2)
    stderr = np.sqrt((weighted.var(axis=0) + repeated.var(axis=0)) / M)
    difference = np.abs(weighted.mean(axis=0) - repeated.mean(axis=0))
    assert np.all(difference <= 5 * stderr + 1e-12)
    # The draws do differ (else the test would prove nothing).
    assert stderr.max() > 1e-3


# -------------------------------------------------------------- the estimators
@pytest.fixture(scope="module")
def classification():
    return make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )


@pytest.fixture(scope="module")
def regression():
    return make_regression(n_samples=120, n_features=6, noise=1.0, random_state=0)


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _same_weights(a, b):
    return all(
        np.array_equal(p, q)
        for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)
    )


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("zero", [0, 0.0, (0.0, 0)])
def test_zero_dropout_is_sklearns_fit(classification, solver, early_stopping, zero):
    """Every way of saying 0 draws nothing more from the random state: the
    weights and curves are scikit-learn's, bit for bit (binary targets with
    early stopping, whose split scikit-learn stratifies as skmlp does)."""
    X, y = classification
    if early_stopping:
        y = y == 0
    params = dict(
        hidden_layer_sizes=(7, 5),
        solver=solver,
        early_stopping=early_stopping,
        max_iter=15,
        random_state=3,
        batch_size=32,
    )
    ours = _fit(MLPClassifier(dropout=zero, **params), X, y)
    theirs = _fit(sk.MLPClassifier(**params), X, y)
    assert _same_weights(ours, theirs)
    assert ours.loss_curve_ == theirs.loss_curve_


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_dropout_fit_is_reproducible_and_differs(
    cls, activation, classification, regression
):
    X, y = classification if cls is MLPClassifier else regression
    params = dict(
        hidden_layer_sizes=(8, 6), activation=activation, max_iter=8, random_state=0
    )
    a = _fit(cls(dropout=0.3, **params), X, y)
    b = _fit(cls(dropout=0.3, **params), X, y)
    assert _same_weights(a, b) and a.loss_curve_ == b.loss_curve_
    plain = _fit(cls(**params), X, y)
    assert not _same_weights(a, plain)
    # A float32 fit with dropout keeps float32.
    c = _fit(cls(dropout=0.3, **params), X.astype(np.float32), y)
    assert c.coefs_[0].dtype == np.float32
    assert np.isfinite(c.loss_)


def test_partial_fit_with_dropout_is_reproducible(classification):
    """Two estimators given the same calls end with the same weights, and
    each call's masks differ from the first call's (seeded with ``t_``)."""
    X, y = classification
    params = dict(hidden_layer_sizes=(8,), dropout=0.4, random_state=0)
    a, b = MLPClassifier(**params), MLPClassifier(**params)
    for model in (a, b):
        for _ in range(3):
            model.partial_fit(X, y, classes=np.unique(y))
    assert _same_weights(a, b)
    seen = []
    original = Dropout.new_epoch

    def spy(self, rng):
        seen.append(self.offset)
        original(self, rng)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Dropout, "new_epoch", spy)
        c = MLPClassifier(**params)
        for _ in range(3):
            c.partial_fit(X, y, classes=np.unique(y))
    assert seen == [0, len(X), 2 * len(X)]
    assert _same_weights(a, c)


def test_predict_has_no_dropout(classification, regression):
    """predict, predict_proba and score are deterministic and equal those of
    a model without dropout holding the same weights."""
    X, y = classification
    model = _fit(MLPClassifier((8, 6), dropout=0.5, max_iter=10, random_state=0), X, y)
    twin = _fit(MLPClassifier((8, 6), max_iter=1, random_state=0), X, y)
    twin.coefs_, twin.intercepts_ = model.coefs_, model.intercepts_
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(model.predict_proba(X), twin.predict_proba(X))
    assert model.score(X, y) == twin.score(X, y)
    X, y = regression
    reg = _fit(
        MLPRegressor(hidden_layer_sizes=(8,), dropout=0.5, max_iter=10, random_state=0),
        X,
        y,
    )
    hidden = np.maximum(X @ reg.coefs_[0] + reg.intercepts_[0], 0)
    expected = (hidden @ reg.coefs_[1] + reg.intercepts_[1]).ravel()
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-12)


def test_validation_curves_use_the_whole_network(classification):
    """The early-stopping score and the validation loss see no dropout: they
    are those of the final weights (restored best ones for early stopping)."""
    X, y = classification
    X_val, y_val = X[:40], y[:40]
    model = MLPClassifier((8,), dropout=0.5, max_iter=6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[40:], y[40:], X_val=X_val, y_val=y_val)
    twin = MLPClassifier((8,), max_iter=1, random_state=0)
    twin.coefs_, twin.intercepts_ = model.coefs_, model.intercepts_
    from sklearn.metrics import log_loss

    penalty = 0.5 * 1e-4 * sum((W**2).sum() for W in model.coefs_) / 40
    expected = log_loss(y_val, model.predict_proba(X_val)) + penalty
    assert model.validation_loss_curve_[-1] == pytest.approx(expected, rel=1e-9)
    stopped = MLPClassifier(
        (8,), dropout=0.5, early_stopping=True, max_iter=6, random_state=0
    )
    _fit(stopped, X, y)
    assert stopped.best_validation_score_ == max(stopped.validation_scores_)


def test_per_layer_rates(classification):
    """A rate per hidden layer: equal rates are the scalar, zeros everywhere
    are no dropout, and a zero layer keeps every unit."""
    X, y = classification
    params = dict(hidden_layer_sizes=(8, 6), max_iter=5, random_state=0)
    scalar = _fit(MLPClassifier(dropout=0.3, **params), X, y)
    listed = _fit(MLPClassifier(dropout=[0.3, 0.3], **params), X, y)
    array = _fit(MLPClassifier(dropout=np.array([0.3, 0.3]), **params), X, y)
    assert _same_weights(scalar, listed) and _same_weights(scalar, array)
    mixed = _fit(MLPClassifier(dropout=(0.3, 0.0), **params), X, y)
    assert not _same_weights(scalar, mixed)
    assert dropout_rates((0.3, 0), 2) == (0.3, 0.0)
    assert dropout_rates(0.25, 3) == (0.25,) * 3


BAD = [
    (1.0, "in the range"),
    (-0.2, "in the range"),
    ("half", "dropout"),
    ((0.1,), "1 rate\\(s\\) but the network has 2 hidden layer"),
    ((0.1, 0.2, 0.3), "3 rate\\(s\\) but the network has 2"),
    ((0.1, 1.0), "must be in \\[0, 1\\)"),
    ((0.1, -0.5), "must be in \\[0, 1\\)"),
    ((0.1, float("nan")), "must be in \\[0, 1\\)"),
    ((0.1, "x"), "must be real numbers"),
]


@pytest.mark.parametrize("value, message", BAD, ids=[repr(v) for v, _ in BAD])
def test_bad_rates_raise_clear_errors(classification, value, message):
    X, y = classification
    model = MLPClassifier((4, 3), dropout=value, max_iter=1)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_lbfgs_refuses_dropout(cls, classification, regression):
    X, y = classification if cls is MLPClassifier else regression
    with pytest.raises(
        ValueError, match="dropout is not supported with solver='lbfgs'"
    ):
        cls(hidden_layer_sizes=(4,), solver="lbfgs", dropout=0.2).fit(X, y)
    # A rate of 0 is no dropout: lbfgs fits.
    _fit(cls(hidden_layer_sizes=(4,), solver="lbfgs", dropout=(0.0,)), X, y)


def test_sparse_input_and_pruning_with_dropout(classification):
    """Sparse X trains with dropout, and pruning's fine-tuning (the model's
    own settings, dropout included) runs."""
    import scipy.sparse as sp

    X, y = classification
    params = dict(dropout=0.3, learning_rate_init=0.01, max_iter=100, random_state=0)
    model = _fit(MLPClassifier((16,), **params), X, y)
    dense = model.predict(X)
    sparse = _fit(
        MLPClassifier((16,), **params),
        sp.csr_matrix(X),
        y,
    )
    np.testing.assert_allclose(sparse.coefs_[0], model.coefs_[0], rtol=1e-10)
    assert dense.shape == y.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pruned = prune(model, 0.5, X=X, y=y)
    assert pruned.dropout == 0.3
    assert pruned.sparsity_[0] >= 0.5
    assert model.score(X, y) > 0.75
    assert pruned.score(X, y) >= model.score(X, y) - 0.1
