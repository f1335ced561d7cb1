"""Losses, each paired with its canonical output activation.

With the canonical link the derivative of the loss with respect to the output
pre-activation is simply ``y_pred - y`` (times the sample weight), so the
backward pass starts from that difference for every loss here.

Each value is a sample-weighted mean over rows, then summed over outputs:

- ``squared_error`` (identity output): :math:`\\frac12 \\sum_k (y_k - p_k)^2`
- ``poisson`` (exp output): :math:`\\sum_k y_k \\log(y_k / p_k) - y_k + p_k`
- ``log_loss`` (softmax output): :math:`-\\sum_k y_k \\log p_k`
- ``binary_log_loss`` (logistic outputs):
  :math:`-\\sum_k y_k \\log p_k + (1 - y_k) \\log(1 - p_k)`

Probabilities are clipped to ``[eps, 1 - eps]`` of their dtype before the log,
as scikit-learn does, so a saturated output gives a large finite loss.  The
targets may be soft (any value in [0, 1]), as distillation needs.

Every value is computed with scikit-learn's operations in scikit-learn's
order (``xlogy`` for the logs, a mean over rows per output with NumPy's
``np.average`` reductions, then a sum over outputs), so for float64 networks
it is scikit-learn's loss to the last bit: L-BFGS-B's line search and the
``tol`` stopping rule turn a single differing bit into a different fit.
float32 networks have their loss computed in float64 from the float32 outputs.

scikit-learn's squared error takes the *mean* over outputs while its gradient
is that of the *sum*; here the value is the sum, so the reported loss is the
objective whose gradient training follows (identical for one output).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import xlogy


def _output_means(terms, sample_weight, columns):
    """``np.average(terms, weights=sample_weight, axis=0)`` into ``columns``.

    The same reductions as NumPy's ``average`` (a sum down each column, in
    ``terms``' memory order, divided by the row count or by the pairwise sum
    of the weights), so the same bits; ``terms`` is overwritten.
    """
    if sample_weight is None:
        np.add.reduce(terms, axis=0, out=columns)
        columns /= terms.shape[0]
    else:
        terms *= sample_weight[:, np.newaxis]
        np.add.reduce(terms, axis=0, out=columns)
        columns /= np.add.reduce(sample_weight)
    return columns


def _clip_probabilities(p, out):
    """``np.clip(p, eps, 1 - eps)`` with ``eps`` of ``p``'s dtype, into ``out``."""
    eps = np.finfo(p.dtype).eps
    # np.clip's two ufuncs without its Python wrapper: the same values, NaN kept.
    np.maximum(p, eps, out=out)
    np.minimum(out, 1 - eps, out=out)
    return out


def _squared_error(y, p, sample_weight, terms, other, columns):
    np.subtract(y, p, out=terms)
    np.multiply(terms, terms, out=terms)
    return 0.5 * np.add.reduce(_output_means(terms, sample_weight, columns))


def _poisson(y, p, sample_weight, terms, other, columns):
    np.divide(y, p, out=terms)
    xlogy(y, terms, out=terms)
    terms -= y
    terms += p
    return np.add.reduce(_output_means(terms, sample_weight, columns))


def _log_loss(y, p, sample_weight, terms, other, columns):
    if y.dtype == bool:
        return _one_hot_log_loss(y, p, sample_weight, columns)
    xlogy(y, _clip_probabilities(p, terms), out=terms)
    return -np.add.reduce(_output_means(terms, sample_weight, columns))


def _one_hot_log_loss(y, p, sample_weight, columns):
    """The log loss of one-hot (boolean) targets, the logs taken of the
    picked probabilities only (``xlogy`` costs far more than a pass).

    Every other term of scikit-learn's ``xlogy(y, p)`` is exactly 0, and
    adding 0 leaves a sum unchanged, so each output's sum down the rows is
    the sum of its picked logs in row order, as ``np.bincount`` adds them:
    the same bits.  (A NaN output makes its whole softmax row NaN, so the
    picked entry carries it.)
    """
    n, k = y.shape
    picked_class = y.argmax(axis=1)
    picked = p[np.arange(n), picked_class]
    logs = _clip_probabilities(picked, np.empty(n))
    xlogy(1.0, logs, out=logs)
    if sample_weight is None:
        columns[...] = np.bincount(picked_class, weights=logs, minlength=k)
        columns /= n
    else:
        logs *= sample_weight
        columns[...] = np.bincount(picked_class, weights=logs, minlength=k)
        columns /= np.add.reduce(sample_weight)
    return -np.add.reduce(columns)


def _binary_log_loss(y, p, sample_weight, terms, other, columns):
    _clip_probabilities(p, terms)
    np.subtract(1, terms, out=other)
    if y.dtype == bool:
        # Each entry's terms are log p + 0 or 0 + log(1 - p): one log of
        # the probability y picks, the same value.
        np.copyto(other, terms, where=y)
        xlogy(1.0, other, out=terms)
    else:
        xlogy(y, terms, out=terms)
        xlogy(1 - y, other, out=other)
        terms += other
    return -np.add.reduce(_output_means(terms, sample_weight, columns))


class Loss(NamedTuple):
    """A loss and the output activation whose canonical link it is.

    ``value(y, y_pred, sample_weight, terms, other, columns)`` returns the
    loss: for each output the sample-weighted mean over rows, summed over
    outputs.  ``y_pred`` is the output *after* the activation; ``terms`` and
    ``other`` (float64, shaped like ``y_pred``) and ``columns`` (float64, one
    entry per output) are scratch.
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
