"""Loss values: scikit-learn's loss functions are the oracle, bit for bit.

scikit-learn's MLP reports, and L-BFGS-B and the ``tol`` rule act on, the
value of ``sklearn.neural_network._base.LOSS_FUNCTIONS``; a value that differs
in its last bit changes L-BFGS-B's line search and so the whole fit.  Here
Hypothesis draws outputs, targets (hard and soft), shapes on both sides of
NumPy's pairwise-summation blocks and sample weights, and every loss must give
exactly scikit-learn's value (float64), or scikit-learn's value of the same
float32 probabilities clipped at float32's epsilon (float32 networks).

The one intended difference: the squared error of several outputs is the sum
over outputs here, the mean there (docs/differences.md); its oracle is the
documented formula, NumPy's ``np.average`` summed over outputs.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit, softmax
from sklearn.neural_network._base import LOSS_FUNCTIONS

from skmlp._losses import LOSSES

#: Rows drawn: across NumPy's 8-element unrolling and 128-element pairwise blocks.
ROWS = st.integers(1, 400)


def _value(loss, y, p, sample_weight):
    n, k = p.shape
    before = p.copy()
    value = LOSSES[loss].value(
        y, p, sample_weight, np.empty((n, k)), np.empty((n, k)), np.empty(k)
    )
    np.testing.assert_array_equal(p, before)  # the outputs are left alone
    return value


@st.composite
def problems(draw, loss):
    """``(y, p, sample_weight)`` for ``loss``, as the network would see them."""
    n = draw(ROWS)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weighted = draw(st.booleans())
    sw = rng.uniform(0.0, 3.0, n) if weighted else None
    if weighted and not sw.sum() > 0:
        sw[0] = 1.0
    # 3: many probabilities near 1, where log implementations differ most;
    # 30: saturated outputs.
    scale = draw(st.sampled_from([0.1, 1.0, 3.0, 30.0]))
    if loss == "log_loss":
        k = draw(st.integers(3, 12))
        p = softmax(scale * rng.normal(size=(n, k)), axis=1)
        hard = draw(st.booleans())
        y = (
            np.eye(k, dtype=bool)[rng.integers(0, k, n)]
            if hard
            else softmax(rng.normal(size=(n, k)), axis=1)
        )
    elif loss == "binary_log_loss":
        k = draw(st.integers(1, 4))
        p = expit(scale * rng.normal(size=(n, k)))
        hard = draw(st.booleans())
        y = (
            rng.integers(0, 2, (n, k)).astype(bool)
            if hard
            else rng.uniform(size=(n, k))
        )
    elif loss == "poisson":
        k = 1
        p = np.exp(np.clip(scale * rng.normal(size=(n, k)), -30, 30))
        y = rng.poisson(1.0, (n, k)).astype(np.float64)
    else:
        k = draw(st.integers(1, 3))
        p = scale * rng.normal(size=(n, k))
        y = rng.normal(size=(n, k))
    return y, p, sw


@pytest.mark.parametrize("loss", ["log_loss", "binary_log_loss", "poisson"])
@given(data=st.data())
def test_value_is_scikit_learns_to_the_bit(loss, data):
    y, p, sw = data.draw(problems(loss))
    assert _value(loss, y, p, sw) == LOSS_FUNCTIONS[loss](y, p, sw)


@given(problems("squared_error"))
def test_squared_error_is_scikit_learns_for_one_output(problem):
    y, p, sw = problem
    y, p = y[:, :1], p[:, :1]
    assert _value("squared_error", y, p, sw) == LOSS_FUNCTIONS["squared_error"](
        y, p, sw
    )


@given(problems("squared_error"))
def test_squared_error_sums_the_outputs(problem):
    """Difference 6: scikit-learn averages over outputs; the sum is the
    objective its gradient belongs to."""
    y, p, sw = problem
    expected = 0.5 * np.average((y - p) ** 2, weights=sw, axis=0).sum()
    assert _value("squared_error", y, p, sw) == expected


@pytest.mark.parametrize("loss", ["log_loss", "binary_log_loss"])
@given(data=st.data())
def test_float32_probabilities_are_clipped_at_float32_epsilon(loss, data):
    y, p, sw = data.draw(problems(loss))
    p32 = p.astype(np.float32)
    eps = np.finfo(np.float32).eps
    clipped = np.clip(p32, eps, 1 - eps).astype(np.float64)
    assert _value(loss, y, p32, sw) == LOSS_FUNCTIONS[loss](y, clipped, sw)


def test_saturated_outputs_give_a_large_finite_loss():
    y = np.array([[True, False, False]])
    p = np.array([[0.0, 1.0, 0.0]])
    assert _value("log_loss", y, p, None) == -np.log(np.finfo(np.float64).eps)


@pytest.mark.parametrize("loss", ["log_loss", "binary_log_loss"])
def test_one_row_logs_are_scikit_learns(loss):
    """Single rows expose each log on its own: NumPy's vectorized ``log``
    and ``xlogy``'s differ in the last bit for some probabilities near 1
    (0.3% of them on AVX-512 machines), which a sum over rows usually hides."""
    rng = np.random.default_rng(0)
    for q in rng.uniform(0.9, 1.0, 500):
        if loss == "log_loss":
            p = np.array([[q, (1 - q) / 2, (1 - q) / 2]])
            y = np.array([[True, False, False]])
        else:
            p, y = np.array([[q]]), np.array([[bool(rng.integers(2))]])
            p = 1 - p if not y[0, 0] else p
        assert _value(loss, y, p, None) == LOSS_FUNCTIONS[loss](y, p)
