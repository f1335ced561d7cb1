"""Output activations: the fast forms give exactly the numbers of the plain
ones (scikit-learn's)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skmlp._activations import _max_by_columns, _row_max, _softmax


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
