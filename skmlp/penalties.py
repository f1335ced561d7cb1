"""Weight penalties: L2, L1 and elastic net, with the proximal operator of L1.

For a minibatch whose sample weights sum to :math:`n` (its size without
weights), the penalty added to the mean data loss is, with strength
:math:`\\alpha` and mix :math:`r` (``l1_ratio``),

.. math::

    R(W) = \\frac{\\alpha}{n} \\Big( \\frac{1 - r}{2} \\lVert W \\rVert_2^2
           + r \\lVert W \\rVert_1 \\Big)

over every weight matrix, biases never included (scikit-learn's MLP
convention, :math:`\\alpha / (2n) \\lVert W \\rVert^2`, for L2):

=============  ===============  =============================================
``penalty``    :math:`r`        meaning
=============  ===============  =============================================
``"l2"``       0                ridge, scikit-learn's MLP ``alpha``
``"l1"``       1                lasso: drives weights to exact zeros
``"elasticnet"`` ``l1_ratio``   both, as in :class:`~sklearn.linear_model.SGDClassifier`
``None``       (no penalty)     :math:`\\alpha` is ignored
=============  ===============  =============================================

The smooth L2 part enters the gradient. The L1 part is not differentiable at
0, so training applies it by its *proximal operator*, soft thresholding,

.. math::

    \\operatorname{prox}_{\\tau}(w) = \\operatorname{sign}(w)\\max(|w| - \\tau, 0),

after every optimizer step, with :math:`\\tau = s\\, \\alpha r / n` and
:math:`s` the step size the optimizer just used for that weight (the learning
rate for GD and SGD, the per-weight Adam, AdaGrad or RMSprop step otherwise).
For ``"gd"`` this is exactly the proximal-gradient method,
:math:`W \\leftarrow \\operatorname{prox}_{\\eta \\alpha r / n}(W - \\eta g)`.
L-BFGS instead splits :math:`W = P - N` with :math:`P, N \\ge 0`, which turns
the L1 term into the linear :math:`\\sum (P + N)` and lets L-BFGS-B's bounds
produce the exact zeros.

Examples
--------
>>> import numpy as np
>>> from skmlp.penalties import soft_threshold
>>> w = np.array([-0.3, 0.05, 0.2])
>>> soft_threshold(w, 0.1, out=w)
array([-0.2,  0. ,  0.1])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["PENALTIES", "Penalty", "penalty_from_params", "soft_threshold"]


class Penalty(NamedTuple):
    """A penalty's strength split into its L2 and L1 parts (before the ``/ n``).

    ``l2`` multiplies :math:`\\frac12 \\lVert W \\rVert^2` and ``l1``
    multiplies :math:`\\lVert W \\rVert_1`.

    Examples
    --------
    >>> from skmlp.penalties import Penalty
    >>> import numpy as np
    >>> float(Penalty(l2=0.5, l1=0.0).value(np.array([2.0, -2.0])))
    2.0
    """

    l2: float
    l1: float

    def value(self, weights: np.ndarray) -> float:
        """:math:`l_2 \\lVert W \\rVert^2 / 2 + l_1 \\lVert W \\rVert_1`."""
        total = 0.0
        if self.l2:
            total += 0.5 * self.l2 * np.dot(weights, weights)
        if self.l1:
            total += self.l1 * np.abs(weights).sum()
        return total


#: ``penalty`` name -> function of (alpha, l1_ratio) giving the two parts.
PENALTIES = {
    "l2": lambda alpha, l1_ratio: Penalty(l2=alpha, l1=0.0),
    "l1": lambda alpha, l1_ratio: Penalty(l2=0.0, l1=alpha),
    "elasticnet": lambda alpha, l1_ratio: Penalty(
        l2=alpha * (1 - l1_ratio), l1=alpha * l1_ratio
    ),
    None: lambda alpha, l1_ratio: Penalty(l2=0.0, l1=0.0),
}


def penalty_from_params(penalty: str | None, alpha: float, l1_ratio: float) -> Penalty:
    """The :class:`Penalty` an estimator's ``penalty``, ``alpha``, ``l1_ratio`` mean.

    Examples
    --------
    >>> from skmlp.penalties import penalty_from_params
    >>> penalty_from_params("elasticnet", alpha=1.0, l1_ratio=0.25)
    Penalty(l2=0.75, l1=0.25)
    """
    return PENALTIES[penalty](float(alpha), float(l1_ratio))


def soft_threshold(
    weights: np.ndarray,
    threshold: float | np.ndarray,
    out: np.ndarray,
    scratch: np.ndarray | None = None,
) -> np.ndarray:
    """:math:`\\operatorname{sign}(w) \\max(|w| - \\tau, 0)`, elementwise, into ``out``.

    ``threshold`` is a scalar or an array like ``weights``; ``out`` may be
    ``weights`` itself. Weights within the threshold of 0 become exactly 0.
    ``scratch`` (like ``weights``, distinct from ``out``) avoids allocating.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.penalties import soft_threshold
    >>> soft_threshold(np.array([1.0, -1.0]), np.array([0.5, 2.0]), np.empty(2))
    array([ 0.5, -0. ])
    """
    sign = np.sign(weights, out=scratch)
    np.abs(weights, out=out)
    out -= threshold
    np.maximum(out, 0, out=out)
    out *= sign
    return out
