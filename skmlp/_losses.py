"""Losses, each paired with its canonical output activation.

With the canonical link the derivative of the loss with respect to the output
pre-activation is simply ``y_pred - y`` (times the sample weight), so the
backward pass starts from that difference for every loss here.

All values are sample-weighted means over rows and sums over outputs:

- ``squared_error`` (identity output): :math:`\\frac12 \\sum_k (y_k - p_k)^2`
- ``poisson`` (exp output): :math:`\\sum_k y_k \\log(y_k / p_k) - y_k + p_k`
- ``log_loss`` (softmax output): :math:`-\\sum_k y_k \\log p_k`
- ``binary_log_loss`` (logistic outputs):
  :math:`-\\sum_k y_k \\log p_k + (1 - y_k) \\log(1 - p_k)`

Probabilities are clipped to ``[eps, 1 - eps]`` of their dtype before the log,
as scikit-learn does, so a saturated output gives a large finite loss.

scikit-learn's squared error takes the *mean* over outputs while its gradient
is that of the *sum*; here the value is the sum, so the reported loss is the
objective whose gradient training follows (identical for one output).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import xlogy

from skmlp._activations import _row_max


def _weighted_mean(per_row, sample_weight):
    """Sum of ``per_row`` weighted by the sample weights, over their sum."""
    if sample_weight is None:
        return np.add.reduce(per_row) / per_row.shape[0]
    return np.dot(sample_weight, per_row) / np.add.reduce(sample_weight)


# Each loss gets ``buf`` (like ``p``), ``buf64`` (float64, like ``p``; it may
# be ``buf`` itself for float64) and ``row64`` (float64, one entry per row).
# Sums and logs run in float64 whatever the dtype of ``p``, as in scikit-learn,
# so L-BFGS sees an accurate objective for float32 networks too.


def _squared_error(y, p, sample_weight, buf, buf64, row64):
    np.subtract(y, p, out=buf)
    np.multiply(buf, buf, out=buf64)
    np.add.reduce(buf64, axis=1, out=row64)
    return 0.5 * _weighted_mean(row64, sample_weight)


def _poisson(y, p, sample_weight, buf, buf64, row64):
    np.divide(y, p, out=buf64)
    xlogy(y, buf64, out=buf64)
    buf64 -= y
    buf64 += p
    np.add.reduce(buf64, axis=1, out=row64)
    return _weighted_mean(row64, sample_weight)


def _clipped_log(x, eps, out):
    # np.clip's two ufuncs without its Python wrapper (same values, NaN kept).
    np.maximum(x, eps, out=out)
    np.minimum(out, 1 - eps, out=out)
    return np.log(out, out=out)


def _log_loss(y, p, sample_weight, buf, buf64, row64):
    # Rows of y are one-hot, so sum_k y_k log p_k is the log of the one
    # probability that y picks out: the only entry of y * p that may be
    # nonzero, so the row's maximum is its sum, exactly (NaN included), and
    # the maximum is the faster of the two over a few columns.
    np.multiply(p, y, out=buf)
    _row_max(buf, row64)
    eps = np.finfo(p.dtype).eps
    return -_weighted_mean(_clipped_log(row64, eps, row64), sample_weight)


def _binary_log_loss(y, p, sample_weight, buf, buf64, row64):
    # log p where y = 1 and log(1 - p) where y = 0.
    positive = y if y.dtype == bool else y > 0.5
    np.subtract(1, p, out=buf)
    np.copyto(buf, p, where=positive)
    _clipped_log(buf, np.finfo(p.dtype).eps, buf64)
    np.add.reduce(buf64, axis=1, out=row64)
    return -_weighted_mean(row64, sample_weight)


class Loss(NamedTuple):
    """A loss and the output activation whose canonical link it is.

    ``value(y, y_pred, sample_weight, buf, buf64, row64)`` returns the
    sample-weighted mean loss; ``y_pred`` is the output *after* the
    activation; ``buf`` (like ``y_pred``), ``buf64`` (float64, like
    ``y_pred``) and ``row64`` (float64, one entry per row) are scratch.
    """

    output_activation: str
    value: Callable[..., float]


#: Every loss the network can train with, by name.
LOSSES: dict[str, Loss] = {
    "squared_error": Loss("identity", _squared_error),
    "poisson": Loss("exp", _poisson),
    "log_loss": Loss("softmax", _log_loss),
    "binary_log_loss": Loss("logistic", _binary_log_loss),
}
