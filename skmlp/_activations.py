"""Activation functions: each forward map lives next to its derivative.

Every activation is applied in place to the pre-activation ``Z = A W + b`` and
its derivative is expressed through the *output* ``A = f(Z)``, so the backward
pass never needs ``Z`` again (the trick scikit-learn's MLP also uses):

============  ==========================  ================================
name          :math:`f(z)`                :math:`f'(z)` written with a = f(z)
============  ==========================  ================================
identity      :math:`z`                   :math:`1`
logistic      :math:`1 / (1 + e^{-z})`    :math:`a (1 - a)`
tanh          :math:`\\tanh z`             :math:`1 - a^2`
relu          :math:`\\max(z, 0)`          :math:`[a > 0]`
============  ==========================  ================================

Output activations (``softmax``, ``exp`` and the above) are paired with their
canonical loss in :mod:`skmlp._losses`, so their derivative is never needed.
Every forward map takes an optional ``row`` buffer (one entry per row) that
softmax uses for its row maxima and sums instead of allocating.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import expit


def _identity(Z: np.ndarray, row: np.ndarray | None = None) -> None:
    pass


def _logistic(Z: np.ndarray, row: np.ndarray | None = None) -> None:
    expit(Z, out=Z)


def _tanh(Z: np.ndarray, row: np.ndarray | None = None) -> None:
    np.tanh(Z, out=Z)


_zero_rows: dict = {}


def _zero_row(dtype, width):
    row = _zero_rows.get((dtype, width))
    if row is None:
        row = np.zeros(width, dtype)
        row.flags.writeable = False
        _zero_rows[dtype, width] = row
    return row


def _relu(Z: np.ndarray, row: np.ndarray | None = None) -> None:
    if Z.dtype == np.float32 and Z.ndim == 2:
        # NumPy 2.4 vectorizes float32 maximum against a row of zeros, not
        # against a scalar (docs/performance.md has the measurements; float64
        # gains nothing).
        np.maximum(Z, _zero_row(Z.dtype, Z.shape[1]), out=Z)
    else:
        np.maximum(Z, 0, out=Z)


def _max_by_columns(n: int, k: int) -> bool:
    """Whether the row maxima of an ``n x k`` array are faster a column at a
    time than as one reduction along the rows.

    A reduction along short rows pays a loop setup per row; a pass per
    column pays a call per column plus a strided read per element, so it
    wins for a few columns over many rows.  The constants below are those
    costs, measured (docs/performance.md, "NumPy's fast paths").
    """
    return k >= 2 and (k - 1) * (n + 750) < 25 * n + 2000


def _row_max(Z: np.ndarray, row: np.ndarray | None = None) -> np.ndarray:
    """Each row's maximum, into ``row`` when given."""
    n, k = Z.shape
    if not _max_by_columns(n, k):
        return np.maximum.reduce(Z, axis=1, out=row)
    # A maximum is exact in any order: the same numbers as the reduction.
    return _column_max(Z, np.empty(n, Z.dtype) if row is None else row)


def _column_max(Z: np.ndarray, row: np.ndarray) -> np.ndarray:
    """The row maxima of ``Z`` (at least 2 columns) into ``row``, a pass per
    column."""
    np.maximum(Z[:, 0], Z[:, 1], out=row)
    for j in range(2, Z.shape[1]):
        np.maximum(row, Z[:, j], out=row)
    return row


def _softmax(Z: np.ndarray, row: np.ndarray | None = None) -> None:
    # Shifting by the row maximum keeps exp from overflowing; the division
    # makes the shift cancel exactly.
    # ufunc.reduce directly: np.sum's wrapper costs more than the work on a
    # minibatch.
    row = _row_max(Z, row)
    column = row[:, np.newaxis]
    Z -= column
    np.exp(Z, out=Z)
    np.add.reduce(Z, axis=1, out=row)
    Z /= column


def _exp(Z: np.ndarray, row: np.ndarray | None = None) -> None:
    # exp overflows to inf past log(max) and underflows to 0, where the
    # Poisson deviance divides by it; clipping the pre-activation keeps the
    # mean finite and positive (predict never warns, training sees a huge but
    # finite loss).  Inside these bounds nothing changes.
    np.clip(Z, *_exp_bounds(Z.dtype), out=Z)
    np.exp(Z, out=Z)


def _exp_bounds(dtype):
    info = np.finfo(dtype)
    # log(max / 2): rounding the bound to ``dtype`` cannot push exp past max.
    return np.log(info.tiny), np.log(info.max / 2)


# Each derivative overwrites the layer's output ``A`` with ``product`` times
# f' (written in terms of A); ``product`` may be used as scratch.  The
# products are rounded in scikit-learn's order (``delta * f'``).


def _logistic_grad(A, product):
    product *= A
    np.subtract(1, A, out=A)
    A *= product


def _tanh_grad(A, product):
    np.multiply(A, A, out=A)
    np.subtract(1, A, out=A)
    A *= product


def _relu_mask(A, out):
    # Where f' is 1; the backward pass multiplies the product by this 0/1
    # mask, many times faster than boolean-mask assignment (``delta[A == 0]
    # = 0``) and the same numbers.
    np.greater(A, 0, out=out)


class Activation(NamedTuple):
    """An activation: in-place forward map and in-place derivative.

    ``forward(Z)`` overwrites ``Z`` with ``f(Z)``; ``backward(A, product)``
    overwrites ``A = f(Z)`` with ``product`` times ``f'`` written in terms of
    ``A``: the backward pass needs each layer's output only up to that point,
    so the layer's delta takes its place and needs no buffer of its own.

    Where :math:`f'` is 1 everywhere (``linear``) or 0 or 1 (``mask(A, out)``
    writes where it is 1 into a boolean array), there is no ``backward``: the
    backward pass writes the product straight into ``A`` (after taking the
    mask) and needs no buffer for it either.
    """

    forward: Callable[..., None]
    backward: Callable[..., None] | None = None
    mask: Callable[..., None] | None = None
    linear: bool = False


#: Hidden-layer activations, the values the ``activation`` parameter accepts.
HIDDEN_ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation(_identity, linear=True),
    "logistic": Activation(_logistic, _logistic_grad),
    "tanh": Activation(_tanh, _tanh_grad),
    "relu": Activation(_relu, mask=_relu_mask),
}

#: Output activations; each is paired with its canonical loss.
OUTPUT_ACTIVATIONS: dict[str, Callable[..., None]] = {
    "identity": _identity,
    "logistic": _logistic,
    "softmax": _softmax,
    "exp": _exp,
}
