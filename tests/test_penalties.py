"""L1, L2 and elastic-net penalties: the formulas, the proximal steps, the zeros.

The expected updates are written out by hand from the documented rules in
:mod:`skmlp.penalties` and the optimizer table of DESIGN.md, using only
``loss_and_grad``'s smooth gradient and the plain formulas.
"""

import copy
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.optimize import brentq
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier, MLPRegressor
from skmlp._network import (
    Layout,
    Objective,
    Workspace,
    finish_gradient,
    loss_and_grad,
    total_weight,
)
from skmlp._solvers import SOLVER_NAMES, STRING_SOLVERS
from skmlp._training import OptimizerRun, ScheduleRun
from skmlp.optimizers import SGD, step_size
from skmlp.penalties import (
    PENALTIES,
    Penalty,
    block_soft_threshold,
    group_envelope,
    penalty_from_params,
    scaled_block_soft_threshold,
    soft_threshold,
    zero_small_groups,
)
from skmlp.schedules import Constant

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ------------------------------------------------------------------ formulas
#: The penalties that are SGDClassifier's mixes of L1 and L2.
MIXES = ["l2", "l1", "elasticnet", None]


def test_penalties_are_the_mixes_and_group():
    assert set(PENALTIES) == {*MIXES, "group"}


@pytest.mark.parametrize("name", MIXES)
def test_penalty_parts_are_sgdclassifiers_mix(name):
    """``alpha (r ||w||_1 + (1 - r) / 2 ||w||^2)``, r as in SGDClassifier."""
    alpha, l1_ratio = 0.8, 0.3
    r = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio, None: None}[name]
    layers = [np.array([0.5, -2.0, 0.0, 1.5]), np.array([-0.25, 3.0])]
    value = penalty_from_params(name, alpha, l1_ratio).value(layers)
    if r is None:
        assert value == 0.0
    else:
        w = np.concatenate(layers)
        expected = alpha * (r * np.abs(w).sum() + (1 - r) / 2 * (w @ w))
        assert value == pytest.approx(expected, rel=1e-15)


def test_l2_value_is_scikit_learns_to_the_bit():
    """scikit-learn sums ``np.dot(W, W)`` a layer at a time, then multiplies
    by ``alpha / 2``; one dot over all the weights rounds differently."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        layers = [rng.normal(size=n) for n in rng.integers(1, 300, 3)]
        expected = 0
        for w in layers:
            expected += np.dot(w, w)
        expected = (0.5 * 0.37) * expected
        assert Penalty(l2=0.37, l1=0.0).value(layers) == expected


def test_elasticnet_endpoints_are_l2_and_l1():
    assert penalty_from_params("elasticnet", 2.0, 0.0) == penalty_from_params(
        "l2", 2.0, 0.5
    )
    assert penalty_from_params("elasticnet", 2.0, 1.0) == penalty_from_params(
        "l1", 2.0, 0.5
    )
    assert penalty_from_params(None, 2.0, 0.5) == Penalty(0.0, 0.0)


@given(
    hnp.arrays(np.float64, 20, elements=st.floats(-10, 10)),
    st.floats(0, 5),
)
def test_soft_threshold_is_the_prox_of_l1(w, tau):
    """x = prox(w) iff 0 is in x - w + tau * d|x|: the L1 optimality condition."""
    x = soft_threshold(w, tau, out=np.empty_like(w))
    nonzero = x != 0
    np.testing.assert_allclose(
        x[nonzero] - w[nonzero] + tau * np.sign(x[nonzero]), 0, atol=1e-12
    )
    assert (np.abs(w[~nonzero]) <= tau).all()
    assert (np.abs(w[nonzero]) > tau).all()
    # An array threshold, and in place.
    taus = np.linspace(0, 5, w.size)
    expected = np.sign(w) * np.maximum(np.abs(w) - taus, 0)
    np.testing.assert_array_equal(soft_threshold(w, taus, out=w), expected)


@pytest.mark.parametrize("l1", [True, False])
def test_add_gradient_is_the_written_subgradient(l1):
    """grad + l2 w + l1 sign(w), with sign(0) = 0 (the subgradient that
    leaves a weight at exactly 0 alone); the L1 term by default."""
    w = np.array([2.0, -4.0, 0.0, 0.5])
    grad = np.array([1.0, 1.0, 1.0, -1.0])
    expected = grad + 0.5 * w + (0.25 * np.array([1.0, -1.0, 0.0, 1.0]) if l1 else 0)
    penalty = Penalty(l2=0.5, l1=0.25)
    if l1:
        penalty.add_gradient(w, grad)
    else:
        penalty.add_gradient(w, grad, l1=False)
    np.testing.assert_array_equal(grad, expected)


def test_biases_are_never_penalized():
    rng = np.random.default_rng(0)
    layout = Layout([3, 4, 2])
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    theta = rng.uniform(-1, 1, layout.size)
    workspace = Workspace(layout, 10, np.float64)
    results = {}
    for name in MIXES:
        grad = np.empty(layout.size)
        penalty = penalty_from_params(name, 3.0, 0.5)
        objective = Objective(layout, "tanh", "squared_error", penalty)
        value = loss_and_grad(objective, theta, grad, X, Y, None, workspace)
        results[name] = value, grad
    value_none, grad_none = results[None]
    for name, (value, grad) in results.items():
        # The intercepts' gradient is the data term's alone.
        np.testing.assert_array_equal(grad[layout.n_coef :], grad_none[layout.n_coef :])
        r = {"l2": 0.0, "l1": 1.0, "elasticnet": 0.5, None: None}[name]
        weights = theta[: layout.n_coef]
        expected = 0.0
        if r is not None:
            expected = (
                3.0 / 10 * (r * np.abs(weights).sum() + (1 - r) / 2 * weights @ weights)
            )
        assert value - value_none == pytest.approx(expected, rel=1e-12, abs=1e-15)


# --------------------------------------------------------- estimator settings
def _toy(n=40, n_features=5, seed=0):
    X, y = make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=3,
        n_redundant=0,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


def _fit(**params):
    X, y = _toy()
    return MLPClassifier((6,), max_iter=20, random_state=0, **params).fit(X, y)


def _same_weights(a, b):
    for x, y in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(x, y)


def test_elasticnet_endpoints_fit_like_l2_and_l1():
    _same_weights(
        _fit(penalty="elasticnet", l1_ratio=0.0, alpha=0.5),
        _fit(penalty="l2", alpha=0.5),
    )
    _same_weights(
        _fit(penalty="elasticnet", l1_ratio=1.0, alpha=0.5),
        _fit(penalty="l1", alpha=0.5),
    )


def test_no_penalty_ignores_alpha():
    reference = _fit(penalty=None, alpha=0.0)
    _same_weights(_fit(penalty=None, alpha=5.0), reference)
    _same_weights(_fit(penalty="l2", alpha=0.0), reference)
    # ... and alpha does matter with a penalty (the test can fail).
    assert not np.array_equal(
        _fit(penalty="l2", alpha=5.0).coefs_[0], reference.coefs_[0]
    )


def _hand_set(model, layout, theta):
    model.coefs_, model.intercepts_ = layout.views(theta.copy())
    return model


def _flat(model, layout):
    return layout.pack(model.coefs_, model.intercepts_, np.empty(layout.size))


def _smooth_gradient(layout, theta, X, Y, sw, hidden, loss, penalty):
    grad = np.empty(layout.size)
    workspace = Workspace(layout, X.shape[0], np.float64)
    objective = Objective(layout, hidden, loss, penalty)
    value = loss_and_grad(objective, theta, grad, X, Y, sw, workspace, finish=False)
    weight_sum = total_weight(X, sw)
    finish_gradient(penalty, theta, grad, layout.n_coef, weight_sum, l1=False)
    return value, grad


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_gd_step_is_the_proximal_gradient_step(penalty, how):
    """``W <- soft_threshold(W - eta g, eta alpha l1_ratio / n)`` exactly, with
    ``g`` the smooth gradient and ``n`` the sample-weight sum; biases take the
    plain step ``b <- b - eta g``."""
    rng = np.random.default_rng(1)
    X, y = _toy(n=30)
    sw = rng.uniform(0.5, 2.0, 30)
    eta, alpha, l1_ratio = 0.1, 8.0, 0.6
    layout = Layout([5, 4, 1])
    theta0 = rng.uniform(-0.2, 0.2, layout.size)
    model = MLPClassifier(
        (4,),
        activation="tanh",
        solver="gd",
        learning_rate_init=eta,
        penalty=penalty,
        alpha=alpha,
        l1_ratio=l1_ratio,
        max_iter=1,
        warm_start=True,
    )
    _hand_set(model, layout, theta0)
    if how == "warm_start":
        model.fit(X, y, sample_weight=sw)
    else:
        model.partial_fit(X, y, classes=[0, 1], sample_weight=sw)

    r = 1.0 if penalty == "l1" else l1_ratio
    smooth = penalty_from_params(penalty, alpha, l1_ratio)
    value, g = _smooth_gradient(
        layout,
        theta0,
        X,
        y[:, None].astype(float),
        sw,
        "tanh",
        "binary_log_loss",
        smooth,
    )
    n = sw.sum()
    step = theta0 - eta * g
    W = step[: layout.n_coef]
    tau = eta * alpha * r / n
    expected_W = np.sign(W) * np.maximum(np.abs(W) - tau, 0)
    theta1 = _flat(model, layout)
    np.testing.assert_allclose(theta1[: layout.n_coef], expected_W, rtol=1e-14)
    np.testing.assert_array_equal(theta1[: layout.n_coef] == 0, expected_W == 0)
    np.testing.assert_array_equal(theta1[layout.n_coef :], step[layout.n_coef :])
    # The step is meaningful: it zeroed some weights and kept others.
    assert 0 < np.mean(expected_W == 0) < 1
    assert model.loss_curve_ == [pytest.approx(value, rel=1e-14)]


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", None])
def test_minibatch_penalty_is_scaled_by_each_batch(penalty):
    """Plain SGD over unshuffled minibatches of 7 (the last one of 2), each
    with the penalty over its own sample-weight sum, is the loop below; the
    reported loss is the size-weighted mean of the minibatch objectives."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    Y = rng.normal(size=(30, 2))
    sw = rng.uniform(0.2, 3.0, 30)
    eta, alpha, l1_ratio = 0.05, 2.0, 0.4
    layout = Layout([3, 5, 2])
    theta0 = rng.uniform(-0.5, 0.5, layout.size)
    model = MLPRegressor(
        hidden_layer_sizes=(5,),
        activation="logistic",
        solver="sgd",
        momentum=0.0,
        batch_size=7,
        shuffle=False,
        learning_rate_init=eta,
        penalty=penalty,
        alpha=alpha,
        l1_ratio=l1_ratio,
        max_iter=1,
        warm_start=True,
    )
    _hand_set(model, layout, theta0).fit(X, Y, sample_weight=sw)

    parts = penalty_from_params(penalty, alpha, l1_ratio)
    theta, total = theta0.copy(), 0.0
    for start in range(0, 30, 7):
        rows = slice(start, start + 7)
        value, g = _smooth_gradient(
            layout,
            theta,
            X[rows],
            Y[rows],
            sw[rows],
            "logistic",
            "squared_error",
            parts,
        )
        total += value * len(X[rows])
        theta -= eta * g
        W = theta[: layout.n_coef]
        W[...] = np.sign(W) * np.maximum(np.abs(W) - eta * parts.l1 / sw[rows].sum(), 0)
    np.testing.assert_allclose(_flat(model, layout), theta, rtol=1e-13, atol=1e-16)
    assert model.loss_curve_[0] == pytest.approx(total / 30, rel=1e-13)


# The first step of each optimizer from zero state, with g the smooth gradient:
# (update of W, per-weight step size s); the L1 threshold is s * l1 / n.
def _first_steps(est):
    eta, mu, b1, b2, eps = 0.02, est.momentum, est.beta_1, est.beta_2, est.epsilon

    def adam(g):
        m, v = (1 - b1) * g, (1 - b2) * g**2
        eta_t = eta * np.sqrt(1 - b2) / (1 - b1)
        return -eta_t * m / (np.sqrt(v) + eps), eta_t / (np.sqrt(v) + eps)

    return eta, {
        "gd": lambda g: (-eta * g, eta),
        # Nesterov: mu v - eta g; the threshold uses the steady-state step.
        "sgd": lambda g: (-(1 + mu) * eta * g, eta / (1 - mu)),
        "momentum": lambda g: (-eta * (1 - mu) * g, eta),
        "adagrad": lambda g: (
            -eta * g / np.sqrt(g**2 + eps),
            eta / np.sqrt(g**2 + eps),
        ),
        # RMSprop's own decay, 0.9 (not Adam's beta_2).
        "rmsprop": lambda g: (
            -eta * g / np.sqrt((1 - 0.9) * g**2 + eps),
            eta / np.sqrt((1 - 0.9) * g**2 + eps),
        ),
        "adam": adam,
        "adamw": adam,
    }


def test_first_steps_cover_every_stochastic_solver():
    assert set(_first_steps(MLPClassifier())[1]) == SOLVER_NAMES - {"lbfgs"}


@pytest.mark.parametrize("solver", sorted(SOLVER_NAMES - {"lbfgs"}))
def test_proximal_threshold_scales_with_the_optimizers_step(solver):
    """One full-batch step of every optimizer with L1: the written update,
    then soft thresholding at ``s * alpha / n`` with ``s`` the optimizer's
    step size (the learning rate for GD and Momentum, ``eta / (1 - mu)`` for
    SGD, per weight otherwise); AdamW decays every parameter by
    ``1 - eta * 0.01`` in between."""
    rng = np.random.default_rng(3)
    X, y = _toy(n=25, n_features=4, seed=3)
    Y = LabelBinarizer().fit_transform(y).astype(float)
    layout = Layout([4, 3, 1])
    theta0 = rng.uniform(-0.3, 0.3, layout.size)
    theta0[[0, 4, 8]] = [1e-4, -2e-4, 3e-4]  # weights the threshold must zero
    # The adaptive first step is about eta / (1 - beta_1) / |g| per weight (Adam),
    # so a far smaller alpha keeps its threshold below most weights.
    alpha = 2.0 if solver in ("gd", "sgd", "momentum") else 0.05
    model = MLPClassifier(
        (3,),
        activation="relu",
        solver=solver,
        penalty="l1",
        alpha=alpha,
        batch_size=25,
        shuffle=False,
        max_iter=1,
        warm_start=True,
    )
    eta, rules = _first_steps(model)
    model.set_params(learning_rate_init=eta)
    _hand_set(model, layout, theta0).fit(X, y)

    _, g = _smooth_gradient(
        layout, theta0, X, Y, None, "relu", "binary_log_loss", Penalty(0.0, alpha)
    )
    update, s = rules[solver](g)
    expected = theta0 + update
    if solver == "adamw":
        expected *= 1 - eta * 0.01
    s = np.broadcast_to(s, theta0.shape)[: layout.n_coef]
    W = expected[: layout.n_coef]
    W[...] = np.sign(W) * np.maximum(np.abs(W) - s * alpha / 25, 0)
    theta1 = _flat(model, layout)
    np.testing.assert_allclose(theta1, expected, rtol=1e-12, atol=1e-15)
    # Discriminating: the threshold zeroed some weights and moved the others.
    assert 0 < np.mean(theta1[: layout.n_coef] == 0) < 1


#: Learning rates at which every optimizer settles within 3000 steps below.
SETTLING_RATES = {
    "gd": 0.1,
    "sgd": 0.01,
    "momentum": 0.1,
    "adagrad": 0.5,
    "rmsprop": 0.01,
    "adam": 0.01,
    "adamw": 0.01,
}


@pytest.mark.parametrize("solver", sorted(SETTLING_RATES))
def test_every_optimizer_comes_to_rest_at_the_l1_minimum(solver):
    """Training's loop (step, then proximal step) on a separable quadratic
    ``sum h_i (w_i - c_i)^2 / 2 + lam |w|_1``, whose minimum is known exactly:
    ``soft_threshold(c, lam / h)``.  Each optimizer must settle there, zeros
    included, whatever its step sizes; with the learning rate as SGD's
    threshold, momentum 0.9 settled at ``lam / 10`` instead (a bug, fixed by
    ``skmlp.optimizers.step_size``).  AdamW's decoupled decay is not part of the
    objective, so it runs without it here."""
    assert set(SETTLING_RATES) == SOLVER_NAMES - {"lbfgs"}
    rate = SETTLING_RATES[solver]
    optimizer = STRING_SOLVERS[solver](MLPClassifier(learning_rate_init=rate))
    if solver == "adamw":
        optimizer.set_params(weight_decay=0.0)
    c = np.array([2.0, -1.5, 0.3, -0.2, 0.05, 0.9, -0.6, 0.4])
    h = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.7, 0.5])
    lam = 0.5
    minimum = np.sign(c) * np.maximum(np.abs(c) - lam / h, 0)
    w = np.ones_like(c)
    run = OptimizerRun(optimizer, w, ScheduleRun(Constant(rate)))
    for _ in range(3000):
        run.step(w, h * (w - c), Penalty(l2=0.0, l1=lam), w.size, 1.0)
    np.testing.assert_allclose(w, minimum, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(w == 0, minimum == 0)
    assert 0 < np.mean(minimum == 0) < 1


@pytest.mark.parametrize(
    "momentum, nesterov, expected",
    [(0.0, True, 0.1), (0.5, False, 0.2), (0.9, True, 1.0), (1.0, True, 0.1)],
)
def test_sgd_step_size_is_its_steady_state_step(momentum, nesterov, expected):
    """``eta / (1 - mu)``; ``mu = 1`` has no steady state and keeps ``eta``."""
    optimizer = SGD(learning_rate=0.1, momentum=momentum, nesterov=nesterov)
    state = optimizer.init(np.ones(4, dtype=np.float32))
    assert step_size(optimizer, state, 0.1) == pytest.approx(expected, rel=1e-15)


# ----------------------------------------------------------- exact zeros, all
#: A problem with three constant-zero input columns among four informative.
ZERO_FEATURES = [1, 4, 6]


def _with_zero_features():
    X, y = make_classification(
        n_samples=120,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        class_sep=2.0,
        random_state=0,
    )
    Xz = np.zeros((120, 7))
    Xz[:, [0, 2, 3, 5]] = StandardScaler().fit_transform(X)
    return Xz, y


#: Per solver: a learning rate and an alpha that zero the dead columns within
#: 150 epochs of minibatches of 20.  GD takes one step per epoch, so it needs
#: more of both; the adaptive optimizers take large steps (so large
#: thresholds) on weights whose gradient is 0.
SOLVER_SETTINGS = {
    "gd": dict(learning_rate_init=0.5, alpha=2.0),
    "sgd": dict(learning_rate_init=0.01, alpha=0.5),
    "momentum": dict(learning_rate_init=0.05, alpha=0.5),
    "adagrad": dict(learning_rate_init=0.05, alpha=0.5),
    "rmsprop": dict(learning_rate_init=0.01, alpha=0.5),
    "adam": dict(learning_rate_init=0.01, alpha=0.5),
    "adamw": dict(learning_rate_init=0.01, alpha=0.5),
    "lbfgs": dict(alpha=0.5),
}


def test_settings_cover_every_solver():
    assert set(SOLVER_SETTINGS) == SOLVER_NAMES


def _fit_zero_features(solver, penalty):
    X, y = _with_zero_features()
    model = MLPClassifier(
        (8,),
        solver=solver,
        penalty=penalty,
        l1_ratio=0.5,
        batch_size=20,
        max_iter=150,
        random_state=0,
        **SOLVER_SETTINGS[solver],
    )
    return model.fit(X, y), X, y


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("solver", sorted(SOLVER_NAMES))
def test_l1_gives_exact_zeros_with_every_solver(solver, penalty):
    model, X, y = _fit_zero_features(solver, penalty)
    assert model.score(X, y) >= 0.9
    # sparsity_: the fraction of exact zeros in every layer.
    assert model.sparsity_.shape == (model.n_layers_ - 1,)
    expected = [np.count_nonzero(W == 0) / W.size for W in model.coefs_]
    np.testing.assert_array_equal(model.sparsity_, expected)
    assert model.sparsity_[0] >= len(ZERO_FEATURES) / X.shape[1]
    # dropped_features_: the inputs whose whole row of weights is zero.
    dropped = [j for j in range(X.shape[1]) if not model.coefs_[0][j].any()]
    np.testing.assert_array_equal(model.dropped_features_, dropped)
    assert set(ZERO_FEATURES) <= set(model.dropped_features_)
    assert len(model.dropped_features_) < X.shape[1]


@pytest.mark.parametrize("penalty", ["l2", None])
@pytest.mark.parametrize("solver", ["gd", "adam", "lbfgs"])
def test_smooth_penalties_leave_no_zeros(solver, penalty):
    model, _, _ = _fit_zero_features(solver, penalty)
    np.testing.assert_array_equal(model.sparsity_, np.zeros(model.n_layers_ - 1))
    assert model.dropped_features_.shape == (0,)
    assert model.dropped_features_.dtype.kind == "i"


def test_sparsity_follows_partial_fit():
    X, y = _with_zero_features()
    model = MLPClassifier(
        (8,), penalty="l1", alpha=0.5, learning_rate_init=0.01, random_state=0
    )
    model.partial_fit(X, y, classes=[0, 1])
    first = model.sparsity_.copy()
    for _ in range(30):
        model.partial_fit(X, y)
    assert model.sparsity_[0] > first[0]
    assert set(ZERO_FEATURES) <= set(model.dropped_features_)


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_lbfgs_reports_the_penalized_objective(penalty):
    """L-BFGS's ``loss_`` is the full objective, L1 included, at its weights."""
    X, y = _with_zero_features()
    model = MLPClassifier(
        (8,), solver="lbfgs", penalty=penalty, alpha=0.5, l1_ratio=0.5, random_state=0
    ).fit(X, y)
    layout = Layout([7, 8, 1])
    value, _ = _smooth_gradient(
        layout,
        _flat(model, layout),
        X,
        y[:, None].astype(float),
        None,
        "relu",
        "binary_log_loss",
        penalty_from_params(penalty, 0.5, 0.5),
    )
    assert model.loss_ == pytest.approx(value, rel=1e-10)
    assert model.loss_curve_[-1] == model.loss_


# ------------------------------------------------------------------- digits
#: The documented digits setting (see the skmlp.penalties docstring).
DIGITS_SETTING = dict(
    hidden_layer_sizes=(64,),
    solver="adam",
    penalty="l1",
    alpha=1.0,
    max_iter=200,
    random_state=0,
)


def test_digits_l1_drops_most_first_layer_weights():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    # One BLAS thread: on a busy machine threads only contend (measured 1 s
    # alone, over 20 s with threads on a loaded CPU).
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(**DIGITS_SETTING).fit(X_train, y_train)
    # Documented: 91.8% zeros and accuracy 0.964.
    assert model.sparsity_[0] >= 0.8
    assert model.score(X_test, y_test) >= 0.93
    # The pixels that are blank in every training image are dropped.
    blank = np.flatnonzero(X_train.std(axis=0) == 0)
    assert blank.size > 0
    assert set(blank) <= set(model.dropped_features_)


# ------------------------------------------------------------ group penalty
def _matrices(draw_shape=(4, 5)):
    """Hypothesis matrices whose columns are the groups."""
    return hnp.arrays(np.float64, draw_shape, elements=st.floats(-10, 10))


def _written_block_threshold(w, tau):
    """The documented block soft threshold, column by column (``tau`` a
    scalar or one per column)."""
    out = np.zeros_like(w)
    taus = np.broadcast_to(tau, w.shape[1:])
    for j in range(w.shape[1]):
        norm = np.sqrt(np.sum(w[:, j] ** 2))
        if norm > taus[j]:
            out[:, j] = w[:, j] * (1 - taus[j] / norm)
    return out


@given(
    st.lists(
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), min_size=1, max_size=3
    ),
    st.floats(0, 5),
    st.integers(0, 2**32 - 1),
)
def test_group_value_is_the_written_formula(shapes, alpha, seed):
    """``alpha sum_l sqrt(n_in_l) sum_j ||W_l[:, j]||`` over every matrix but
    the last (the output layer's); nothing from the L1 and L2 parts."""
    rng = np.random.default_rng(seed)
    matrices = [rng.normal(size=shape) for shape in shapes]
    matrices[0][:, 0] = 0  # a dropped unit counts 0
    expected = 0.0
    for W in matrices[:-1]:
        for j in range(W.shape[1]):
            expected += alpha * np.sqrt(W.shape[0]) * np.sqrt(np.sum(W[:, j] ** 2))
    value = penalty_from_params("group", alpha, 0.5).value(
        [W.ravel() for W in matrices], matrices
    )
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-300)


@given(_matrices(), st.floats(0, 20))
def test_block_soft_threshold_is_the_prox_of_the_group_norm(w, tau):
    """x = prox(w) is the written formula; it is the argmin of
    ``tau ||x|| + ||x - w||^2 / 2`` per column (the optimality condition
    ``x - w + tau x / ||x|| = 0`` for a nonzero column, ``||w|| <= tau`` for a
    zero one); no column's norm grows."""
    x = block_soft_threshold(w, tau, out=np.empty_like(w))
    np.testing.assert_allclose(x, _written_block_threshold(w, tau), rtol=1e-13)
    norms_w, norms_x = np.linalg.norm(w, axis=0), np.linalg.norm(x, axis=0)
    zero = ~x.any(axis=0)
    assert (norms_w[zero] <= tau * (1 + 1e-15)).all()
    assert (norms_w[~zero] > tau).all()
    nz = ~zero
    residual = x[:, nz] - w[:, nz] + tau * x[:, nz] / norms_x[nz]
    np.testing.assert_allclose(residual, 0, atol=1e-12 * (1 + norms_w.max()))
    assert (norms_x <= norms_w).all()
    # In place gives the same.
    np.testing.assert_array_equal(block_soft_threshold(w, tau, out=w), x)


@given(_matrices(), _matrices(), st.floats(0, 20))
def test_block_soft_threshold_is_nonexpansive(a, b, tau):
    """A proximal operator moves no two points further apart."""
    pa = block_soft_threshold(a, tau, out=np.empty_like(a))
    pb = block_soft_threshold(b, tau, out=np.empty_like(b))
    assert np.linalg.norm(pa - pb) <= np.linalg.norm(a - b) * (1 + 1e-12) + 1e-12


@given(_matrices(), st.floats(0.01, 5), st.integers(0, 2**32 - 1))
def test_scaled_block_threshold_is_the_prox_in_the_steps_metric(v, lam, seed):
    """``u`` minimizes ``lam ||u|| + (u - v)^T D^{-1} (u - v) / 2``: for a
    nonzero column ``u - v + lam D u / ||u|| = 0``, a zero column exactly when
    ``||v / d|| <= lam``; every weight shrinks toward 0 (so no norm grows);
    with equal steps it is the plain block threshold at ``lam d``."""
    d = np.random.default_rng(seed).uniform(0.01, 10, v.shape)
    u = scaled_block_soft_threshold(v, d, lam, out=np.empty_like(v))
    zero = ~u.any(axis=0)
    scaled_norms = np.linalg.norm(v / d, axis=0)
    np.testing.assert_array_equal(zero, scaled_norms <= lam)
    nz = ~zero
    norms = np.linalg.norm(u[:, nz], axis=0)
    residual = u[:, nz] - v[:, nz] + lam * d[:, nz] * u[:, nz] / norms
    np.testing.assert_allclose(residual, 0, atol=1e-10 * (1 + np.abs(v).max()))
    assert (np.abs(u) <= np.abs(v)).all() and (u * v >= 0).all()
    equal = scaled_block_soft_threshold(v, np.full(v.shape, 0.3), lam, np.empty_like(v))
    np.testing.assert_allclose(
        equal, _written_block_threshold(v, 0.3 * lam), atol=1e-12
    )


def test_scaled_block_threshold_keeps_the_dtype_and_zeros_exactly():
    v = np.array([[3.0, 1e-3], [4.0, -1e-3]], dtype=np.float32)
    d = np.array([[0.5, 2.0], [1.0, 0.1]], dtype=np.float32)
    u = scaled_block_soft_threshold(v, d, 0.1, out=v)
    assert u is v and u.dtype == np.float32
    np.testing.assert_array_equal(u[:, 1], 0)
    assert (u[:, 0] > 0).all()


@given(_matrices(), st.floats(0.01, 5))
def test_group_gradient_is_the_written_formula(w, alpha):
    """``alpha sqrt(n_in) w / ||w||`` per column, 0 on a zero column (the
    subgradient that leaves it at 0), added to what is there."""
    w[:, 0] = 0
    grad = np.ones_like(w)
    penalty_from_params("group", alpha, 0.5).add_group_gradient([w], [grad])
    expected = np.ones_like(w)
    for j in range(w.shape[1]):
        norm = np.sqrt(np.sum(w[:, j] ** 2))
        if norm > 0:
            expected[:, j] += alpha * np.sqrt(w.shape[0]) * w[:, j] / norm
    # The sum may cancel (1 - 0.999): its rounding is relative to the terms,
    # 1 and at most alpha sqrt(n_in); 4 ulps of them.
    atol = 4 * np.finfo(float).eps * (1 + alpha * np.sqrt(w.shape[0]))
    np.testing.assert_allclose(grad, expected, rtol=1e-13, atol=atol)


@given(_matrices(), st.floats(0.01, 5), st.floats(1e-3, 1.0))
def test_group_envelope_is_the_moreau_envelope(w, lam, radius):
    """The envelope is ``min_u lam ||u|| + ||u - w||^2 / (2 mu)`` at
    ``mu = radius / lam``, evaluated at its minimizer (the block threshold at
    ``radius``); its gradient is ``(w - prox(w)) / mu``."""
    grad = np.zeros_like(w)
    value = group_envelope([w], [lam], radius, [grad])
    mu = radius / lam
    u = _written_block_threshold(w, radius)
    expected = lam * np.linalg.norm(u, axis=0).sum() + np.sum((u - w) ** 2) / (2 * mu)
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(grad, (w - u) / mu, rtol=1e-10, atol=1e-12)


def test_zero_small_groups_zeros_only_columns_within_the_radius():
    W = np.array([[3.0, 6e-4, 0.0, 1e-3], [4.0, 8e-4, 0.0, 1e-6]])
    zero_small_groups([W], 1e-3)
    np.testing.assert_array_equal(W, [[3.0, 0, 0, 1e-3], [4.0, 0, 0, 1e-6]])


def test_group_alpha_zero_is_no_penalty_bit_for_bit():
    for solver in ("adam", "lbfgs"):
        reference = _fit(penalty=None, solver=solver)
        _same_weights(_fit(penalty="group", alpha=0.0, solver=solver), reference)
        assert _fit(penalty="group", alpha=0.0, solver=solver).loss_ == reference.loss_
        # ... and alpha does matter (the test can fail).
        moved = _fit(penalty="group", alpha=5.0, solver=solver)
        assert not np.array_equal(moved.coefs_[0], reference.coefs_[0])


def test_group_leaves_biases_and_the_output_layer_alone():
    """The group term's value and gradient touch the hidden weights only."""
    rng = np.random.default_rng(0)
    layout = Layout([3, 4, 5, 2])
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    theta = rng.uniform(-1, 1, layout.size)
    workspace = Workspace(layout, 10, np.float64)
    out = {}
    for name in (None, "group"):
        grad = np.empty(layout.size)
        objective = Objective(
            layout, "tanh", "squared_error", penalty_from_params(name, 3.0, 0.5)
        )
        out[name] = loss_and_grad(objective, theta, grad, X, Y, None, workspace), grad
    coefs, _ = layout.views(theta)
    diff = layout.views(out["group"][1] - out[None][1])
    np.testing.assert_array_equal(diff[0][2], 0)
    for b in diff[1]:
        np.testing.assert_array_equal(b, 0)
    for W, G in zip(coefs[:2], diff[0][:2]):
        np.testing.assert_allclose(
            G, 3.0 / 10 * np.sqrt(W.shape[0]) * W / np.linalg.norm(W, axis=0)
        )
    expected = (
        3.0
        / 10
        * sum(np.sqrt(W.shape[0]) * np.linalg.norm(W, axis=0).sum() for W in coefs[:2])
    )
    assert out["group"][0] - out[None][0] == pytest.approx(expected, rel=1e-12)


def _reference_scaled_prox(v, d, lam):
    """The minimizer of ``lam ||u|| + (u - v)^T D^{-1} (u - v) / 2``, per
    column, from its written optimality condition ``u_i = v_i r / (r + lam
    d_i)`` with ``r = ||u||`` found by bisection (SciPy's brentq), 0 when
    ``||v / d|| <= lam``."""
    u = np.zeros_like(v)
    for j in range(v.shape[1]):
        vj, dj = v[:, j], d[:, j]
        if np.linalg.norm(vj / dj) <= lam:
            continue
        r = brentq(
            lambda r, vj=vj, dj=dj: np.sum(vj**2 / (r + lam * dj) ** 2) - 1,
            0,
            np.linalg.norm(vj),
            xtol=1e-300,
            rtol=4 * np.finfo(float).eps,
        )
        u[:, j] = vj * r / (r + lam * dj)
    return u


@pytest.mark.parametrize("solver", sorted(SOLVER_NAMES - {"lbfgs"}))
def test_group_proximal_step_follows_each_optimizers_step(solver):
    """One full-batch step of every optimizer with the group penalty: the
    written update, then each hidden column through the proximal step in the
    metric of the optimizer's per-weight steps ``s`` (for a scalar ``s``, the
    block threshold at ``s alpha sqrt(n_in) / n``); the output layer and the
    biases take the plain step."""
    rng = np.random.default_rng(4)
    X, y = _toy(n=25, n_features=4, seed=3)
    Y = LabelBinarizer().fit_transform(y).astype(float)
    layout = Layout([4, 3, 1])
    theta0 = rng.uniform(-0.3, 0.3, layout.size)
    # A unit the threshold must drop: small incoming weights, and a small
    # outgoing one, so the adaptive steps' scaled gradient is small too.
    theta0[[1, 4, 7, 10, 13]] = [1e-4, -2e-4, 3e-4, 1e-4, 1e-4]
    alpha = 2.0 if solver in ("gd", "sgd", "momentum") else 0.05
    model = MLPClassifier(
        (3,),
        activation="tanh",
        solver=solver,
        penalty="group",
        alpha=alpha,
        batch_size=25,
        shuffle=False,
        max_iter=1,
        warm_start=True,
    )
    eta, rules = _first_steps(model)
    model.set_params(learning_rate_init=eta)
    _hand_set(model, layout, theta0).fit(X, y)

    _, g = _smooth_gradient(
        layout, theta0, X, Y, None, "tanh", "binary_log_loss", Penalty(0.0, 0.0)
    )
    update, s = rules[solver](g)
    expected = theta0 + update
    if solver == "adamw":
        expected *= 1 - eta * 0.01
    s = np.broadcast_to(s, theta0.shape)[:12].reshape(4, 3)
    hidden = expected[:12].reshape(4, 3)
    hidden[...] = _reference_scaled_prox(hidden, s, alpha * np.sqrt(4) / 25)
    theta1 = _flat(model, layout)
    np.testing.assert_allclose(theta1, expected, rtol=1e-12, atol=1e-15)
    # Discriminating: the step zeroed a column and moved the others.
    zero_columns = ~theta1[:12].reshape(4, 3).any(axis=0)
    assert zero_columns[1] and zero_columns.sum() < 3


@pytest.mark.parametrize("solver", sorted(SETTLING_RATES))
def test_every_optimizer_comes_to_rest_at_the_group_minimum(solver):
    """Training's loop on ``sum h (w - c)^2 / 2`` plus the group term over a
    3 x 4 hidden matrix (a 4 x 1 output layer left unpenalized), ``h`` equal
    within each column: the minimum is known, each column of ``c`` block
    thresholded at ``lam sqrt(3) / h``.  The adaptive optimizers' steps
    differ within a column; the proximal step in their metric still makes
    the minimum their rest point."""
    rate = SETTLING_RATES[solver]
    optimizer = STRING_SOLVERS[solver](MLPClassifier(learning_rate_init=rate))
    if solver == "adamw":
        optimizer.set_params(weight_decay=0.0)
    c = np.array([2.0, -0.1, 0.3, 0.4, -1.5, 0.05, -0.2, 0.5, 0.9, 0.1, 0.6, -0.6])
    c = np.concatenate([c, [0.5, -0.3, 0.2, 0.1]])
    h = np.concatenate([np.tile([1.0, 2.0, 0.5, 1.5], 3), np.ones(4)])
    lam = 0.3
    minimum = c.copy()
    minimum[:12] = _written_block_threshold(
        c[:12].reshape(3, 4), lam * np.sqrt(3) / h[:4]
    ).ravel()
    w = np.ones_like(c)
    run = OptimizerRun(optimizer, w, ScheduleRun(Constant(rate)))
    for _ in range(3000):
        run.step(w, h * (w - c), Penalty(0.0, 0.0, lam), 16, 1.0, [(3, 4), (4, 1)])
    np.testing.assert_allclose(w, minimum, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(w == 0, minimum == 0)
    zero_columns = ~minimum[:12].reshape(3, 4).any(axis=0)
    assert 0 < zero_columns.sum() < 4


#: Per solver, on the standardized digits with 32 hidden units and 200
#: epochs: a learning rate (each optimizer's recommended one) and an alpha
#: that drop between a third and two thirds of the units at a test accuracy
#: of 0.95 to 0.975.  GD takes one step an epoch, so it needs a larger
#: alpha; measured dropped units (of 32): gd 13, sgd 19, momentum 18,
#: adagrad 11, rmsprop 13, adam 17, adamw 18, lbfgs 14.
GROUP_SETTINGS = {
    "gd": dict(learning_rate_init=0.3, alpha=10.0),
    "sgd": dict(learning_rate_init=0.1, alpha=0.3),
    "momentum": dict(learning_rate_init=0.3, alpha=0.3),
    "adagrad": dict(learning_rate_init=0.03, alpha=1.0),
    "rmsprop": dict(learning_rate_init=0.001, alpha=3.0),
    "adam": dict(learning_rate_init=0.01, alpha=0.3),
    "adamw": dict(learning_rate_init=0.01, alpha=0.3),
    "lbfgs": dict(alpha=1.0),
}


def _digits_split():
    """Standardized digits, 70/30 (``random_state=0``)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _fit_group_digits(solver):
    X_train, X_test, y_train, y_test = _digits_split()
    model = MLPClassifier(
        (32,),
        solver=solver,
        penalty="group",
        max_iter=200,
        random_state=0,
        **GROUP_SETTINGS[solver],
    )
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    return model, X_test, y_test


@pytest.mark.parametrize("solver", sorted(SOLVER_NAMES))
def test_group_gives_exact_zero_units_with_every_solver(solver):
    assert set(GROUP_SETTINGS) == SOLVER_NAMES
    model, X_test, y_test = _fit_group_digits(solver)
    assert model.score(X_test, y_test) >= 0.93
    W = model.coefs_[0]
    # dropped_units_: the hidden units whose whole column of weights is 0.
    dropped = [j for j in range(W.shape[1]) if not W[:, j].any()]
    assert len(model.dropped_units_) == 1
    np.testing.assert_array_equal(model.dropped_units_[0], dropped)
    assert 8 <= len(dropped) < 32
    # Whole columns: the units kept have no zero weights but the dead pixels'
    # (the group term leaves single weights alone); the output layer is
    # unpenalized.
    blank = np.flatnonzero(~_digits_split()[0].any(axis=0))
    kept = np.setdiff1d(np.arange(32), dropped)
    alive = np.setdiff1d(np.arange(W.shape[0]), blank)
    assert W[np.ix_(alive, kept)].all()
    assert model.sparsity_[0] >= len(dropped) / 32
    assert model.sparsity_[-1] == 0


def _remove_units(model):
    """A copy of ``model`` without its dropped hidden units: each one's
    constant output ``f(b_j)`` times its outgoing weights goes into the next
    layer's biases."""
    assert model.activation == "relu"
    pruned = copy.deepcopy(model)
    coefs, intercepts = list(model.coefs_), list(model.intercepts_)
    for i, dead in enumerate(model.dropped_units_):
        constant = np.maximum(intercepts[i][dead], 0)
        intercepts[i + 1] = intercepts[i + 1] + constant @ coefs[i + 1][dead]
        keep = np.setdiff1d(np.arange(coefs[i].shape[1]), dead)
        coefs[i], intercepts[i] = coefs[i][:, keep], intercepts[i][keep]
        coefs[i + 1] = coefs[i + 1][keep]
    pruned.coefs_, pruned.intercepts_ = coefs, intercepts
    return pruned


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_dropped_units_can_be_removed_without_changing_predictions(solver):
    """Removing the units and folding their constants into the next biases
    only re-associates float64 sums of at most 32 terms (the dropped units'
    contributions added to the bias before, not after, the kept ones'), so
    the probabilities agree to a few units in the last place: rtol 1e-12 is
    thousands of ulps of room, and still far below any real change."""
    model, X_test, _ = _fit_group_digits(solver)
    pruned = _remove_units(model)
    assert pruned.coefs_[0].shape[1] == 32 - len(model.dropped_units_[0]) < 32
    np.testing.assert_allclose(
        pruned.predict_proba(X_test),
        model.predict_proba(X_test),
        rtol=1e-12,
        atol=1e-15,
    )
    np.testing.assert_array_equal(pruned.predict(X_test), model.predict(X_test))
    # The constants matter: dropping the units without folding them changes
    # the predictions (the test can fail).
    unfolded = _remove_units(model)
    unfolded.intercepts_ = list(model.intercepts_)
    unfolded.intercepts_[0] = pruned.intercepts_[0]
    assert not np.allclose(
        unfolded.predict_proba(X_test), model.predict_proba(X_test), rtol=1e-6
    )


def test_lbfgs_group_reports_the_exact_objective():
    """After the smoothed fit and the final zeroing, ``loss_`` (and the
    curve's last entry) is the exact objective, group term included, at the
    returned weights; the zeroed columns were within the smoothing radius."""
    model, _, _ = _fit_group_digits("lbfgs")
    X_train, _, y_train, _ = _digits_split()
    layout = Layout([64, 32, 10])
    value, _ = _smooth_gradient(
        layout,
        _flat(model, layout),
        X_train,
        LabelBinarizer().fit_transform(y_train).astype(float),
        None,
        "relu",
        "log_loss",
        penalty_from_params("group", GROUP_SETTINGS["lbfgs"]["alpha"], 0.5),
    )
    assert model.loss_ == pytest.approx(value, rel=1e-12)
    assert model.loss_curve_[-1] == model.loss_


def test_group_penalty_name_is_validated():
    X, y = _toy()
    with pytest.raises(InvalidParameterError, match="'group'"):
        MLPClassifier(penalty="groups").fit(X, y)


@pytest.mark.slow
def test_digits_group_drops_most_units_at_the_same_accuracy():
    """The documented setting (the skmlp.penalties docstring): two hidden
    layers of 256, float32 digits; about 10 s with one BLAS thread."""
    X_train, X_test, y_train, y_test = _digits_split()
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    scores, dropped = {}, {}
    for penalty, alpha in ((None, 0.0), ("group", 0.1)):
        model = MLPClassifier(
            hidden_layer_sizes=(256, 256),
            max_iter=300,
            random_state=0,
            penalty=penalty,
            alpha=alpha,
        )
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        scores[penalty] = model.score(X_test, y_test)
        dropped[penalty] = [len(units) for units in model.dropped_units_]
    # Documented: 237 and 236 units dropped, 0.980 against 0.980.
    assert dropped[None] == [0, 0]
    assert min(dropped["group"]) >= 200
    assert scores["group"] >= scores[None] - 0.01
