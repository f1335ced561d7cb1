"""Every optimizer against its written update rule, and on classic test functions.

The reference rules below are transcribed from the table in DESIGN.md (the
docstrings state the same formulas) in the most direct NumPy, with fresh
arrays everywhere: they share no code with :mod:`skmlp.optimizers`.
"""

import math
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import clone

from skmlp.optimizers import (
    GD,
    SGD,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    RMSprop,
    step_size,
)


def ref_sgd(w, grads, lr, mu, nesterov):
    v = np.zeros_like(w)
    for g in grads:
        v = mu * v - lr * g
        w = w + (mu * v - lr * g if nesterov else v)
    return w


def ref_gd(w, grads, lr):
    for g in grads:
        w = w - lr * g
    return w


def ref_momentum(w, grads, lr, beta):
    v = np.zeros_like(w)
    for g in grads:
        v = beta * v + (1 - beta) * g
        w = w - lr * v
    return w


def ref_adagrad(w, grads, lr, eps):
    G = np.zeros_like(w)
    for g in grads:
        G = G + g**2
        w = w - lr * g / np.sqrt(G + eps)
    return w


def ref_rmsprop(w, grads, lr, rho, eps):
    G = np.zeros_like(w)
    for g in grads:
        G = rho * G + (1 - rho) * g**2
        w = w - lr * g / np.sqrt(G + eps)
    return w


def ref_adam(w, grads, lr, b1, b2, eps, decay=0.0):
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - lr_t * m / (np.sqrt(v) + eps)
        w = w - lr * decay * w
    return w


rates = st.floats(1e-4, 0.5)
decays = st.floats(0.0, 0.999)
epsilons = st.floats(1e-8, 1e-2)

# (strategy of the optimizer's hyperparameters, reference rule)
CASES = {
    "gd": (
        st.fixed_dictionaries({"learning_rate": rates}),
        GD,
        lambda w, gs, p: ref_gd(w, gs, p["learning_rate"]),
    ),
    "sgd": (
        st.fixed_dictionaries(
            {"learning_rate": rates, "momentum": decays, "nesterov": st.booleans()}
        ),
        SGD,
        lambda w, gs, p: ref_sgd(
            w, gs, p["learning_rate"], p["momentum"], p["nesterov"]
        ),
    ),
    "momentum": (
        st.fixed_dictionaries({"learning_rate": rates, "beta": decays}),
        Momentum,
        lambda w, gs, p: ref_momentum(w, gs, p["learning_rate"], p["beta"]),
    ),
    "adagrad": (
        st.fixed_dictionaries({"learning_rate": rates, "epsilon": epsilons}),
        AdaGrad,
        lambda w, gs, p: ref_adagrad(w, gs, p["learning_rate"], p["epsilon"]),
    ),
    "rmsprop": (
        st.fixed_dictionaries(
            {"learning_rate": rates, "rho": decays, "epsilon": epsilons}
        ),
        RMSprop,
        lambda w, gs, p: ref_rmsprop(w, gs, p["learning_rate"], p["rho"], p["epsilon"]),
    ),
    "adam": (
        st.fixed_dictionaries(
            {
                "learning_rate": rates,
                "beta_1": decays,
                "beta_2": decays,
                "epsilon": epsilons,
            }
        ),
        Adam,
        lambda w, gs, p: ref_adam(
            w, gs, p["learning_rate"], p["beta_1"], p["beta_2"], p["epsilon"]
        ),
    ),
    "adamw": (
        st.fixed_dictionaries(
            {
                "learning_rate": rates,
                "beta_1": decays,
                "beta_2": decays,
                "epsilon": epsilons,
                "weight_decay": st.floats(0.0, 0.5),
            }
        ),
        AdamW,
        lambda w, gs, p: ref_adam(
            w,
            gs,
            p["learning_rate"],
            p["beta_1"],
            p["beta_2"],
            p["epsilon"],
            p["weight_decay"],
        ),
    ),
}

# Relative tolerance per dtype: a few roundings per step, over up to 5 steps.
RTOL = {np.float64: 1e-10, np.float32: 2e-4}


@st.composite
def trajectories(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    size = draw(st.integers(1, 30))
    n_steps = draw(st.integers(1, 5))
    values = st.floats(-10, 10, width=32)
    w = draw(hnp.arrays(dtype, size, elements=values))
    grads = [draw(hnp.arrays(dtype, size, elements=values)) for _ in range(n_steps)]
    return w, grads


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_steps_follow_the_written_rule(name, data):
    params_strategy, cls, reference = CASES[name]
    params = data.draw(params_strategy)
    w0, grads = data.draw(trajectories())
    optimizer = cls(**params)
    w = w0.copy()
    state = optimizer.init(w)
    for g in grads:
        state = optimizer.step(w, g, state, params["learning_rate"])
    expected = reference(
        w0.astype(np.float64), [g.astype(np.float64) for g in grads], params
    )
    assert w.dtype == w0.dtype
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(w, expected, rtol=0, atol=RTOL[w0.dtype.type] * scale)


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_is_separate_and_typed(name):
    _, cls, _ = CASES[name]
    optimizer = cls()
    w = np.ones(4, dtype=np.float32)
    state = optimizer.init(w)
    arrays = [a for a in state if isinstance(a, np.ndarray)]
    assert all(a.dtype == np.float32 and a.shape == w.shape for a in arrays)
    before = optimizer.get_params()
    optimizer.step(w, np.full(4, 0.5, np.float32), state, 0.1)
    assert optimizer.get_params() == before
    assert not any(isinstance(v, np.ndarray) for v in vars(optimizer).values())


@pytest.mark.parametrize("name", sorted(CASES))
def test_training_steps_allocate_only_piece_sized_arrays(name):
    """A rule's temporaries are the size of the piece the training loop hands
    it (a cache-sized piece of a long vector), never of the whole vector."""
    tracemalloc = pytest.importorskip("tracemalloc")
    from skmlp._pieces import CHUNK
    from skmlp._training import OptimizerRun, ScheduleRun
    from skmlp.penalties import Penalty
    from skmlp.schedules import Constant

    _, cls, _ = CASES[name]
    w = np.ones(8 * CHUNK)
    run = OptimizerRun(cls(), w, ScheduleRun(Constant(0.01)))
    penalty = Penalty(l2=0.1, l1=0.0)
    run.step(w, np.full_like(w, 0.1), penalty, w.size // 2, 3.0)  # warm up
    grads = [np.full_like(w, 0.1) for _ in range(3)]
    tracemalloc.start()
    for g in grads:
        run.step(w, g, penalty, w.size // 2, 3.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 * CHUNK * w.itemsize + 10_000


def rosenbrock_grad(w):
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def quadratic_grad(w):
    # f(w) = 0.5 * w^T diag(1, 10) w, minimum at 0.
    return np.array([1.0, 10.0]) * w


# Learning rate and number of steps each optimizer needs on each function.
CONVERGENCE = {
    "gd": (GD, {"quadratic": (0.05, 2000), "rosenbrock": (1e-3, 60000)}),
    "sgd": (SGD, {"quadratic": (0.01, 2000), "rosenbrock": (1e-4, 40000)}),
    "momentum": (Momentum, {"quadratic": (0.05, 3000), "rosenbrock": (1e-3, 60000)}),
    "adagrad": (AdaGrad, {"quadratic": (0.5, 3000), "rosenbrock": (0.5, 40000)}),
    "rmsprop": (RMSprop, {"quadratic": (0.01, 5000), "rosenbrock": (1e-3, 40000)}),
    "adam": (Adam, {"quadratic": (0.05, 3000), "rosenbrock": (0.02, 20000)}),
    "adamw": (AdamW, {"quadratic": (0.05, 3000), "rosenbrock": (0.02, 20000)}),
}


@pytest.mark.parametrize("name", sorted(CONVERGENCE))
@pytest.mark.parametrize("problem", ["quadratic", "rosenbrock"])
def test_converges(name, problem):
    cls, settings = CONVERGENCE[name]
    lr, n_steps = settings[problem]
    extra = {"weight_decay": 0.0} if cls is AdamW else {}
    optimizer = cls(learning_rate=lr, **extra)
    grad, start, minimum = {
        "quadratic": (quadratic_grad, [3.0, -2.0], [0.0, 0.0]),
        "rosenbrock": (rosenbrock_grad, [-1.2, 1.0], [1.0, 1.0]),
    }[problem]
    w = np.array(start)
    state = optimizer.init(w)
    for _ in range(n_steps):
        state = optimizer.step(w, grad(w), state, lr)
    np.testing.assert_allclose(w, minimum, atol=2e-2)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hyperparameter_holder(name):
    _, cls, _ = CASES[name]
    optimizer = cls(learning_rate=0.123)
    assert clone(optimizer) == optimizer
    assert clone(optimizer) is not optimizer
    assert pickle.loads(pickle.dumps(optimizer)) == optimizer
    assert "learning_rate=0.123" in repr(optimizer)
    assert optimizer.set_params(learning_rate=0.5).learning_rate == 0.5
    assert optimizer != cls(learning_rate=0.25)
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        optimizer.set_params(nope=1)


#: The documented defaults, written out: scikit-learn's MLP defaults where it
#: has the parameter, the textbook's otherwise (RMSprop's rho: Hinton's
#: lecture; AdamW's weight decay: the AdamW paper's and PyTorch's).
DEFAULTS = {
    GD: dict(learning_rate=0.001),
    SGD: dict(learning_rate=0.001, momentum=0.9, nesterov=True),
    Momentum: dict(learning_rate=0.001, beta=0.9),
    AdaGrad: dict(learning_rate=0.001, epsilon=1e-8),
    RMSprop: dict(learning_rate=0.001, rho=0.9, epsilon=1e-8),
    Adam: dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    AdamW: dict(
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay=0.01,
    ),
}


@pytest.mark.parametrize("cls", list(DEFAULTS), ids=lambda cls: cls.__name__)
def test_defaults_are_the_documented_ones(cls):
    assert cls().get_params() == DEFAULTS[cls]
    assert f"default={DEFAULTS[cls]['learning_rate']}" in cls.__doc__


@pytest.mark.parametrize("name", sorted(CASES))
def test_step_in_pieces_is_bit_identical(name):
    """Built-in rules are elementwise, so a step a cache-sized piece at a
    time, or over any pieces of the vector, is exact."""
    from skmlp._pieces import CHUNK, state_piece

    _, cls, _ = CASES[name]
    optimizer = cls(learning_rate=0.01)
    rng = np.random.default_rng(0)
    size = 3 * CHUNK + 1001
    whole = rng.standard_normal(size)
    pieces = whole.copy()
    state_whole, state_pieces = optimizer.init(whole), optimizer.init(pieces)
    for _ in range(3):
        g = rng.standard_normal(size)
        state_whole = optimizer.step(whole, g, state_whole, 0.01)
        # Small pieces, none of them as long as CHUNK: each in one go.
        for start in range(0, size, 999):
            part = slice(start, min(start + 999, size))
            part_state = optimizer.step(
                pieces[part], g[part], state_piece(state_pieces, size, part), 0.01
            )
        # The arrays were updated in place; the scalars (Adam's t) are the
        # last piece's.
        state_pieces = type(state_pieces)(
            *(
                whole_field if isinstance(whole_field, np.ndarray) else part_field
                for whole_field, part_field in zip(state_pieces, part_state)
            )
        )
    np.testing.assert_array_equal(whole, pieces)
    for a, b in zip(state_whole, state_pieces):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_step_equals_finish_then_step(name):
    """The training loop's fused step (finish the raw gradient and apply the
    rule, a piece at a time) gives exactly the plain step's weights and
    state."""
    from skmlp._pieces import CHUNK
    from skmlp._training import OptimizerRun, ScheduleRun
    from skmlp.penalties import Penalty
    from skmlp.schedules import Constant

    _, cls, _ = CASES[name]
    optimizer = cls(learning_rate=0.01)
    rng = np.random.default_rng(1)
    size, n_coef, l2, weight_sum = 2 * CHUNK + 777, 2 * CHUNK - 5, 0.3, 7.0
    plain = rng.standard_normal(size)
    fused = plain.copy()
    state = optimizer.init(plain)
    run = OptimizerRun(optimizer, fused, ScheduleRun(Constant(0.01)))
    for _ in range(3):
        raw = rng.standard_normal(size)
        g = raw.copy()
        g[:n_coef] += l2 * plain[:n_coef]
        g /= weight_sum
        state = optimizer.step(plain, g, state, 0.01)
        run.step(fused, raw.copy(), Penalty(l2=l2, l1=0.0), n_coef, weight_sum)
        np.testing.assert_array_equal(fused, plain)
    for a, b in zip(state, run.state):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", [AdaGrad, RMSprop, Adam, AdamW])
def test_epsilon_below_float32_range_keeps_zero_gradients_finite(cls):
    """An epsilon that rounds to 0 in float32 (1e-50) would make 0/0 of a
    weight whose gradient has always been 0; such a weight keeps its value
    (decayed by AdamW's weight decay), and the step sizes stay finite."""
    optimizer = cls(learning_rate=0.1, epsilon=1e-50)
    w = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    state = optimizer.init(w)
    g = np.array([0.0, 0.5, 0.0], dtype=np.float32)
    for _ in range(3):
        state = optimizer.step(w, g, state, 0.1)
    assert np.isfinite(w).all()
    untouched = np.float32([1.0, 3.0])
    for _ in range(3):
        untouched *= 1 - 0.1 * getattr(optimizer, "weight_decay", 0.0)
    np.testing.assert_array_equal(w[[0, 2]], untouched)
    assert w[1] < -2.0 * untouched[0]
    assert np.isfinite(step_size(optimizer, state, 0.1)).all()


def test_float32_fit_with_an_epsilon_below_its_range_trains():
    from sklearn.datasets import load_iris

    from skmlp import MLP

    X, y = load_iris(return_X_y=True)
    for solver in ["adagrad", "rmsprop", "adam"]:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            model = MLP(solver=solver, epsilon=1e-50, max_iter=20, random_state=0)
            model.fit(X.astype(np.float32), y)
        assert not [w for w in record if "diverged" in str(w.message)]
        assert model.n_iter_ == 20
        assert np.isfinite(model.loss_)


# One step from a given, non-zero state: the written rule, then the step size
# the L1 proximal step scales with.  Epsilon is large (1e-2) so that where it
# enters (inside or outside the square root) changes the step by percents.
STATE_PARAMS = {
    "gd": dict(learning_rate=0.1),
    "sgd": dict(learning_rate=0.1, momentum=0.7, nesterov=False),
    "sgd-nesterov": dict(learning_rate=0.1, momentum=0.7, nesterov=True),
    "momentum": dict(learning_rate=0.1, beta=0.7),
    "adagrad": dict(learning_rate=0.1, epsilon=1e-2),
    "rmsprop": dict(learning_rate=0.1, rho=0.7, epsilon=1e-2),
    "adam": dict(learning_rate=0.1, beta_1=0.7, beta_2=0.8, epsilon=1e-2),
    "adamw": dict(
        learning_rate=0.1, beta_1=0.7, beta_2=0.8, epsilon=1e-2, weight_decay=0.3
    ),
}
STATE_CLASSES = {
    "gd": GD,
    "sgd": SGD,
    "sgd-nesterov": SGD,
    "momentum": Momentum,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}
W0 = np.array([1.5, -0.75, 0.25, -2.0])
G0 = np.array([0.4, -0.1, 0.0, 2.5])
#: A running average or velocity, and a second-moment-like accumulator.
V0 = np.array([0.3, -0.2, 0.05, 1.0])
S0 = np.array([0.09, 0.01, 0.002, 4.0])
T0 = 3  # Adam's steps taken so far


def written_step(name, p):
    """``(w, state arrays, step size)`` after one step from the state above,
    each transcribed from the optimizer's documented rule."""
    eta, w, g = p["learning_rate"], W0, G0
    if name == "gd":
        return w - eta * g, {}, eta
    if name in ("sgd", "sgd-nesterov"):
        mu = p["momentum"]
        v = mu * V0 - eta * g
        w = w + (mu * v - eta * g if p["nesterov"] else v)
        return w, {"v": v}, eta / (1 - mu)
    if name == "momentum":
        v = p["beta"] * V0 + (1 - p["beta"]) * g
        return w - eta * v, {"v": v}, None
    if name in ("adagrad", "rmsprop"):
        G = S0 + g**2 if name == "adagrad" else p["rho"] * S0 + (1 - p["rho"]) * g**2
        size = eta / np.sqrt(G + p["epsilon"])
        return w - size * g, {"G": G}, size
    b1, b2, t = p["beta_1"], p["beta_2"], T0 + 1
    m = b1 * V0 + (1 - b1) * g
    v = b2 * S0 + (1 - b2) * g**2
    eta_t = eta * np.sqrt(1 - b2**t) / (1 - b1**t)
    size = eta_t / (np.sqrt(v) + p["epsilon"])
    w = w - size * m
    if name == "adamw":
        w = w - eta * p["weight_decay"] * w
    return w, {"t": t, "m": m, "v": v}, size


def test_explicit_states_cover_every_optimizer():
    assert {cls for _, cls, _ in CASES.values()} == set(STATE_CLASSES.values())


@pytest.mark.parametrize("name", sorted(STATE_PARAMS))
def test_one_step_from_a_given_state_follows_the_written_rule(name):
    """From a non-zero state (Adam after 3 steps), one step gives the written
    weights and state, and ``step_size`` the written per-weight step: the
    bias correction at t = 4, epsilon inside the square root for AdaGrad and
    RMSprop and outside it for Adam, the (1 - beta) of every average."""
    params = STATE_PARAMS[name]
    optimizer = STATE_CLASSES[name](**params)
    w = W0.copy()
    state = optimizer.init(w)
    first = {"v": V0, "G": S0, "m": V0}
    if "m" in state._fields:  # Adam: m is the first moment, v the second
        first = {"m": V0, "v": S0}
        state = state._replace(t=T0)
    for field, value in zip(state._fields, state):
        if isinstance(value, np.ndarray):
            value[...] = first[field]
    state = optimizer.step(w, G0.copy(), state, params["learning_rate"])

    expected_w, expected_state, expected_size = written_step(name, params)
    np.testing.assert_allclose(w, expected_w, rtol=1e-14, atol=0)
    for field, value in expected_state.items():
        np.testing.assert_allclose(getattr(state, field), value, rtol=1e-14, atol=0)
    if expected_size is None:  # the proximal step then uses the learning rate
        expected_size = params["learning_rate"]
    sizes = step_size(optimizer, state, params["learning_rate"])
    sizes = np.broadcast_to(sizes, w.shape)
    expected_size = np.broadcast_to(expected_size, w.shape)
    np.testing.assert_allclose(sizes, expected_size, rtol=1e-14, atol=0)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 1.0])
def test_sgd_at_the_ends_of_the_momentum_range(momentum, nesterov):
    """scikit-learn accepts momentum in [0, 1]: 0 is plain SGD, and 1 keeps
    the whole velocity (a shortcut taken at the wrong end would drop it)."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(6)
    grads = [rng.standard_normal(6) for _ in range(3)]
    optimizer = SGD(momentum=momentum, nesterov=nesterov)
    w = w0.copy()
    state = optimizer.init(w)
    for g in grads:
        state = optimizer.step(w, g.copy(), state, 0.1)
    expected = ref_sgd(w0, grads, 0.1, momentum, nesterov)
    np.testing.assert_allclose(w, expected, rtol=1e-14, atol=0)


@pytest.mark.parametrize("cls", [AdaGrad, RMSprop])
def test_epsilon_zero_adds_nothing(cls):
    """epsilon=0 is no epsilon: g / sqrt(G) exactly, even where G is so small
    that adding the smallest normal number would change its root."""
    g = np.array([1e-150, -3e-151])
    w = np.zeros(2)
    optimizer = cls(learning_rate=1.0, epsilon=0.0)
    optimizer.step(w, g.copy(), optimizer.init(w), 1.0)
    G = g * g if cls is AdaGrad else (1 - optimizer.rho) * (g * g)
    np.testing.assert_array_equal(w, -(g / np.sqrt(G)))
