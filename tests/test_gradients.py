"""Proofs of every gradient: the network's objective against finite differences.

Hypothesis draws a whole problem: an architecture (1 to 3 hidden layers of 1 to
8 units), a hidden activation, a penalty with its ``alpha`` and ``l1_ratio``,
data, sample weights or none, and the weights; the task (each output activation
with its loss) is a test parameter, so every loss, Poisson included, gets its
own examples (weighted and unweighted) in every run.  Then

1. ``loss_and_grad``'s value equals an independent NumPy transcription of the
   documented objective (:func:`reference_objective`, which shares no code
   with :mod:`skmlp`), so the value is the right function;
2. its analytic gradient (``finish=True``) equals central finite
   differences of the reference objective, so the gradient is the value's
   gradient (this is what catches a sample weight missing from one loss's
   gradient, a doubled L2 gradient or a flipped relu derivative);
3. without the L1 subgradient it is the smooth part's gradient: the finite
   differences of the reference objective without its L1 and group terms;
4. training reports the reference value (``loss_curve_``) and steps along the
   smooth gradient: one GD or SGD step from the drawn weights equals the
   written proximal-gradient step, ``sign(w) max(|w - eta g| - eta lambda_1 / n,
   0)`` (for the group penalty, each hidden column ``u = w - eta g`` times
   ``max(0, 1 - eta lambda_g sqrt(n_in) / (n ||u||))``) with ``g`` the finite
   differences of 3 (and, as a consistency check, exactly ``loss_and_grad``'s
   gradient, which 2 and 3 prove).

Every expected value comes from the reference objective, its finite
differences or a formula written out here; none from :mod:`skmlp`.

Two kinks are kept out of the draws, because a finite difference across a kink
measures neither one-sided derivative:

- ``|w|`` at ``w = 0``: with an L1 or group part every weight is drawn with
  ``|w| >= 0.05``, far beyond the finite-difference step (``1e-6``), so
  every column norm is too;
- ``relu`` and ``leaky_relu`` at a pre-activation of 0: problems with a hidden
  pre-activation within ``1e-3`` of 0 are rejected (``assume``).  (``elu``
  has no kink: its derivative is 1 on both sides of 0.)  A step of ``1e-6`` on one
  parameter moves every pre-activation by far less than ``1e-3`` for these
  small weights and inputs, so no difference crosses the kink.

Saturated outputs are rejected too (:func:`_avoid_saturation`): there the
computed value itself loses its digits, which no finite difference survives.
"""

import warnings
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier, MLPRegressor
from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp._losses import LOSSES
from skmlp._network import (
    Layout,
    Objective,
    Workspace,
    finish_gradient,
    loss_and_grad,
    total_weight,
)
from skmlp.penalties import PENALTIES, penalty_from_params

#: Finite-difference step, relative to ``max(1, |theta_i|)``.
FD_STEP = 1e-6
#: Acceptance bound on the relative error of the gradient.
RTOL = 1e-5
#: Smallest |weight| drawn when the penalty has an L1 part (away from the kink).
L1_MARGIN = 0.05
#: Smallest |hidden pre-activation| accepted with relu or leaky_relu (away
#: from the kink).
RELU_MARGIN = 1e-3


# --------------------------------------------------- the independent reference
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


REF_HIDDEN = {
    "identity": lambda z: z,
    "logistic": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1),
    "gelu": lambda z: (
        0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
    ),
    "softplus": lambda z: np.log(1 + np.exp(z)),
    "silu": lambda z: z * _sigmoid(z),
}

#: The hidden activations with a kink at 0.
KINKED = {"relu", "leaky_relu"}

# Per-sample loss, summed over outputs, from the output pre-activation z.
REF_LOSSES = {
    "squared_error": lambda y, z: 0.5 * ((y - z) ** 2).sum(axis=1),
    "poisson": lambda y, z: (xlogy(y, y) - y * z - y + np.exp(z)).sum(axis=1),
    "log_loss": lambda y, z: -(y * np.log(_softmax(z))).sum(axis=1),
    "binary_log_loss": lambda y, z: (
        -(y * np.log(_sigmoid(z)) + (1 - y) * np.log(_sigmoid(-z))).sum(axis=1)
    ),
}

#: The L1 share r of each penalty name (None: no penalty at all; the group
#: penalty has no L1 or L2 part, its term is written in reference_objective).
REF_L1_SHARE = {"l2": 0.0, "l1": 1.0, "elasticnet": None, "group": 0.0, None: None}


def test_references_cover_the_registries():
    """A new activation, loss or penalty must get a reference here."""
    assert set(REF_HIDDEN) == set(HIDDEN_ACTIVATIONS)
    assert set(REF_LOSSES) == set(LOSSES)
    assert set(REF_L1_SHARE) == set(PENALTIES)
    assert {task.loss for task in TASKS.values()} == set(LOSSES)


def reference_objective(
    coefs, intercepts, X, Y, sw, hidden, loss, pen, alpha, r, smooth=False
):
    """The documented objective, transcribed directly.

    Sample-weighted mean loss plus ``alpha / n ((1 - r) / 2 ||W||^2 + r ||W||_1)``
    with ``n`` the weight sum, biases not penalized, ``penalty=None`` adding 0;
    for ``"group"``, ``alpha / n sum_l sqrt(n_in_l) sum_j ||W_l[:, j]||`` over
    the hidden layers instead; with ``smooth``, without the L1 and group terms
    (the part training differentiates).
    """
    A = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        A = REF_HIDDEN[hidden](A @ W + b)
    z = A @ coefs[-1] + intercepts[-1]
    w = np.ones(X.shape[0]) if sw is None else sw
    n = w.sum()
    value = (w * REF_LOSSES[loss](Y, z)).sum() / n
    if pen == "group":
        if not smooth:
            norms = [np.linalg.norm(W, axis=0).sum() for W in coefs[:-1]]
            fan_ins = [W.shape[0] for W in coefs[:-1]]
            value += alpha / n * np.dot(np.sqrt(fan_ins), norms)
    elif pen is not None:
        r = reference_l1_share(pen, r)
        squares = sum((W**2).sum() for W in coefs)
        absolutes = 0.0 if smooth else sum(np.abs(W).sum() for W in coefs)
        value += alpha / n * ((1 - r) / 2 * squares + r * absolutes)
    return value


def reference_l1_share(pen, l1_ratio):
    """The documented L1 share r of ``pen`` (``l1_ratio`` for elastic net)."""
    return REF_L1_SHARE[pen] if REF_L1_SHARE[pen] is not None else l1_ratio


def reference_l1_strength(p):
    """lambda_1 = alpha r, the documented L1 strength (0 without a penalty)."""
    if p["pen"] in (None, "group"):
        return 0.0
    return p["alpha"] * reference_l1_share(p["pen"], p["l1_ratio"])


def reference_group_strength(p):
    """lambda_g = alpha for the group penalty, else 0."""
    return p["alpha"] if p["pen"] == "group" else 0.0


def reference_group_term(p, theta):
    """The group term's gradient at ``theta`` (flat, times ``n``): each hidden
    column ``w`` of fan-in ``n_in`` gets ``lambda_g sqrt(n_in) w / ||w||``."""
    coefs, intercepts = reference_unpack(theta.copy(), p["layout"].layer_units)
    lam = reference_group_strength(p)
    for W in coefs[:-1]:
        W[...] = lam * np.sqrt(W.shape[0]) * W / np.linalg.norm(W, axis=0)
    for W in coefs[-1:] + intercepts:
        W[...] = 0
    return reference_pack(coefs, intercepts)


def reference_block_threshold(p, theta, tau_per_row):
    """The group penalty's proximal step on the hidden columns of the flat
    ``theta``: each column ``u`` of fan-in ``n_in`` times
    ``max(0, 1 - tau_per_row sqrt(n_in) / ||u||)``."""
    coefs, intercepts = reference_unpack(theta.copy(), p["layout"].layer_units)
    for W in coefs[:-1]:
        tau = tau_per_row * np.sqrt(W.shape[0])
        W[...] *= np.maximum(0, 1 - tau / np.linalg.norm(W, axis=0))
    return reference_pack(coefs, intercepts)


def reference_unpack(theta, units):
    """The documented flat layout: every layer's ``W`` (``fan_in x fan_out``,
    row by row), then every layer's ``b``; ``units`` per layer, input first.
    """
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in pairwise(units):
        coefs.append(theta[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in units[1:]:
        intercepts.append(theta[start : start + fan_out])
        start += fan_out
    assert start == theta.size
    return coefs, intercepts


def reference_n_coef(p):
    """How many of the flat weights are ``W`` entries (the rest are biases)."""
    units = p["layout"].layer_units
    return sum(fan_in * fan_out for fan_in, fan_out in pairwise(units))


def reference_pack(coefs, intercepts):
    """The inverse of :func:`reference_unpack`."""
    return np.concatenate([np.ravel(a) for a in [*coefs, *intercepts]])


def reference_value(p, theta, smooth=False):
    """:func:`reference_objective` of problem ``p`` at the flat ``theta``."""
    coefs, intercepts = reference_unpack(theta, p["layout"].layer_units)
    return reference_objective(
        coefs,
        intercepts,
        p["X"],
        p["Y"],
        p["sw"],
        p["hidden"],
        p["loss"],
        p["pen"],
        p["alpha"],
        p["l1_ratio"],
        smooth=smooth,
    )


def reference_soft_threshold(w, tau):
    """The documented proximal step of L1: ``sign(w) max(|w| - tau, 0)``."""
    return np.sign(w) * np.maximum(np.abs(w) - tau, 0)


# ------------------------------------------------------------------ the tasks
class Task:
    """An output layer and its loss, with the targets it is trained on."""

    def __init__(self, loss, n_outputs, targets):
        self.loss = loss
        self.n_outputs = n_outputs  # strategy of the output width
        self.targets = targets  # function (n, k, rng) -> 2-D Y


def _one_hot(n, k, rng):
    labels = rng.permutation(np.arange(n) % k)  # every class present when n >= k
    return np.eye(k)[labels]


TASKS = {
    "binary": Task(
        "binary_log_loss",
        st.just(1),
        lambda n, k, rng: rng.permutation(np.arange(n) % 2)[:, None].astype(float),
    ),
    "multiclass": Task("log_loss", st.integers(3, 4), _one_hot),
    "multilabel": Task(
        "binary_log_loss",
        st.integers(2, 3),
        lambda n, k, rng: rng.integers(0, 2, (n, k)).astype(float),
    ),
    "regression": Task(
        "squared_error", st.just(1), lambda n, k, rng: rng.normal(0, 2, (n, k))
    ),
    "multioutput_regression": Task(
        "squared_error", st.integers(2, 3), lambda n, k, rng: rng.normal(0, 2, (n, k))
    ),
    "poisson": Task(
        "poisson",
        st.integers(1, 2),
        lambda n, k, rng: rng.poisson(1.5, (n, k)).astype(float),
    ),
}


@st.composite
def problems(draw, task_name=None, max_samples=8, hidden=None):
    """A full problem: network, objective, data and weights (all float64);
    the task and the hidden activation are drawn unless given."""
    if task_name is None:
        task_name = draw(st.sampled_from(sorted(TASKS)))
    task = TASKS[task_name]
    k = draw(task.n_outputs)
    hidden_sizes = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
    n_features = draw(st.integers(1, 4))
    n = draw(st.integers(max(k, 2), max_samples))
    if hidden is None:
        hidden = draw(st.sampled_from(sorted(HIDDEN_ACTIVATIONS)))
    pen = draw(st.sampled_from(list(PENALTIES)))
    alpha = draw(st.floats(0.0, 5.0))
    l1_ratio = draw(st.floats(0.0, 1.0))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    layout = Layout([n_features, *hidden_sizes, k])
    # Weights and inputs come from a seeded generator rather than element by
    # element: Hypothesis favours 0 and repeated values, which would put relu
    # pre-activations exactly on the kink and get most relu draws rejected.
    theta = rng.uniform(-1.0, 1.0, layout.size)
    penalty = penalty_from_params(pen, alpha, l1_ratio)
    if penalty.l1 or penalty.group:
        w = theta[: layout.n_coef]
        w += np.where(w >= 0, L1_MARGIN, -L1_MARGIN)
    X = rng.uniform(-2.0, 2.0, (n, n_features))
    Y = task.targets(n, k, rng)
    use_weights = draw(st.booleans())
    sw = rng.uniform(0.1, 3.0, n) if use_weights else None
    return dict(
        task=task_name,
        loss=task.loss,
        layout=layout,
        hidden_sizes=hidden_sizes,
        hidden=hidden,
        pen=pen,
        alpha=alpha,
        l1_ratio=l1_ratio,
        penalty=penalty,
        theta=theta,
        X=X,
        Y=Y,
        sw=sw,
    )


def _pre_activations(p):
    """Every hidden layer's pre-activations (flat) and the output layer's."""
    coefs, intercepts = reference_unpack(p["theta"], p["layout"].layer_units)
    A, pre = p["X"], []
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        Z = A @ W + b
        pre.append(Z.ravel())
        A = REF_HIDDEN[p["hidden"]](Z)
    return np.concatenate(pre), A @ coefs[-1] + intercepts[-1]


def _avoid_relu_kink(p):
    if p["hidden"] in KINKED:
        assume(np.abs(_pre_activations(p)[0]).min() > RELU_MARGIN)


def _avoid_saturation(p):
    """Reject outputs where the computed value loses its digits.

    A finite difference is only as accurate as the value it differences.
    ``log(1 - p)`` of a logistic output is computed from ``p`` and cancels
    when ``p`` is near 1 (absolute rounding ``eps / (1 - p)``); softmax and
    logistic probabilities are clipped at ``eps``, where the value goes flat;
    Poisson's ``exp`` output overflows at 709 and rounds like ``e^z``.  So:
    logistic probabilities at least 0.01 from 0 and 1, softmax ones above
    ``1e-10``, Poisson pre-activations at most 10.
    """
    avoid_saturated_outputs(p["loss"], _pre_activations(p)[1])


def avoid_saturated_outputs(loss, z):
    """:func:`_avoid_saturation` for the output pre-activations ``z``."""
    if loss == "binary_log_loss":
        P = _sigmoid(z)
        assume(np.minimum(P, 1 - P).min() >= 0.01)
    elif loss == "log_loss":
        assume(_softmax(z).min() > 1e-10)
    elif loss == "poisson":
        assume(z.max() <= 10)


def evaluate(p, theta, l1_subgradient=True):
    """``loss_and_grad`` on the problem at ``theta``: (value, gradient)."""
    layout = p["layout"]
    grad = np.full(layout.size, np.nan)  # every entry must be written
    workspace = Workspace(layout, p["X"].shape[0], np.float64)
    objective = Objective(layout, p["hidden"], p["loss"], p["penalty"])
    data = (p["X"], p["Y"], p["sw"])
    if l1_subgradient:  # the objective's gradient, finished by loss_and_grad
        return loss_and_grad(objective, theta, grad, *data, workspace), grad
    # Training's: the raw gradient, finished without the L1 part.
    value = loss_and_grad(objective, theta, grad, *data, workspace, finish=False)
    weight_sum = total_weight(p["X"], p["sw"])
    finish_gradient(p["penalty"], theta, grad, layout.n_coef, weight_sum, l1=False)
    return value, grad


def central_differences(p, value):
    """Central differences of ``value(theta)`` at the problem's weights."""
    theta = p["theta"].copy()
    fd = np.empty_like(theta)
    for i in range(theta.size):
        h = FD_STEP * max(1.0, abs(theta[i]))
        saved = theta[i]
        theta[i] = saved + h
        plus = value(theta)
        theta[i] = saved - h
        minus = value(theta)
        theta[i] = saved
        fd[i] = (plus - minus) / (2 * h)
    return fd


def assert_matches_differences(grad, fd, value):
    """``grad`` equals the finite differences ``fd`` of a function whose value
    is ``value``, within the bounds explained in
    :func:`test_gradient_matches_central_differences`."""
    assert np.isfinite(grad).all()
    scale = max(np.linalg.norm(fd), np.linalg.norm(grad))
    floor = 100 * np.finfo(np.float64).eps / FD_STEP * (1 + abs(value))
    assert np.linalg.norm(grad - fd) <= RTOL * scale + floor
    np.testing.assert_allclose(grad, fd, rtol=RTOL, atol=floor)


def reference_gradient(p, smooth=False):
    """Central differences of the reference objective (``smooth``: without
    its L1 term)."""
    return central_differences(p, lambda theta: reference_value(p, theta, smooth))


#: Every task, so that each loss gets its own examples in every run.
ALL_TASKS = sorted(TASKS)


# --------------------------------------------------------------------- proofs
@pytest.mark.parametrize("task", ALL_TASKS)
@given(data=st.data())
def test_value_is_the_documented_objective(task, data):
    p = data.draw(problems(task))
    _avoid_saturation(p)
    theta = p["theta"].copy()
    value, _ = evaluate(p, theta)
    np.testing.assert_array_equal(theta, p["theta"])  # theta is not modified
    expected = reference_value(p, p["theta"])
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("task", ALL_TASKS)
@given(data=st.data())
def test_gradient_matches_central_differences(task, data):
    """The analytic gradient of the full objective, penalty's L1 part included.

    Two criteria, both at ``RTOL = 1e-5``: the norm-based relative error of
    the whole vector, and per coordinate ``|g_i - d_i| <= RTOL |d_i| + floor``.
    The floor is the finite difference's own rounding error, about
    ``eps |J| / h`` (``J`` the value, ``h = 1e-6``), with a factor 100 of room
    for the rounding inside the sums that compute ``J``: ``2.2e-8 (1 + |J|)``;
    it is what a coordinate whose true derivative is 0 (a dead relu unit, an
    input of 0) needs.  Measured over 4000 draws, the largest error was 5% of
    this bound per coordinate and 0.3% of it in norm: a margin of 20 or more.

    Each task (so each loss) is its own parameter, with and without sample
    weights among the draws: a loss whose gradient leaves out the sample
    weights fails here, and only here among the property tests.
    """
    p = data.draw(problems(task))
    _avoid_relu_kink(p)
    _avoid_saturation(p)
    _, grad = evaluate(p, p["theta"])
    value = reference_value(p, p["theta"])
    assert_matches_differences(grad, reference_gradient(p), value)


@pytest.mark.parametrize("hidden", sorted(HIDDEN_ACTIVATIONS))
@given(data=st.data())
def test_every_activation_gradient_matches_central_differences(hidden, data):
    """The same proof with the hidden activation fixed and the task drawn,
    so every activation gets its own examples in every run (its derivative,
    whether written with the output or with the kept pre-activations, is
    the forward map's)."""
    p = data.draw(problems(hidden=hidden))
    _avoid_relu_kink(p)
    _avoid_saturation(p)
    _, grad = evaluate(p, p["theta"])
    value = reference_value(p, p["theta"])
    assert value == pytest.approx(evaluate(p, p["theta"])[0], rel=1e-12, abs=1e-12)
    assert_matches_differences(grad, reference_gradient(p), value)


@pytest.mark.parametrize("task", ALL_TASKS)
@given(data=st.data())
def test_subgradient_flag_only_drops_the_l1_term(task, data):
    """Training's gradient (no L1 or group subgradient) is the smooth part's:
    the finite differences of the reference objective without its L1 and
    group terms, and the full gradient less exactly the written
    ``lambda_1 sign(W) / n`` (or the group term's gradient over ``n``)."""
    p = data.draw(problems(task))
    _avoid_relu_kink(p)
    _avoid_saturation(p)
    value, full = evaluate(p, p["theta"])
    smooth_value, smooth = evaluate(p, p["theta"], l1_subgradient=False)
    assert smooth_value == value  # the value always includes L1
    assert_matches_differences(
        smooth, reference_gradient(p, smooth=True), reference_value(p, p["theta"], True)
    )
    n = p["X"].shape[0] if p["sw"] is None else p["sw"].sum()
    n_coef = reference_n_coef(p)
    l1_term = np.zeros_like(full)
    l1_term[:n_coef] = reference_l1_strength(p) * np.sign(p["theta"][:n_coef]) / n
    l1_term += reference_group_term(p, p["theta"]) / n
    # |(full - smooth) - term| <= 1e-14 + 1e-12 |smooth|, the bound of
    # assert_allclose(smooth, full - term, rtol=1e-12, atol=1e-14).
    excess = np.abs((full - smooth) - l1_term) - (1e-14 + 1e-12 * np.abs(smooth))
    assert excess.max() <= 0, f"off the L1 term by {excess.max():.3g} beyond the bound"


# ------------------------------------------- what training reports and follows
def _estimator(p, **params):
    common = dict(
        hidden_layer_sizes=p["hidden_sizes"],
        activation=p["hidden"],
        penalty=p["pen"],
        alpha=p["alpha"],
        l1_ratio=p["l1_ratio"],
        warm_start=True,
        max_iter=1,
        **params,
    )
    if p["task"] in ("binary", "multiclass", "multilabel"):
        return MLPClassifier(**common)
    return MLPRegressor(loss=p["loss"], **common)


def _targets(p):
    """``y`` as the estimator takes it, encoding back to ``p["Y"]``."""
    Y = p["Y"]
    if p["task"] == "multiclass":
        return Y.argmax(axis=1)
    if p["task"] == "multilabel":
        return Y.astype(int)
    return Y.ravel() if Y.shape[1] == 1 else Y


def fit_one_epoch(p, **params):
    """One epoch of ``params``' solver from the problem's weights."""
    model = _estimator(p, **params)
    units = p["layout"].layer_units
    coefs, intercepts = reference_unpack(p["theta"].copy(), units)
    model.coefs_, model.intercepts_ = coefs, intercepts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(p["X"], _targets(p), sample_weight=p["sw"])
    return model, reference_pack(model.coefs_, model.intercepts_)


@given(problems(max_samples=12), st.sampled_from(["gd", "sgd"]))
def test_training_reports_the_objective_and_steps_along_its_gradient(p, solver):
    """One full-batch epoch: ``loss_curve_[0]`` is the reference objective at
    the start, and the weights move to ``prox(theta - eta g)`` with ``g`` the
    reference smooth gradient (finite differences) and ``prox`` the written
    soft threshold at ``eta lambda_1 / n``.

    Then, tighter, the same step with ``loss_and_grad``'s gradient (proven by
    the tests above) instead of the finite differences: to 1e-13, and exactly
    ``theta - eta g`` for L2 or no penalty.
    """
    _avoid_relu_kink(p)
    _avoid_saturation(p)
    eta = 0.05
    params = dict(solver=solver, learning_rate_init=eta)
    if solver == "sgd":  # plain SGD on one unshuffled batch of every row
        params.update(momentum=0.0, batch_size=p["X"].shape[0], shuffle=False)
    model, theta_after = fit_one_epoch(p, **params)
    reference = reference_value(p, p["theta"])
    assert model.loss_curve_ == [pytest.approx(reference, rel=1e-12, abs=1e-12)]
    assert model.loss_ == model.loss_curve_[0]

    n = p["X"].shape[0] if p["sw"] is None else p["sw"].sum()
    n_coef = reference_n_coef(p)
    tau = eta * reference_l1_strength(p) / n

    def proximal_step(g):
        step = p["theta"] - eta * g
        step[:n_coef] = reference_soft_threshold(step[:n_coef], tau)
        if reference_group_strength(p):
            step = reference_block_threshold(
                p, step, eta * reference_group_strength(p) / n
            )
        return step

    # A gradient within the bounds of test_gradient_matches_central_differences
    # of the differences, |g - d| <= RTOL |d| + floor, moves each weight
    # within eta times that bound of the step along d: the soft threshold
    # moves no two points further apart than they were.
    fd = reference_gradient(p, smooth=True)
    smooth_value = reference_value(p, p["theta"], smooth=True)
    floor = 100 * np.finfo(np.float64).eps / FD_STEP * (1 + abs(smooth_value))
    excess = np.abs(theta_after - proximal_step(fd)) - eta * (RTOL * np.abs(fd) + floor)
    assert excess.max() <= 0, f"off the step by {excess.max():.3g} beyond the bound"

    # Consistency, to the last bits: the step is along loss_and_grad's gradient.
    value, grad = evaluate(p, p["theta"], l1_subgradient=False)
    assert model.loss_curve_ == [pytest.approx(value, rel=1e-13, abs=1e-15)]
    np.testing.assert_allclose(theta_after, proximal_step(grad), rtol=1e-13, atol=1e-15)
    if not (reference_l1_strength(p) or reference_group_strength(p)):
        np.testing.assert_array_equal(theta_after, p["theta"] - eta * grad)


def test_multioutput_regression_reports_its_objective():
    """A fixed multi-output case with every penalty (also drawn above)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    Y = rng.normal(size=(30, 3))
    layout = Layout([4, 5, 3])
    theta = rng.uniform(-1, 1, layout.size)
    for pen in PENALTIES:
        p = dict(
            task="multioutput_regression",
            loss="squared_error",
            layout=layout,
            hidden_sizes=[5],
            hidden="tanh",
            pen=pen,
            alpha=0.7,
            l1_ratio=0.4,
            penalty=penalty_from_params(pen, 0.7, 0.4),
            theta=theta,
            X=X,
            Y=Y,
            sw=None,
        )
        model, _ = fit_one_epoch(p, solver="gd", learning_rate_init=0.1)
        value, _ = evaluate(p, theta)
        coefs, intercepts = reference_unpack(theta, [4, 5, 3])
        reference = reference_objective(
            coefs, intercepts, X, Y, None, "tanh", "squared_error", pen, 0.7, 0.4
        )
        assert model.loss_curve_[0] == pytest.approx(reference, rel=1e-12)
        assert value == pytest.approx(reference, rel=1e-12)
        assert model.loss_curve_[0] == pytest.approx(value, rel=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_workspace_buffers_keep_the_weights_dtype(dtype):
    """A float32 fit computes its products in float32 (a float64 buffer would
    make NumPy compute them in float64, other numbers at twice the memory);
    derivative masks are boolean."""
    workspace = Workspace(Layout([3, 5, 4, 2]), 8, dtype)
    assert workspace.row.dtype == dtype
    assert [a.dtype for a in workspace.activations] == [dtype] * 3
    assert workspace.product((8, 5)).dtype == dtype
    assert workspace.mask((8, 5)).dtype == np.bool_
    assert [a.dtype for a in workspace.pre_activations()] == [dtype] * 2
    assert [a.shape for a in workspace.pre_activations()] == [(8, 5), (8, 4)]
