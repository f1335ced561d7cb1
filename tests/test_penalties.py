"""L1, L2 and elastic-net penalties: the formulas, the proximal steps, the zeros.

The expected updates are written out by hand from the documented rules in
:mod:`skmlp.penalties` and the optimizer table of DESIGN.md, using only
``loss_and_grad``'s smooth gradient and the plain formulas.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer, StandardScaler
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
from skmlp.penalties import PENALTIES, Penalty, penalty_from_params, soft_threshold
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
