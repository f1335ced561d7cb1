"""Activations.

Hidden ones: each forward map equals its written formula, transcribed here in
float64 NumPy (no code shared with :mod:`skmlp._activations`), and each
derivative, however it is computed (from the output, as a mask, or from the
kept pre-activations), equals the written analytic derivative; float32 stays
float32, and no pre-activation, however large, makes a warning.  Each one
trains a sensible classifier on iris and digits.  (The finite-difference
proofs that the derivative is the forward map's are in test_gradients.py.)

Output activations: the fast forms give exactly the numbers of the plain ones
(scikit-learn's).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier
from skmlp._activations import (
    HIDDEN_ACTIVATIONS,
    _max_by_columns,
    _row_max,
    _softmax,
)

C = np.sqrt(2 / np.pi)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _gelu_t(z):
    return np.tanh(C * (z + 0.044715 * z**3))


#: Each hidden activation's formula and its derivative, in float64.
REFERENCES = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "logistic": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (
        lambda z: np.where(z > 0, z, 0.01 * z),
        lambda z: np.where(z > 0, 1.0, 0.01),
    ),
    "elu": (
        lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
        lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))),
    ),
    "gelu": (
        lambda z: 0.5 * z * (1 + _gelu_t(z)),
        lambda z: (
            0.5 * (1 + _gelu_t(z))
            + 0.5 * z * (1 - _gelu_t(z) ** 2) * C * (1 + 3 * 0.044715 * z**2)
        ),
    ),
    "softplus": (
        lambda z: np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0),
        _sigmoid,
    ),
    "silu": (
        lambda z: z * _sigmoid(z),
        lambda z: _sigmoid(z) + z * _sigmoid(z) * (1 - _sigmoid(z)),
    ),
}

HIDDEN = sorted(HIDDEN_ACTIVATIONS)


def test_references_cover_the_registry():
    assert set(REFERENCES) == set(HIDDEN_ACTIVATIONS)


def _forward(name, Z):
    A = Z.copy()
    HIDDEN_ACTIVATIONS[name].forward(A)
    return A


def _derivative(name, Z):
    """f'(Z) the way the backward pass computes it (times a product of
    ones); ``Z`` is not modified."""
    act = HIDDEN_ACTIVATIONS[name]
    ones = np.ones_like(Z)
    if act.keeps_pre_activations:
        # As in training: into, then the derivative with the output in out.
        A = np.empty_like(Z)
        act.into(Z.copy(), A)
        np.testing.assert_array_equal(A, _forward(name, Z))  # predict's
        scratch = np.empty_like(Z)
        act.derivative(Z.copy(), A, scratch)
        return A * ones
    A = _forward(name, Z)
    if act.linear:
        return ones
    if act.mask is not None:
        mask = np.empty(Z.shape, bool)
        act.mask(A, mask)
        return ones * mask
    act.backward(A, ones.copy())
    return A


#: Per dtype: (rtol, atol) of the comparison with the float64 references.
#: The atol covers the absolute rounding of cancelling forms, eps |z| (gelu's
#: 1 + tanh u for negative z, elu and softplus near 0 in float32).
TOLERANCES = {
    np.float64: (1e-13, 1e-14),
    np.float32: (2e-6, 5e-6),
}


@pytest.mark.parametrize("name", HIDDEN)
@given(
    dtype=st.sampled_from([np.float32, np.float64]),
    values=st.lists(st.floats(-40, 40), min_size=1, max_size=50),
)
def test_hidden_activation_is_its_formula(name, dtype, values):
    Z = np.array([values, values[::-1]], dtype=dtype).reshape(2, -1)
    before = Z.copy()
    forward, derivative = _forward(name, Z), _derivative(name, Z)
    np.testing.assert_array_equal(Z, before)
    assert forward.dtype == dtype and derivative.dtype == dtype
    z = Z.astype(np.float64)  # the same points, exactly
    f, df = REFERENCES[name]
    rtol, atol = TOLERANCES[dtype]
    # Plus the spacing of subnormals: a result there has no relative accuracy.
    floor = np.finfo(dtype).smallest_subnormal
    _assert_close(forward, f(z), rtol, atol * np.abs(z) + floor)
    _assert_close(derivative, df(z), rtol, atol * (1 + z**2) + floor)


def _assert_close(actual, expected, rtol, atol):
    """``|actual - expected| <= rtol |expected| + atol``, ``atol`` an array."""
    error = np.abs(actual - expected)
    bound = rtol * np.abs(expected) + atol
    assert (error <= bound).all(), (error - bound).max()


def test_hidden_activation_formulas_on_a_grid():
    """A dense grid through every region (the kinks, gelu's cancelling tail,
    the saturations), in float64."""
    z = np.concatenate([np.linspace(-40, 40, 8001), [-1e-300, 1e-300, 1e-9, -1e-9]])
    Z = z.reshape(1, -1)
    for name in HIDDEN:
        f, df = REFERENCES[name]
        np.testing.assert_allclose(
            _forward(name, Z)[0], f(z), rtol=1e-13, atol=1e-15, err_msg=name
        )
        np.testing.assert_allclose(
            _derivative(name, Z)[0], df(z), rtol=1e-13, atol=1e-15, err_msg=name
        )


#: f and f' at -big and +big for the new activations (big >= 40).
LIMITS = {
    "leaky_relu": (lambda big: (-0.01 * big, big), (0.01, 1.0)),
    "elu": (lambda big: (-1.0, big), (0.0, 1.0)),
    "gelu": (lambda big: (0.0, big), (0.0, 1.0)),
    "softplus": (lambda big: (0.0, big), (0.0, 1.0)),
    "silu": (lambda big: (0.0, big), (0.0, 1.0)),
}


@pytest.mark.parametrize("name", HIDDEN)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_warning_at_large_pre_activations(name, dtype):
    big = np.array([1e4, 1e30, np.finfo(dtype).max])
    Z = np.concatenate([-big, big]).astype(dtype).reshape(2, 3)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise"):
        warnings.simplefilter("error")
        forward, derivative = _forward(name, Z), _derivative(name, Z)
    assert forward.dtype == dtype and derivative.dtype == dtype
    assert np.isfinite(forward).all() and np.isfinite(derivative).all()
    if name in LIMITS:
        values, slopes = LIMITS[name]
        for j, b in enumerate(big.astype(dtype)):
            low, high = values(b)
            assert forward[0, j] == pytest.approx(low, rel=1e-6)
            assert forward[1, j] == pytest.approx(high, rel=1e-6)
        np.testing.assert_array_equal(derivative[0], dtype(slopes[0]))
        np.testing.assert_array_equal(derivative[1], dtype(slopes[1]))


def _split(loader):
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, random_state=0, stratify=y)


@pytest.mark.parametrize("name", HIDDEN)
@pytest.mark.parametrize(
    "loader, solver, accuracy",
    [(load_iris, "lbfgs", 0.9), (load_digits, "adam", 0.95)],
    ids=["iris-lbfgs", "digits-adam"],
)
def test_every_activation_learns(name, loader, solver, accuracy):
    """Held-out accuracy (measured: iris 0.95-1.0 and digits 0.96-0.98 for
    every activation; identity on digits 0.96)."""
    X_train, X_test, y_train, y_test = _split(loader)
    model = MLPClassifier(
        (32,), activation=name, solver=solver, max_iter=300, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= accuracy


def _reference_softmax(Z):
    # scikit-learn's softmax, operation for operation.
    tmp = Z - Z.max(axis=1)[:, np.newaxis]
    np.exp(tmp, out=Z)
    Z /= Z.sum(axis=1)[:, np.newaxis]


@st.composite
def outputs(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    # Up to 1200 rows and 12 columns: both of _row_max's forms get drawn.
    n = draw(st.integers(1, 1200))
    k = draw(st.integers(1, 12))
    values = st.floats(
        allow_nan=True,
        allow_infinity=True,
        width=np.dtype(dtype).itemsize * 8,
    )
    return draw(arrays(dtype, (n, k), elements=values))


@given(outputs())
def test_row_max_is_the_rows_maximum(Z):
    before = Z.copy()
    expected = Z.max(axis=1)
    np.testing.assert_array_equal(_row_max(Z), expected)
    # Its own buffer keeps Z's dtype: softmax sums the row into it.
    assert _row_max(Z).dtype == Z.dtype
    row = np.empty(Z.shape[0], Z.dtype)
    assert _row_max(Z, row) is row
    np.testing.assert_array_equal(row, expected)
    np.testing.assert_array_equal(Z, before)


@given(outputs())
def test_softmax_has_scikit_learns_bits(Z):
    Z = np.clip(np.nan_to_num(Z), -50, 50)
    mine, reference = Z.copy(), Z.copy()
    _softmax(mine, np.empty(Z.shape[0], Z.dtype))
    _reference_softmax(reference)
    np.testing.assert_array_equal(mine, reference)


def test_both_forms_are_used():
    # The property tests above draw shapes on both sides of the choice.
    assert _max_by_columns(1000, 3)
    assert _max_by_columns(1000, 10)
    assert not _max_by_columns(32, 10)
    assert not _max_by_columns(1000, 40)
    assert not _max_by_columns(1000, 1)


def test_exp_output_is_clipped_to_finite_positive_values():
    """Poisson's output exp(z) is clipped to [tiny, max / 2] instead of
    overflowing to inf or underflowing to 0; inside, it is np.exp."""
    from skmlp._activations import _exp

    for dtype in (np.float32, np.float64):
        info = np.finfo(dtype)
        Z = np.array([[1e4, -1e4, 1.5]], dtype=dtype)
        _exp(Z)
        expected = np.exp(
            np.array([[np.log(info.max / 2), np.log(info.tiny), 1.5]], dtype=dtype)
        )
        np.testing.assert_array_equal(Z, expected)
        assert np.isfinite(Z).all() and (Z > 0).all()
