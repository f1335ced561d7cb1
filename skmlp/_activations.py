"""Activation functions: each forward map lives next to its derivative.

Most activations are applied in place to the pre-activation ``Z = A W + b``
and their derivative is expressed through the *output* ``A = f(Z)``, so the
backward pass never needs ``Z`` again (the trick scikit-learn's MLP also uses):

============  ==========================  ================================
name          :math:`f(z)`                :math:`f'(z)` written with a = f(z)
============  ==========================  ================================
identity      :math:`z`                   :math:`1`
logistic      :math:`1 / (1 + e^{-z})`    :math:`a (1 - a)`
tanh          :math:`\\tanh z`             :math:`1 - a^2`
relu          :math:`\\max(z, 0)`          :math:`[a > 0]`
============  ==========================  ================================

Five more keep their pre-activations during training (see
:class:`Activation`; each function's docstring has its formulas):
``leaky_relu`` (:math:`z` or :math:`s z`, slope :math:`s = 0.01`), ``elu``
(:math:`z` or :math:`\\alpha (e^z - 1)`, :math:`\\alpha = 1`), ``gelu`` (the tanh
form :math:`\\tfrac12 z (1 + \\tanh(\\sqrt{2/\\pi} (z + 0.044715 z^3)))`),
``softplus`` (:math:`\\log(1 + e^z)`, derivative :math:`1 - e^{-a}`) and
``silu`` (:math:`z \\sigma(z)`).  GELU and SiLU are not monotonic, so
:math:`z` cannot be recovered from :math:`a`; the other three could be
differentiated from :math:`a` (softplus is), but their forward maps need a
second buffer to run without allocating, which the kept pre-activations
provide.

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


def _softplus_into(Z, A):
    r"""Softplus of ``Z`` into ``A``; ``Z`` is overwritten (its derivative
    reads only the output).

    .. math::

        f(z) = \log(1 + e^z) = \max(z, 0) + \log(1 + e^{-|z|})

    evaluated in the right-hand form (with ``log1p``): no overflow for large
    :math:`z`, no loss of the small values for very negative :math:`z`.
    (NumPy's ``logaddexp(0, z)`` is the same form in one buffer, but 15
    times slower than these five passes.)
    """
    np.maximum(Z, 0, out=A)
    np.abs(Z, out=Z)
    np.negative(Z, out=Z)
    np.exp(Z, out=Z)
    np.log1p(Z, out=Z)
    A += Z


def _softplus_derivative(Z, out, scratch):
    r"""Softplus's derivative into ``out``, which holds the output
    :math:`a = f(z)` on entry (``Z`` is not read).

    .. math::

        f'(z) = \sigma(z) = 1 - e^{-a},

    since :math:`e^{-a} = 1 / (1 + e^z)`; evaluated as ``-expm1(-a)``,
    accurate where :math:`a` is tiny (very negative :math:`z`)."""
    np.negative(out, out=out)
    np.expm1(out, out=out)
    np.negative(out, out=out)


#: Slope of ``leaky_relu`` for negative pre-activations.
LEAKY_SLOPE = 0.01
#: ELU's :math:`\alpha` (its limit at :math:`-\infty` is :math:`-\alpha`);
#: fixed, and the ELU functions below are written for it.
ELU_ALPHA = 1.0

# GELU's constants: sqrt(2 / pi) and the cubic's coefficient.
_GELU_C = float(np.sqrt(2 / np.pi))
_GELU_K = 0.044715
#: Beyond |z| = 10, GELU's |u| exceeds 43, where tanh u is exactly +-1 in
#: both precisions (from about 19 in float64, 9 in float32).  So the cubic
#: is evaluated as z (1 + 0.044715 v^2) with v = z clipped to [-10, 10]: the
#: same numbers as z + 0.044715 z^3 up to rounding inside, the same tanh
#: outside (z^3 would overflow float32 from |z| = 2e13).  The derivative
#: clips z itself, as tanh u is +-1 either way.
_GELU_CLIP = 10.0


def _leaky_relu_into(Z, A):
    r"""Leaky ReLU of ``Z`` into ``A`` (``Z`` unchanged).

    .. math::

        f(z) = \begin{cases} z & z > 0 \\ s z & z \le 0 \end{cases}
             = \max(z, s z), \qquad s = 0.01
    """
    np.multiply(Z, LEAKY_SLOPE, out=A)
    np.maximum(A, Z, out=A)


def _leaky_relu_derivative(Z, out, scratch):
    r"""Leaky ReLU's derivative at ``Z`` into ``out``.

    .. math::

        f'(z) = \begin{cases} 1 & z > 0 \\ s & z \le 0 \end{cases}

    (the slope ``s`` at the kink, as relu takes 0 there).
    """
    np.greater(Z, 0, out=out)  # 1.0 or 0.0
    np.maximum(out, LEAKY_SLOPE, out=out)


def _elu_into(Z, A):
    r"""ELU of ``Z`` into ``A`` (``Z`` unchanged).

    .. math::

        f(z) = \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0
               \end{cases}, \qquad \alpha = 1

    computed as ``max(z, expm1(min(z, 0)))``: ``expm1`` keeps the digits of
    small :math:`z`, the minimum keeps it from overflowing, and
    :math:`e^z - 1 \ge z` everywhere, so the maximum picks the right branch
    (a faithfully rounded ``expm1`` keeps that order: the rounded value is a
    neighbour of a number above the float :math:`z`).
    """
    np.minimum(Z, 0, out=A)
    np.expm1(A, out=A)
    np.maximum(A, Z, out=A)


def _elu_derivative(Z, out, scratch):
    r"""ELU's derivative at ``Z`` into ``out``.

    .. math::

        f'(z) = \begin{cases} 1 & z > 0 \\ \alpha e^z & z \le 0 \end{cases}
              = e^{\min(z, 0)} \quad (\alpha = 1)

    (1 at the kink, where both sides agree for :math:`\alpha = 1`).
    """
    np.minimum(Z, 0, out=out)
    np.exp(out, out=out)


def _gelu_u(Z, out, k):
    """:math:`\\sqrt{2/\\pi}\\, z (1 + k z^2)` into ``out`` for ``Z`` already
    clipped to ``_GELU_CLIP`` (the derivative's); ``Z`` unchanged.  With
    ``k = 0.044715`` it is GELU's :math:`u`, with ``3 k``,
    :math:`z u'(z)`."""
    np.square(Z, out=out)
    out *= k
    out += 1
    out *= _GELU_C
    out *= Z


def _gelu_into(Z, A):
    r"""GELU (tanh approximation) of ``Z`` into ``A`` (``Z`` unchanged).

    .. math::

        f(z) = \tfrac12 z \left(1 + \tanh u\right), \qquad
        u = \sqrt{2/\pi}\, (z + 0.044715\, z^3)

    For very negative :math:`z`, :math:`1 + \tanh u` cancels (the
    approximation's own rounding, as in PyTorch's ``approximate="tanh"``):
    the output has an absolute error of about ``eps |z|`` there, and is
    exactly 0 below :math:`z \approx -7.19` (float64; -5.42 in float32).
    """
    # u / 8 first, clipped where tanh is +-1 anyway (|u| >= 40), then u:
    # z times a factor up to 4.4 would overflow near the dtype's maximum.
    # Scaling by powers of two changes no bit.
    np.clip(Z, -_GELU_CLIP, _GELU_CLIP, out=A)
    np.square(A, out=A)
    A *= _GELU_K
    A += 1
    A *= _GELU_C / 8
    A *= Z
    np.clip(A, -5, 5, out=A)
    A *= 8
    np.tanh(A, out=A)
    A += 1
    A *= 0.5
    A *= Z


def _gelu_derivative(Z, out, scratch):
    r"""GELU's derivative at ``Z`` into ``out``; ``Z`` and ``scratch`` are
    overwritten.

    .. math::

        f'(z) = \tfrac12 (1 + t) + \tfrac12 z (1 - t^2) u'(z)
              = \tfrac12 (1 + t) \left(1 + (1 - t)\, z u'(z)\right),

    with :math:`t = \tanh u` and
    :math:`z u'(z) = \sqrt{2/\pi}\, (z + 3 \cdot 0.044715\, z^3)`.
    """
    # Beyond the clip, t = tanh u is +-1 for z and its clipped value alike,
    # and then f' is 1 or 0 whatever z u'(z) is.
    np.clip(Z, -_GELU_CLIP, _GELU_CLIP, out=Z)
    _gelu_u(Z, scratch, _GELU_K)
    np.tanh(scratch, out=scratch)  # t
    _gelu_u(Z, out, 3 * _GELU_K)  # z u'(z)
    np.subtract(1, scratch, out=Z)
    out *= Z
    out += 1
    np.add(scratch, 1, out=Z)
    out *= Z
    out *= 0.5


def _silu_into(Z, A):
    r"""SiLU (swish) of ``Z`` into ``A`` (``Z`` unchanged).

    .. math::

        f(z) = z\, \sigma(z) = \frac{z}{1 + e^{-z}}

    with SciPy's ``expit`` for :math:`\sigma` (no overflow at any
    :math:`z`).
    """
    expit(Z, out=A)
    A *= Z


def _silu_derivative(Z, out, scratch):
    r"""SiLU's derivative at ``Z`` into ``out``; ``scratch`` is overwritten.

    .. math::

        f'(z) = \sigma(z) + z\, \sigma(z) (1 - \sigma(z))
              = \sigma(z) \left(1 + z (1 - \sigma(z))\right)
    """
    expit(Z, out=scratch)
    np.subtract(1, scratch, out=out)
    out *= Z
    out += 1
    out *= scratch


def _in_place(into):
    """The in-place forward map (``predict``'s) of a map written from a
    kept pre-activation; allocates one copy of ``Z``."""

    def forward(Z: np.ndarray, row: np.ndarray | None = None) -> None:
        into(Z.copy(), Z)

    forward.__name__ = into.__name__.removesuffix("_into")
    forward.__doc__ = into.__doc__
    return forward


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

    An activation whose derivative needs the pre-activation (``gelu`` and
    ``silu``, not monotonic, so :math:`z` is not a function of :math:`a`), or
    whose forward map needs a second buffer to run without allocating
    (``leaky_relu``, ``elu``, ``softplus``), instead has ``into(Z, A)``,
    writing ``f(Z)`` into ``A`` and leaving ``Z`` unchanged (unless the
    derivative does not read ``Z``: softplus's), and
    ``derivative(Z, out, scratch)``, writing :math:`f'(Z)` into ``out``,
    which holds :math:`a = f(z)` on entry (``Z`` and ``scratch`` may be
    overwritten).  Training then
    keeps every hidden layer's pre-activations in a buffer of their own
    (allocated only for these activations): the forward pass writes
    ``A W + b`` there and ``f`` of it into the layer's output, and the
    backward pass turns the output into :math:`f'(z)` before multiplying
    it by the product.  ``forward`` (for ``predict``) applies ``into`` to a
    copy.  ``keeps_pre_activations`` tells which kind an activation is.
    """

    forward: Callable[..., None]
    backward: Callable[..., None] | None = None
    mask: Callable[..., None] | None = None
    linear: bool = False
    into: Callable[..., None] | None = None
    derivative: Callable[..., None] | None = None

    @property
    def keeps_pre_activations(self) -> bool:
        """Whether training keeps this activation's pre-activations."""
        return self.derivative is not None


def _kept(into, derivative):
    return Activation(_in_place(into), into=into, derivative=derivative)


#: Hidden-layer activations, the values the ``activation`` parameter accepts.
HIDDEN_ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation(_identity, linear=True),
    "logistic": Activation(_logistic, _logistic_grad),
    "tanh": Activation(_tanh, _tanh_grad),
    "relu": Activation(_relu, mask=_relu_mask),
    "leaky_relu": _kept(_leaky_relu_into, _leaky_relu_derivative),
    "elu": _kept(_elu_into, _elu_derivative),
    "gelu": _kept(_gelu_into, _gelu_derivative),
    "softplus": _kept(_softplus_into, _softplus_derivative),
    "silu": _kept(_silu_into, _silu_derivative),
}

#: Output activations; each is paired with its canonical loss.
OUTPUT_ACTIVATIONS: dict[str, Callable[..., None]] = {
    "identity": _identity,
    "logistic": _logistic,
    "softmax": _softmax,
    "exp": _exp,
}
