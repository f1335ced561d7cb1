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


def _squared_error(y, p, sample_weight):
    return 0.5 * np.average((y - p) ** 2, weights=sample_weight, axis=0).sum()


def _poisson(y, p, sample_weight):
    return np.average(xlogy(y, y / p) - y + p, weights=sample_weight, axis=0).sum()


def _log_loss(y, p, sample_weight):
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    return -np.average(xlogy(y, p), weights=sample_weight, axis=0).sum()


def _binary_log_loss(y, p, sample_weight):
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    return -np.average(
        xlogy(y, p) + xlogy(1 - y, 1 - p), weights=sample_weight, axis=0
    ).sum()


class Loss(NamedTuple):
    """A loss and the output activation whose canonical link it is.

    ``value(y, y_pred, sample_weight)`` returns the sample-weighted mean loss
    (a float); ``y_pred`` is the output *after* the activation.
    """

    output_activation: str
    value: Callable[[np.ndarray, np.ndarray, np.ndarray | None], float]


#: Every loss the network can train with, by name.
LOSSES: dict[str, Loss] = {
    "squared_error": Loss("identity", _squared_error),
    "poisson": Loss("exp", _poisson),
    "log_loss": Loss("softmax", _log_loss),
    "binary_log_loss": Loss("logistic", _binary_log_loss),
}
